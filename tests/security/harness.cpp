// SPDX-License-Identifier: MIT
// The shared test harness of tests/security: attempts, children with deadlines, private
// tmpfs mounts, snapshots and environment/umask scopes.
#include "harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "support/files.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"

namespace tempfile::test {

Attempt record_attempt(const std::function<std::string()>& creation) {
  Attempt attempt;
  try {
    attempt.path = creation();
    attempt.created = true;
  } catch (const tempfile::error& failure) {
    attempt.threw_error = true;
    attempt.code = failure.code().value();
    attempt.what = failure.what();
    attempt.path1 = failure.path1().native();
    attempt.path2 = failure.path2().native();
  } catch (const std::exception& failure) {
    attempt.other_failure = failure.what();
  }
  return attempt;
}

Attempt attempt_create(create::EntryKind kind, const std::filesystem::path& dir,
                       const std::string& prefix, const std::string& suffix,
                       create::NameSource& names) {
  const std::optional<std::string> prefix_option = prefix;
  const std::optional<std::string> suffix_option = suffix;
  const std::optional<std::filesystem::path> dir_option = dir;
  const std::string_view function = kind == create::EntryKind::file ? "mkstemp" : "mkdtemp";
  return record_attempt([&] {
    create::CreatedEntry entry =
        create::create_unique(kind, {function, prefix_option, suffix_option, dir_option}, names);
    static_cast<void>(entry.fd.close());
    return entry.path;
  });
}

namespace {

// Fields are "key=value" lines; '\n' and '\\' inside values are escaped.
std::string escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      out += value[i + 1] == 'n' ? '\n' : value[i + 1];
      ++i;
    } else {
      out += value[i];
    }
  }
  return out;
}

constexpr std::string_view record_end = "--end--";

}  // namespace

std::string encode(const Attempt& attempt) {
  std::ostringstream out;
  out << "created=" << (attempt.created ? 1 : 0) << '\n'
      << "path=" << escape(attempt.path) << '\n'
      << "threw_error=" << (attempt.threw_error ? 1 : 0) << '\n'
      << "code=" << attempt.code << '\n'
      << "what=" << escape(attempt.what) << '\n'
      << "path1=" << escape(attempt.path1) << '\n'
      << "path2=" << escape(attempt.path2) << '\n'
      << "other_failure=" << escape(attempt.other_failure) << '\n'
      << "name_calls=" << attempt.name_calls << '\n'
      << record_end << '\n';
  return out.str();
}

std::vector<Attempt> decode_all(const std::string& text) {
  std::vector<Attempt> attempts;
  Attempt current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line == record_end) {
      attempts.push_back(current);
      current = Attempt{};
      continue;
    }
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) {
      continue;  // diagnostics a child printed between records
    }
    const std::string key = line.substr(0, equals);
    if (key.rfind("fact.", 0) == 0) {
      continue;
    }
    const std::string value = unescape(line.substr(equals + 1));
    if (key == "created") {
      current.created = value == "1";
    } else if (key == "path") {
      current.path = value;
    } else if (key == "threw_error") {
      current.threw_error = value == "1";
    } else if (key == "code") {
      current.code = std::atoi(value.c_str());
    } else if (key == "what") {
      current.what = value;
    } else if (key == "path1") {
      current.path1 = value;
    } else if (key == "path2") {
      current.path2 = value;
    } else if (key == "other_failure") {
      current.other_failure = value;
    } else if (key == "name_calls") {
      current.name_calls = std::atoi(value.c_str());
    }
  }
  return attempts;
}

void add_fact(std::string& out, const std::string& key, const std::string& value) {
  out += "fact." + key + "=" + escape(value) + "\n";
}

std::optional<std::string> fact(const std::string& output, const std::string& key) {
  const std::string wanted = "fact." + key + "=";
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(wanted, 0) == 0) {
      return unescape(line.substr(wanted.size()));
    }
  }
  return std::nullopt;
}

std::string read_to_end(int fd) {
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return text;
    }
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
}

ChildRun run_child(const std::function<int(std::string&)>& body, unsigned deadline_seconds) {
  ChildRun run;
  std::array<int, 2> pipe_fds{-1, -1};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    run.output = "pipe2 failed: " + errno_text(errno);
    return run;
  }
  static_cast<void>(std::fflush(nullptr));
  const pid_t pid = ::fork();
  if (pid < 0) {
    run.output = "fork failed: " + errno_text(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return run;
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    ::alarm(deadline_seconds);
    std::string output;
    int code = 100;
    try {
      code = body(output);
    } catch (const std::exception& failure) {
      output += std::string("\nchild threw: ") + failure.what();
    } catch (...) {
      output += "\nchild threw a non-std exception";
    }
    std::size_t sent = 0;
    while (sent < output.size()) {
      const ssize_t wrote = ::write(pipe_fds[1], output.data() + sent, output.size() - sent);
      if (wrote < 0 && errno == EINTR) {
        continue;
      }
      if (wrote <= 0) {
        break;
      }
      sent += static_cast<std::size_t>(wrote);
    }
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  run.output = read_to_end(pipe_fds[0]);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return run;
    }
  }
  run.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return run;
}

namespace {

bool write_proc_file(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return written;
}

// Not root: a new user namespace (unshare -Ur without the root mapping) whose only uid and gid are
// this process's own, plus a new mount namespace that it owns. The process keeps its ids, so
// files it makes are still its own outside, and gains the capabilities to mount inside. Where
// unprivileged user namespaces are disabled this fails, and the caller reports the EPERM.
bool enter_own_user_namespace(std::string& why) {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    why += "unshare(CLONE_NEWUSER|CLONE_NEWNS) failed: " + errno_text(errno) + "; ";
    errno = EPERM;
    return false;
  }
  if (!write_proc_file("/proc/self/setgroups", "deny") ||
      !write_proc_file("/proc/self/uid_map",
                       std::to_string(uid) + " " + std::to_string(uid) + " 1") ||
      !write_proc_file("/proc/self/gid_map",
                       std::to_string(gid) + " " + std::to_string(gid) + " 1")) {
    why += "writing the user namespace's id maps failed: " + errno_text(errno) + "; ";
    errno = EPERM;
    return false;
  }
  return true;
}

}  // namespace

int mount_private_tmpfs(const std::filesystem::path& target, unsigned long flags,
                        const std::string& options, std::string& why) {
  const auto refused = [&why](const char* step) {
    const int err = errno;
    why += std::string(step) + " failed: " + errno_text(err);
    return err == EPERM ? child_capability_missing : 1;
  };
  if (::unshare(CLONE_NEWNS) != 0) {
    if (errno != EPERM || ::geteuid() == 0 || !enter_own_user_namespace(why)) {
      return refused("unshare(CLONE_NEWNS)");
    }
  }
  // Without this, the tmpfs below would propagate to the host's shared mounts.
  if (::mount(nullptr, "/", nullptr, MS_PRIVATE | MS_REC, nullptr) != 0) {
    return refused("mount(/, MS_PRIVATE|MS_REC)");
  }
  if (::mount("tmpfs", target.c_str(), "tmpfs", flags, options.c_str()) != 0) {
    return refused("mount -t tmpfs");
  }
  return 0;
}

bool EntrySnapshot::operator==(const EntrySnapshot& other) const {
  return exists == other.exists && mode == other.mode && inode == other.inode &&
         device == other.device && links == other.links && size == other.size &&
         modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec &&
         content == other.content;
}

EntrySnapshot snapshot(const std::filesystem::path& path) {
  EntrySnapshot entry;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return entry;
  }
  entry.exists = true;
  entry.mode = info.st_mode;
  entry.inode = info.st_ino;
  entry.device = info.st_dev;
  entry.links = info.st_nlink;
  entry.size = info.st_size;
  entry.modified = info.st_mtim;
  if (S_ISLNK(info.st_mode)) {
    std::array<char, 4096> target{};
    const ssize_t length = ::readlink(path.c_str(), target.data(), target.size());
    if (length > 0) {
      entry.content.assign(target.data(), static_cast<std::size_t>(length));
    }
  } else if (S_ISREG(info.st_mode)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      std::array<char, 4096> buffer{};
      ssize_t got = 0;
      while ((got = ::read(fd, buffer.data(), buffer.size())) > 0) {
        entry.content.append(buffer.data(), static_cast<std::size_t>(got));
      }
      ::close(fd);
    }
  }
  return entry;
}

std::vector<std::pair<std::string, EntrySnapshot>> snapshot_tree(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, EntrySnapshot>> entries{{".", snapshot(dir)}};
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    entries.emplace_back(std::filesystem::relative(it->path(), dir).string(), snapshot(it->path()));
  }
  return entries;
}

std::string describe(const EntrySnapshot& entry) {
  if (!entry.exists) {
    return "(absent)";
  }
  std::ostringstream out;
  out << "mode=0" << std::oct << entry.mode << std::dec << " inode=" << entry.inode
      << " links=" << entry.links << " size=" << entry.size << " mtime=" << entry.modified.tv_sec
      << '.' << entry.modified.tv_nsec << " content='" << entry.content << "'";
  return out.str();
}

UmaskScope::UmaskScope(mode_t mask) : previous_(::umask(mask)) {}

UmaskScope::~UmaskScope() {
  ::umask(previous_);
}

TempdirEnvironmentScope::TempdirEnvironmentScope() {
  for (const char* variable : {"TMPDIR", "TEMP", "TMP"}) {
    const char* value = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe): test setup
    saved_.emplace_back(variable,
                        value == nullptr ? std::nullopt : std::optional<std::string>(value));
  }
}

TempdirEnvironmentScope::~TempdirEnvironmentScope() {
  for (const auto& [variable, value] : saved_) {
    set(variable, value);
  }
}

void TempdirEnvironmentScope::set(const char* variable, const std::optional<std::string>& value) {
  // NOLINTBEGIN(concurrency-mt-unsafe): changed only while no other thread runs
  if (value) {
    ::setenv(variable, value->c_str(), 1);
  } else {
    ::unsetenv(variable);
  }
  // NOLINTEND(concurrency-mt-unsafe)
}

void fill_victim_files(const std::filesystem::path& dir, int count) {
  std::filesystem::create_directories(dir);
  for (int i = 0; i < count; ++i) {
    write_file(dir / ("f" + std::to_string(i)), "victim data");
  }
}

SubtreeSwapper::SubtreeSwapper(std::filesystem::path target, std::filesystem::path victim)
    : target_(std::move(target)), victim_(std::move(victim)) {
  moved_ = target_;
  moved_ += ".moved";
  attacker_ = std::thread([this] {
    while (!stop_.load(std::memory_order_relaxed)) {
      static_cast<void>(::rename(target_.c_str(), moved_.c_str()));
      static_cast<void>(::symlink(victim_.c_str(), target_.c_str()));
      started_.store(true, std::memory_order_relaxed);
      static_cast<void>(::unlink(target_.c_str()));
      static_cast<void>(::rename(moved_.c_str(), target_.c_str()));
    }
  });
  while (!started_.load(std::memory_order_relaxed)) {
    std::this_thread::yield();
  }
}

SubtreeSwapper::~SubtreeSwapper() {
  stop_.store(true);
  attacker_.join();
}

FastDirectory::FastDirectory(const std::filesystem::path& fallback_parent) {
  constexpr auto tmpfs_magic = 0x01021994;  // TMPFS_MAGIC from <linux/magic.h>
  struct statfs info {};
  if (::statfs("/dev/shm", &info) == 0 && info.f_type == tmpfs_magic &&
      ::access("/dev/shm", W_OK) == 0) {
    std::string pattern = "/dev/shm/tempfile-test.XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
      return;
    }
  }
  path_ = fallback_parent / "fast";
  std::filesystem::create_directory(path_);
}

FastDirectory::~FastDirectory() {
  force_remove_all(path_);
}

std::size_t count_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t count = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    count += it->is_regular_file() ? 1U : 0U;
  }
  return count;
}

void naive_remove(const std::filesystem::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return;
  }
  ::sched_yield();
  if (!S_ISDIR(info.st_mode)) {
    ::unlink(path.c_str());
    return;
  }
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(path.c_str()); dir != nullptr) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): one reader per DIR; this is the naive control
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") {
        names.push_back(name);
      }
    }
    ::closedir(dir);
  }
  for (const std::string& name : names) {
    naive_remove(path / name);
  }
  ::sched_yield();
  ::rmdir(path.c_str());
}

std::size_t subtree_swap_round(const std::filesystem::path& tree,
                               const std::filesystem::path& victim, const std::string& sub,
                               int files, int siblings,
                               const std::function<void(const std::filesystem::path&)>& remover) {
  for (int d = 0; d < siblings; ++d) {
    fill_victim_files(tree / ("s" + std::to_string(d)), 3);
  }
  fill_victim_files(tree / "a" / sub, files);
  fill_victim_files(victim / sub, files);
  {
    const SubtreeSwapper attacker(tree / "a", victim);
    remover(tree);
  }
  const std::size_t left = count_files(victim);
  force_remove_all(tree);
  force_remove_all(victim);
  return static_cast<std::size_t>(files) - left;
}

ControlRun run_until_first_loss(const std::function<bool()>& round) {
  ControlRun run;
  const auto started = std::chrono::steady_clock::now();
  while (!run.lost && run.rounds < 5000 &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(30)) {
    ++run.rounds;
    run.lost = round();
  }
  return run;
}

std::string describe(const cleanup_error& failure) {
  std::string text;
  for (const cleanup_error::failure& each : failure.failures()) {
    text += " '" + each.path.string() + "' (" + each.code.message() + ")";
  }
  return text;
}

bool reports(const cleanup_error& failure, const std::filesystem::path& path, int err) {
  for (const cleanup_error::failure& each : failure.failures()) {
    if (each.path == path && each.code.value() == err) {
      return true;
    }
  }
  return false;
}

std::string outcome(const std::function<void()>& action) {
  try {
    action();
    return "ok";
  } catch (const std::invalid_argument& failure) {
    return std::string("invalid_argument: ") + failure.what();
  } catch (const tempfile::error& failure) {
    return "error " + std::to_string(failure.code().value()) + ": " + failure.what();
  } catch (const std::exception& failure) {
    return std::string("other: ") + failure.what();
  }
}

}  // namespace tempfile::test
