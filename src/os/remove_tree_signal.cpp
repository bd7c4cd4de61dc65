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
#include <cstdint>
#include <cstring>
#include <span>

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

// The signal handler's levels: static, since a handler cannot allocate. A spin flag keeps two
// threads' handlers from sharing them.
std::array<WalkLevel, removal_descriptor_limit> signal_levels;  // NOLINT: see above
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
int open_in_signal_handler(WalkLevel& parent, const char* name,
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

// Empties the directory held by `root_fd`, one level of `levels` per depth (deeper entries are
// left). Returns whether it removed anything.
bool empty_without_allocating(std::span<WalkLevel> levels, int root_fd,
                              const EntryIdentity& root) noexcept {
  bool removed_any = false;
  std::size_t top = 0;
  levels[0].fd = open_root_in_signal_handler(root_fd);
  if (levels[0].fd < 0) {
    return false;
  }
  levels[0].got = levels[0].offset = 0;
  levels[0].repaired = false;
  for (;;) {
    WalkLevel& level = levels[top];
    if (level.offset >= level.got) {
      level.got = ::syscall(SYS_getdents64, level.fd, level.buffer.data(), level.buffer.size());
      level.offset = 0;
      if (level.got <= 0) {  // the end (or an error): this directory is as empty as it gets
        ::close(level.fd);
        if (top == 0) {
          return removed_any;
        }
        --top;
        WalkLevel& parent = levels[top];
        if (::unlinkat(parent.fd, level.name.data(), AT_REMOVEDIR) == 0 ||
            (repair_after(errno, parent.fd, parent.repaired) &&
             ::unlinkat(parent.fd, level.name.data(), AT_REMOVEDIR) == 0)) {
          removed_any = true;
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
      if (::unlinkat(level.fd, name, 0) == 0 ||
          (repair_after(errno, level.fd, level.repaired) && ::unlinkat(level.fd, name, 0) == 0)) {
        removed_any = true;
        continue;
      }
      if (errno != EISDIR && !(errno == EPERM && type == DT_UNKNOWN)) {
        continue;  // left behind: nobody to tell
      }
    }
    const std::size_t name_length = std::strlen(name);
    if (top + 1 >= levels.size() || name_length >= level.name.size()) {
      continue;  // deeper than the walk goes here: left behind
    }
    const int child = open_in_signal_handler(level, name, root);
    if (child < 0) {
      continue;
    }
    WalkLevel& next = levels[++top];
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
  for (WalkLevel& level : signal_levels) {
    level.buffer.fill('\0');
  }
  return 0;
}

namespace {

// The root only while its name is still this directory (and only once it is empty).
void remove_root_if_same(const char* path, const EntryIdentity& root) noexcept {
  EntryIdentity named;
  if (identify_name(AT_FDCWD, path, named) == 0 && named == root) {
    static_cast<void>(::unlinkat(AT_FDCWD, path, AT_REMOVEDIR));
  }
}

}  // namespace

void walk_and_remove_in_signal_handler(const char* path, int root_fd,
                                       const EntryIdentity& root) noexcept {
  while (signal_walk_busy.test_and_set(std::memory_order_acquire)) {
    // Another thread's handler is walking; it finishes without waiting for anything.
  }
  const int saved_errno = errno;
#if TEMPFILE_LINUX_FAST_PATHS
  static_cast<void>(empty_without_allocating(signal_levels, root_fd, root));
#else
  static_cast<void>(root_fd);
#endif
  remove_root_if_same(path, root);
  errno = saved_errno;
  signal_walk_busy.clear(std::memory_order_release);
}

bool walk_and_remove_with(std::span<WalkLevel> levels, const char* path, int root_fd,
                          const EntryIdentity& root) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  if (levels.empty()) {
    return false;
  }
  // Passes while they make progress: entries that reappear behind the walk, or directories
  // whose removal waited for a mode fix, are taken by the next one.
  for (int pass = 0; pass < walk_passes; ++pass) {
    const bool removed_any = empty_without_allocating(levels, root_fd, root);
    remove_root_if_same(path, root);
    EntryIdentity now;
    std::uint64_t links = 1;
    if (identify_fd(root_fd, now, links) != 0 || links == 0 || !removed_any) {
      break;
    }
  }
  return true;
#else
  static_cast<void>(levels);
  static_cast<void>(path);
  static_cast<void>(root_fd);
  static_cast<void>(root);
  return false;
#endif
}

}  // namespace tempfile::os
