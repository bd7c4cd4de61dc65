// SPDX-License-Identifier: MIT
// The POSIX implementation of os/persist.hpp, with the Linux paths (renameat2, O_TMPFILE's
// linkat) that TEMPFILE_PORTABLE switches off so the fallbacks get tested.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "os/fd.hpp"
#include "os/interrupted.hpp"
#include "os/persist.hpp"
#include "os/platform.hpp"
#include "os/sys.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <sys/syscall.h>
#endif

namespace tempfile::os {

namespace {
#if TEMPFILE_LINUX_FAST_PATHS
// AT_EMPTY_PATH may be refused (ENOENT) to a process without CAP_DAC_READ_SEARCH before Linux
// 6.10; once it was, and the /proc path worked instead, later links go there directly.
std::atomic<bool> empty_path_links{true};
#endif
}  // namespace

Errno sync_file(int fd) noexcept {
  return retry_interrupted([&] { return ::fsync(fd); }) == 0 ? 0 : errno;
}

Errno sync_directory(const char* path) noexcept {
  FileDescriptor directory;
  if (const Errno err = open_directory(current_directory_fd, path, directory); err != 0) {
    return err;
  }
  const Errno err = sync_file(directory.get());
  // Some file systems cannot sync a directory and say so; nothing more can be done there.
  return err == EINVAL ? 0 : err;
}

Errno rename_replacing(const char* from, const char* to) noexcept {
  return retry_interrupted([&] { return ::rename(from, to); }) == 0 ? 0 : errno;
}

Errno rename_no_replace(const char* from, const char* to) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  if (features().renameat2) {
    if (::syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1U /* RENAME_NOREPLACE */) == 0) {
      return 0;
    }
    // EINVAL: this file system has no RENAME_NOREPLACE; the link path below keeps the promise.
    if (errno != EINVAL) {
      return errno;
    }
  }
#endif
  if (retry_interrupted([&] { return ::link(from, to); }) != 0) {
    return errno;
  }
  if (retry_interrupted([&] { return ::unlink(from); }) != 0) {
    const Errno err = errno;
    static_cast<void>(::unlink(to));  // the file keeps its first name: nothing moved
    return err;
  }
  return 0;
}

bool is_linkable_unnamed(int fd) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(O_TMPFILE)
  // The open flags keep O_TMPFILE's own bit (O_TMPFILE is it plus O_DIRECTORY).
  const int flags = ::fcntl(fd, F_GETFL);
  constexpr int tmpfile_bit = O_TMPFILE & ~O_DIRECTORY;
  return flags >= 0 && (flags & tmpfile_bit) == tmpfile_bit;
#else
  static_cast<void>(fd);
  return false;
#endif
}

Errno link_unnamed(int fd, const char* to) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(O_TMPFILE)
  const bool try_empty_path = empty_path_links.load(std::memory_order_relaxed);
  if (try_empty_path) {
    if (retry_interrupted([&] { return ::linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH); }) == 0) {
      return 0;
    }
    if (errno != ENOENT) {
      return errno;
    }
  }
  const std::string proc_path = "/proc/self/fd/" + std::to_string(fd);
  if (retry_interrupted([&] {
        return ::linkat(AT_FDCWD, proc_path.c_str(), AT_FDCWD, to, AT_SYMLINK_FOLLOW);
      }) != 0) {
    return errno;
  }
  if (try_empty_path) {
    empty_path_links.store(false, std::memory_order_relaxed);
  }
  return 0;
#else
  static_cast<void>(fd);
  static_cast<void>(to);
  return ENOTSUP;
#endif
}

void link_prefer_empty_path(bool prefer) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  empty_path_links.store(prefer, std::memory_order_relaxed);
#else
  static_cast<void>(prefer);
#endif
}

}  // namespace tempfile::os
