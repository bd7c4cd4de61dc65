// The allocation-free tree remover for signal handlers: one static level per directory depth,
// raw getdents64 records read in place, only async-signal-safe calls, nothing locked.
#include "os/remove_tree_signal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "os/platform.hpp"
#include "os/remove_tree.hpp"
#include "os/tree_rules.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <dirent.h>
#  include <sys/syscall.h>

#  include "os/linux_dirent.hpp"
#endif

namespace tempfile::os {
namespace {

// One directory being walked: its descriptor, its own getdents64 buffer (so a parent's listing
// survives its children's) and its name in its parent. Static: a handler cannot allocate. A
// spin flag keeps two threads' handlers from sharing it.
struct SignalLevel {
  int fd = -1;
  long got = 0;
  long offset = 0;
  std::array<char, 256> name{};
  std::array<char, 8192> buffer{};
};
constexpr std::size_t signal_depth_limit = removal_descriptor_limit;
std::array<SignalLevel, signal_depth_limit> signal_levels;  // NOLINT: see above
std::atomic_flag signal_walk_busy = ATOMIC_FLAG_INIT;

#if TEMPFILE_LINUX_FAST_PATHS
// A directory entry `name` of `dirfd`, opened for the walk; u+rwx first when its mode forbids
// that, through an O_PATH handle as the walk does. -1 when it cannot be opened.
int open_in_signal_handler(int dirfd, const char* name, dev_t root_device) noexcept {
  int fd = ::openat(dirfd, name, tree::directory_flags);
  if (fd < 0 && errno == EACCES) {
    const int handle = ::openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (handle >= 0) {
      struct stat info {};
      if (::fstat(handle, &info) == 0 && info.st_dev == root_device &&
          tree::change_mode_of_handle(handle) == 0) {
        fd = ::openat(handle, ".", tree::directory_flags);
      }
      ::close(handle);
    }
  }
  if (fd < 0) {
    return -1;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_dev != root_device) {
    ::close(fd);  // another mount: never entered
    return -1;
  }
  return fd;
}

void empty_in_signal_handler(int root_fd, dev_t root_device) noexcept {
  std::size_t top = 0;
  signal_levels[0].fd = ::openat(root_fd, ".", tree::directory_flags);
  if (signal_levels[0].fd < 0) {
    return;
  }
  signal_levels[0].got = signal_levels[0].offset = 0;
  for (;;) {
    SignalLevel& level = signal_levels[top];
    if (level.offset >= level.got) {
      level.got = ::syscall(SYS_getdents64, level.fd, level.buffer.data(), level.buffer.size());
      level.offset = 0;
      if (level.got <= 0) {  // the end (or an error): this directory is as empty as it gets
        ::close(level.fd);
        if (top == 0) {
          return;
        }
        --top;
        static_cast<void>(::unlinkat(signal_levels[top].fd, level.name.data(), AT_REMOVEDIR));
        continue;
      }
    }
    const linux_dirent::Record record = linux_dirent::read(level.buffer.data() + level.offset);
    level.offset = record.length == 0 ? level.got : level.offset + static_cast<long>(record.length);
    const char* name = record.name;
    const unsigned char type = record.type;
    if (record.length == 0 || tree::is_dot_or_dotdot(name)) {
      continue;
    }
    if (type != DT_DIR) {
      if (::unlinkat(level.fd, name, 0) == 0) {
        continue;
      }
      if (errno == EACCES && ::fchmod(level.fd, tree::walkable_mode) == 0 &&
          ::unlinkat(level.fd, name, 0) == 0) {
        continue;
      }
      if (errno != EISDIR && !(errno == EPERM && type == DT_UNKNOWN)) {
        continue;  // left behind: nobody to tell
      }
    }
    const std::size_t name_length = std::strlen(name);
    if (top + 1 >= signal_depth_limit || name_length >= level.name.size()) {
      continue;  // deeper than the walk goes here: left behind
    }
    const int child = open_in_signal_handler(level.fd, name, root_device);
    if (child < 0) {
      continue;
    }
    SignalLevel& next = signal_levels[++top];
    next.fd = child;
    next.got = next.offset = 0;
    std::memcpy(next.name.data(), name, name_length + 1);
  }
}
#endif

}  // namespace

Errno prepare_signal_removal() noexcept {
  // Everything the handler uses is static; touch it now so the handler faults in no pages.
  for (SignalLevel& level : signal_levels) {
    level.buffer.fill('\0');
  }
  return 0;
}

void walk_and_remove_in_signal_handler(const char* path, int root_fd) noexcept {
  while (signal_walk_busy.test_and_set(std::memory_order_acquire)) {
    // Another thread's handler is walking; it finishes without waiting for anything.
  }
  const int saved_errno = errno;
  struct stat root {};
  if (::fstat(root_fd, &root) == 0) {
#if TEMPFILE_LINUX_FAST_PATHS
    empty_in_signal_handler(root_fd, root.st_dev);
#endif
    // The root only while its name is still this directory (and only once it is empty).
    struct stat named {};
    if (::fstatat(AT_FDCWD, path, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        named.st_dev == root.st_dev && named.st_ino == root.st_ino) {
      static_cast<void>(::unlinkat(AT_FDCWD, path, AT_REMOVEDIR));
    }
  }
  errno = saved_errno;
  signal_walk_busy.clear(std::memory_order_release);
}

}  // namespace tempfile::os
