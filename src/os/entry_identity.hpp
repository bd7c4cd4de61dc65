// SPDX-License-Identifier: MIT
// Who an entry on disk is (device, inode and mount), recorded when a temporary object creates it
// and checked before anything removes through its descriptor or by its name.
#pragma once

#include <cstdint>

#include "os/errno.hpp"

namespace tempfile::os {

/// The mount id tells bind mounts of the same file system apart, which the device number alone
/// cannot; it is 0 where the kernel does not give it (the device alone decides then). A
/// default-constructed identity (all 0) means "not recorded".
struct EntryIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t mount = 0;
  // The birth time in nanoseconds where the file system keeps one (Linux statx), else 0. A file
  // system may give a freed inode number to the next file created (ext4 does at once): the
  // birth time tells that newcomer from the entry that had the number before.
  std::uint64_t birth = 0;
  bool operator==(const EntryIdentity&) const = default;
  [[nodiscard]] bool recorded() const noexcept { return device != 0 || inode != 0; }
};

/// Both on the same mount (and so the same file system).
[[nodiscard]] inline bool same_mount(const EntryIdentity& a, const EntryIdentity& b) noexcept {
  return a.device == b.device && a.mount == b.mount;
}

/// The identity of what `fd` refers to. Async-signal-safe (one statx, or fstat where the
/// kernel has no statx): the signal handler's walk uses it too.
[[nodiscard]] Errno identify_fd(int fd, EntryIdentity& out) noexcept;
/// identify_fd, and how many names (hard links) the entry has left: 0 once it was removed. One
/// system call for both. Async-signal-safe.
[[nodiscard]] Errno identify_fd(int fd, EntryIdentity& out, std::uint64_t& links) noexcept;
/// The identity of entry `name` of `dirfd`, never following a final symbolic link (the link
/// itself is identified). Async-signal-safe.
[[nodiscard]] Errno identify_name(int dirfd, const char* name, EntryIdentity& out) noexcept;

}  // namespace tempfile::os
