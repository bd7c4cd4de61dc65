// SPDX-License-Identifier: MIT
// The platform's half of the guardian's tickets: this process's one connection to its guardian
// (guardian_client.cpp on POSIX, windows_guardian.cpp on Windows). The tickets themselves, the
// same everywhere, are guardian_ticket.cpp.
#pragma once

#include <cstdint>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"
#include "os/guardian.hpp"

namespace tempfile::os::guardian {

/// Starts this process's guardian if none runs, and counts one more ticket. Returns 0 or the
/// errno of the start (nothing counted then).
[[nodiscard]] Errno add_ticket() noexcept;

/// Registers an entry with the guardian (starting it if none runs): `fd` is the directory's
/// root descriptor for guard_directory, -1 for guard_file. `counted` says whether its ticket is
/// counted already (reserved). On success the ticket is counted and `id` is the entry's.
[[nodiscard]] Errno send_guard(MessageKind kind, const char* absolute_path, int fd,
                               const EntryIdentity& identity, bool counted,
                               std::uint64_t& id) noexcept;

/// Withdraws entry `id` (0: a reserved ticket that guarded nothing) and uncounts its ticket;
/// with the last one the connection is let go and the guardian ends.
void remove_ticket(std::uint64_t id) noexcept;

}  // namespace tempfile::os::guardian
