// SPDX-License-Identifier: MIT
// What the owner and its guardian process say to each other on Windows (a message-mode pipe and
// an event), how the guardian's command line names its role, and how the guardian is entered.
// For the Windows guardian's sources (os/windows_guardian_*.cpp) only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"
#include "os/guardian.hpp"
#include "os/windows_api.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os::guardian {

// The messages are os/guardian.hpp's MessageKind: guard_directory comes with the root's handle
// duplicated into the guardian; withdraw is answered by setting the answer event (hello is the
// event's first setting, not a message).

/// The longest path a message carries: the UTF-8 of the longest Windows path (32767 UTF-16
/// units, at most 3 bytes each). Longer paths are refused (ENAMETOOLONG).
inline constexpr std::size_t max_path = 32767U * 3U;

/// A message's fixed part; `path_length` bytes of UTF-8 path follow it (no terminator) in the
/// same pipe message. Both ends are the same program image, so the layout is shared as it is.
struct MessageHeader {
  MessageKind kind{};
  std::uint32_t path_length = 0;
  std::uint64_t id = 0;
  // guard_directory: the root's handle, already valid in the guardian process (DuplicateHandle).
  std::uint64_t handle = 0;
  EntryIdentity identity{};
};

/// The largest message.
inline constexpr std::size_t max_message = sizeof(MessageHeader) + max_path;

/// The guardian's role in its command line: `"<program>" <marker><pipe>:<owner>:<answer>`, the
/// three handle values (inherited, decimal) of the pipe's reading end, the owner's process
/// handle (SYNCHRONIZE) and the answer event. Defined in windows_guardian_entry.cpp, beside
/// the hook that looks for it, so that a program that can start a guardian always has the hook.
extern const wchar_t command_line_marker[];

/// What the owner keeps of a guardian it started.
struct Started {
  windows::OwnedHandle pipe;     // the owner's end (writing); closing it ends the guardian
  windows::OwnedHandle process;  // the guardian's process: to duplicate handles into, to wait on
  windows::OwnedHandle answer;   // the event the guardian sets: ready, then each withdraw done
  DWORD pid = 0;
};

/// Starts a guardian for this process (windows_guardian_start.cpp) and waits until it is
/// ready. Returns 0 or the errno of the step that failed (nothing is left running then).
[[nodiscard]] Errno start(Started& out) noexcept;

/// The guardian's life, from the hook that found its role: set itself apart, say it is ready
/// (the answer event), then keep the entries the owner registers until the owner ends (its
/// process handle is signalled) or closes its end of the pipe, remove what is still registered,
/// and end the process. Never returns, never runs the program's own code.
[[noreturn]] void run(HANDLE pipe, HANDLE owner, HANDLE answer) noexcept;

}  // namespace tempfile::os::guardian
