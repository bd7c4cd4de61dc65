// SPDX-License-Identifier: MIT
// The signal handler's tree remover (remove_tree_signal.cpp): the walk of remove_tree.cpp's rules
// with only async-signal-safe calls on static memory. For os/remove_held_directory.cpp only.
#pragma once

#include "os/entry_identity.hpp"

namespace tempfile::os {

/// Empties the directory held by `root_fd`, whose identity `root` the caller has just checked
/// (Linux only: elsewhere readdir is not async-signal-safe and nothing is walked), then removes
/// `path` while it still names that directory. The depth and one-pass limits are
/// remove_held_directory_in_signal_handler's.
void walk_and_remove_in_signal_handler(const char* path, int root_fd,
                                       const EntryIdentity& root) noexcept;

}  // namespace tempfile::os
