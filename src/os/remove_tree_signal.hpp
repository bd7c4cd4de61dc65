// SPDX-License-Identifier: MIT
// The signal handler's tree remover (remove_tree_signal.cpp): the walk of remove_tree.cpp's rules
// with only async-signal-safe calls on static memory. For os/remove_held_directory.cpp only.
#pragma once

#include <array>
#include <span>

#include "os/entry_identity.hpp"

namespace tempfile::os {

/// One directory being walked by the allocation-free walker: its descriptor, its own getdents64
/// buffer (so a parent's listing survives its children's) and its name in its parent. A walk
/// uses one per depth, from memory its caller provides (static in a signal handler).
struct WalkLevel {
  int fd = -1;
  long got = 0;
  long offset = 0;
  bool repaired = false;  // given u+rwx already (once per directory)
  std::array<char, 256> name{};
  std::array<char, 8192> buffer{};
};

/// How many passes walk_and_remove_with makes at most.
inline constexpr int walk_passes = 4;

/// Empties the directory held by `root_fd`, whose identity `root` the caller has just checked
/// (Linux only: elsewhere readdir is not async-signal-safe and nothing is walked), then removes
/// `path` while it still names that directory. The depth and one-pass limits are
/// remove_held_directory_in_signal_handler's.
void walk_and_remove_in_signal_handler(const char* path, int root_fd,
                                       const EntryIdentity& root) noexcept;

/// The same walk for a process that may not allocate but has room (the guardian, a fork child of
/// a possibly multi-threaded program): one level of `levels` per depth, so it goes as deep as
/// `levels.size()`, and up to walk_passes passes while a pass removed something and the root is
/// still there. Async-signal-safe. Linux only: elsewhere it walks nothing and returns false.
bool walk_and_remove_with(std::span<WalkLevel> levels, const char* path, int root_fd,
                          const EntryIdentity& root) noexcept;

}  // namespace tempfile::os
