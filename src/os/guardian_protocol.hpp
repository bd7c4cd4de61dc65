// SPDX-License-Identifier: MIT
// What the owner and its guardian process say to each other over their socket pair, and how the
// guardian process is entered. For the guardian's two sources (os/guardian_*.cpp) only.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "os/entry_identity.hpp"
#include "os/guardian.hpp"

namespace tempfile::os::guardian {

/// The longest path a message carries (PATH_MAX on Linux); longer paths are refused (ENAMETOOLONG).
inline constexpr std::size_t max_path = 4096;

/// One message: a fixed header, then `path_length` bytes of path (no terminator). Both ends are
/// the same program image, so the layout is shared as it is. SOCK_SEQPACKET keeps the
/// boundaries: one send is one message.
struct Message {
  MessageKind kind{};
  std::uint32_t path_length = 0;
  std::uint64_t id = 0;
  std::int64_t pid = 0;  // hello only
  EntryIdentity identity{};
  std::array<char, max_path> path{};

  [[nodiscard]] std::size_t size() const noexcept { return offsetof(Message, path) + path_length; }
};

/// The guardian's life, in the process the double fork made: set itself apart (signals, session,
/// descriptors, working directory), say hello on `connection`, then serve until the owner dies
/// (`owner_pidfd` readable, when it is a pidfd; -1 otherwise) or the connection reaches its end,
/// remove what is still registered, and _exit. Only async-signal-safe calls (it may be the fork
/// of a multi-threaded program) in the Linux build; see guardian_process.cpp for the portable
/// one. Never returns.
[[noreturn]] void run(int connection, int owner_pidfd) noexcept;

}  // namespace tempfile::os::guardian
