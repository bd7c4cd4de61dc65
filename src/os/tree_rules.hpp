// SPDX-License-Identifier: MIT
// What the tree walker (remove_tree.cpp) and the signal handler's walker (remove_tree_signal.cpp)
// share: how a directory is opened, what mode makes it walkable, which entries are skipped, and
// how a directory held only by an O_PATH handle gets that mode. For the OS layer's sources only.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <charconv>
#include <cstring>
#include <string_view>

#include "os/errno.hpp"
#include "os/platform.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <sys/syscall.h>
#  include <unistd.h>
#endif

namespace tempfile::os::tree {

// O_NONBLOCK: if a FIFO or device is swapped in for a directory, O_DIRECTORY already refuses it
// before it is opened; O_NONBLOCK makes sure nothing could ever wait on it anyway.
inline constexpr int directory_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
// Only directories are ever changed, only to u+rwx, so that they can be read and emptied.
inline constexpr mode_t walkable_mode = 0700;

inline bool is_dot_or_dotdot(const char* name) noexcept {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

#if TEMPFILE_LINUX_FAST_PATHS
// Gives an O_PATH descriptor's directory u+rwx. fchmod() refuses O_PATH descriptors (EBADF);
// the /proc magic link reaches the very inode the descriptor holds, whatever its name is now.
// Async-signal-safe (the signal handler's walker uses it too).
inline Errno change_mode_of_handle(int handle) noexcept {
  constexpr std::string_view prefix = "/proc/self/fd/";
  std::array<char, 40> path{};
  std::memcpy(path.data(), prefix.data(), prefix.size());
  const auto [end, error] =
      std::to_chars(path.data() + prefix.size(), path.data() + path.size() - 1, handle);
  if (error != std::errc{}) {
    return EINVAL;
  }
  *end = '\0';
  if (::chmod(path.data(), walkable_mode) == 0) {
    return 0;
  }
  Errno err = errno;
#  ifdef SYS_fchmodat2
  // Without /proc (a chroot), fchmodat2(AT_EMPTY_PATH) does the same on Linux 6.6 and later.
  if (err == ENOENT && ::syscall(SYS_fchmodat2, handle, "", walkable_mode, AT_EMPTY_PATH) == 0) {
    return 0;
  }
  err = errno;
#  endif
  return err;
}
#endif

}  // namespace tempfile::os::tree
