// SPDX-License-Identifier: MIT
// os/test_runs.hpp on POSIX: getpwuid_r, a root checked through an O_NOFOLLOW descriptor, flock
// locks, mkdirat, and a symbolic link renamed into place.
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "os/test_runs.hpp"

namespace tempfile::os::test_runs {
namespace {

/// flock, retried on EINTR (a signal handler of the test program may interrupt a blocking wait).
Errno lock_file(std::intptr_t fd, int operation) noexcept {
  int result = 0;
  do {
    result = ::flock(static_cast<int>(fd), operation);
  } while (result != 0 && errno == EINTR);
  return result == 0 ? 0 : errno;
}

/// The descriptor of a held directory, for the *at calls.
int dir(const Root& root) noexcept {
  return static_cast<int>(root.fd.get());
}

}  // namespace

void Held::reset() noexcept {
  if (valid()) {
    static_cast<void>(::close(static_cast<int>(value_)));
    value_ = invalid;
  }
}

std::string user_name() {
  const uid_t uid = ::geteuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int err = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
  if (err == 0 && found != nullptr && found->pw_name != nullptr && *found->pw_name != '\0') {
    return found->pw_name;
  }
  // No passwd entry (a container running under an arbitrary uid): the number is as unique.
  return "uid-" + std::to_string(uid);
}

std::optional<std::string> environment_variable(const char* name) {
  // Read-only use of the environment; a test program that calls setenv on another thread at the
  // same time is already racing with every getenv in libc.
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

long process_id() noexcept {
  return static_cast<long>(::getpid());
}

Errno open_root(const std::string& path, Root& out, std::string& refusal,
                const char*& failed_step) {
  refusal.clear();
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    failed_step = "create";
    return errno;
  }
  Held fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode)) {
      refusal = "it is a symbolic link (someone else may have made it: remove it)";
    }
    failed_step = "open";
    return err;
  }
  struct stat info {};
  if (::fstat(static_cast<int>(fd.get()), &info) != 0) {
    failed_step = "stat";
    return errno;
  }
  if (info.st_uid != ::geteuid()) {
    refusal = "it is owned by uid " + std::to_string(info.st_uid) + ", not by us (uid " +
              std::to_string(::geteuid()) + "): remove it";
    return EPERM;
  }
  if ((info.st_mode & 07777) != 0700) {
    char mode[8] = {};
    static_cast<void>(std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777U));
    refusal = std::string("its mode is ") + mode + ", not 0700: chmod 0700 it or remove it";
    return EPERM;
  }
  out.fd = std::move(fd);
  out.path = path;
  return 0;
}

Errno lock_root(const Root& root, Held& out) noexcept {
  Held fd(::openat(dir(root), ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return errno;
  }
  if (const Errno err = lock_file(fd.get(), LOCK_EX); err != 0) {
    return err;
  }
  out = std::move(fd);
  return 0;
}

Errno make_run_directory(const Root& root, const std::string& name) noexcept {
  return ::mkdirat(dir(root), name.c_str(), 0700) == 0 ? 0 : errno;
}

Errno lock_run(const Root& root, const std::string& run, Held& out) noexcept {
  // Built before the call: an allocation must not run between the call and errno's read.
  std::string name;
  try {
    name = run + "/.lock";
  } catch (...) {
    return ENOMEM;
  }
  Held fd(
      ::openat(dir(root), name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return errno;
  }
  if (const Errno err = lock_file(fd.get(), LOCK_EX | LOCK_NB); err != 0) {
    return err;
  }
  out = std::move(fd);
  return 0;
}

Errno probe_run(const Root& root, const std::string& run) noexcept {
  std::string name;
  try {
    name = run + "/.lock";
  } catch (...) {
    return ENOMEM;
  }
  const Held fd(::openat(dir(root), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    return errno;
  }
  const Errno err = lock_file(fd.get(), LOCK_EX | LOCK_NB);
  // EWOULDBLOCK and EAGAIN are one value on Linux, not everywhere: both mean "held".
  return err == EAGAIN ? EWOULDBLOCK : err;  // the lock goes with the descriptor
}

Errno point_current(const Root& root, const std::string& run, std::string& failed_path) {
  const std::string temporary = ".current-" + std::to_string(::getpid());
  if (::unlinkat(dir(root), temporary.c_str(), 0) != 0 && errno != ENOENT) {
    const int err = errno;
    failed_path = root.path + "/" + temporary;
    return err;
  }
  if (::symlinkat(run.c_str(), dir(root), temporary.c_str()) != 0) {
    const int err = errno;
    failed_path = root.path + "/" + temporary;
    return err;
  }
  if (::renameat(dir(root), temporary.c_str(), dir(root), "current") != 0) {
    const int err = errno;
    static_cast<void>(::unlinkat(dir(root), temporary.c_str(), 0));
    failed_path = root.path + "/current";
    return err;
  }
  return 0;
}

Errno make_directory(const std::string& path) noexcept {
  return ::mkdir(path.c_str(), 0700) == 0 ? 0 : errno;
}

}  // namespace tempfile::os::test_runs
