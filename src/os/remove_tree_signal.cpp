// SPDX-License-Identifier: MIT
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

#include "os/entry_identity.hpp"
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
  bool repaired = false;  // given u+rwx already (once per directory)
  std::array<char, 256> name{};
  std::array<char, 8192> buffer{};
};
constexpr std::size_t signal_depth_limit = removal_descriptor_limit;
std::array<SignalLevel, signal_depth_limit> signal_levels;  // NOLINT: see above
std::atomic_flag signal_walk_busy = ATOMIC_FLAG_INIT;

#if TEMPFILE_LINUX_FAST_PATHS
// Gives the directory open as `fd` u+rwx once, when an operation in it failed for lack of
// permission (its own mode, as 0500 or 0000, forbids it). Directories only, through their
// descriptor: never a file, which could be a hard link to something outside the tree.
bool repair_after(Errno err, int fd, bool& repaired) noexcept {
  if ((err != EACCES && err != EPERM) || repaired) {
    return false;
  }
  repaired = true;
  return ::fchmod(fd, tree::walkable_mode) == 0;
}

// Whether `fd` is a directory on the root's mount. The mount id (statx) tells a bind mount of
// a directory of the same file system apart, which st_dev alone cannot: a bind mount is never
// entered, never has its mode changed.
bool on_root_mount(int fd, const EntryIdentity& root) noexcept {
  EntryIdentity id;
  return identify_fd(fd, id) == 0 && same_mount(id, root);
}

// A directory entry `name` of level `parent`, opened for the walk; u+rwx first when its mode
// forbids that, through an O_PATH handle as the walk does. -1 when it cannot be opened, or is on
// another mount.
int open_in_signal_handler(SignalLevel& parent, const char* name,
                           const EntryIdentity& root) noexcept {
  int fd = ::openat(parent.fd, name, tree::directory_flags);
  if (fd < 0 && repair_after(errno, parent.fd, parent.repaired)) {
    fd = ::openat(parent.fd, name, tree::directory_flags);  // the parent lacked search permission
  }
  if (fd < 0 && errno == EACCES) {
    const int handle = ::openat(parent.fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (handle >= 0) {
      if (on_root_mount(handle, root) && tree::change_mode_of_handle(handle) == 0) {
        fd = ::openat(handle, ".", tree::directory_flags);
      }
      ::close(handle);
    }
  }
  if (fd < 0) {
    return -1;
  }
  if (!on_root_mount(fd, root)) {
    ::close(fd);  // another mount: never entered
    return -1;
  }
  return fd;
}

// The root's own descriptor for the walk: "." of the held one (a fresh offset), or, when the
// root's mode forbids that, a duplicate rewound to the start (the owner is not reading it: the
// process is ending).
int open_root_in_signal_handler(int root_fd) noexcept {
  const int fd = ::openat(root_fd, ".", tree::directory_flags);
  if (fd >= 0) {
    return fd;
  }
  const int copy = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (copy >= 0 && ::lseek(copy, 0, SEEK_SET) != 0) {
    ::close(copy);
    return -1;
  }
  return copy;
}

void empty_in_signal_handler(int root_fd, const EntryIdentity& root) noexcept {
  std::size_t top = 0;
  signal_levels[0].fd = open_root_in_signal_handler(root_fd);
  if (signal_levels[0].fd < 0) {
    return;
  }
  signal_levels[0].got = signal_levels[0].offset = 0;
  signal_levels[0].repaired = false;
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
        SignalLevel& parent = signal_levels[top];
        if (::unlinkat(parent.fd, level.name.data(), AT_REMOVEDIR) != 0 &&
            repair_after(errno, parent.fd, parent.repaired)) {
          static_cast<void>(::unlinkat(parent.fd, level.name.data(), AT_REMOVEDIR));
        }
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
      if (repair_after(errno, level.fd, level.repaired) && ::unlinkat(level.fd, name, 0) == 0) {
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
    const int child = open_in_signal_handler(level, name, root);
    if (child < 0) {
      continue;
    }
    SignalLevel& next = signal_levels[++top];
    next.fd = child;
    next.got = next.offset = 0;
    next.repaired = false;
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

void walk_and_remove_in_signal_handler(const char* path, int root_fd,
                                       const EntryIdentity& root) noexcept {
  while (signal_walk_busy.test_and_set(std::memory_order_acquire)) {
    // Another thread's handler is walking; it finishes without waiting for anything.
  }
  const int saved_errno = errno;
#if TEMPFILE_LINUX_FAST_PATHS
  empty_in_signal_handler(root_fd, root);
#else
  static_cast<void>(root_fd);
#endif
  // The root only while its name is still this directory (and only once it is empty).
  EntryIdentity named;
  if (identify_name(AT_FDCWD, path, named) == 0 && named == root) {
    static_cast<void>(::unlinkat(AT_FDCWD, path, AT_REMOVEDIR));
  }
  errno = saved_errno;
  signal_walk_busy.clear(std::memory_order_release);
}

}  // namespace tempfile::os
