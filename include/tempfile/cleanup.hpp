// SPDX-License-Identifier: MIT
// What happens to live temporary entries when the process is ended by a signal: the opt-in
// switch that makes SIGINT, SIGTERM and SIGHUP remove them first (docs/cleanup.md).
#pragma once

#include "tempfile/export.hpp"

namespace tempfile {

/// Opt-in: from now on SIGINT, SIGTERM and SIGHUP first remove every live NamedTemporaryFile
/// (with delete_) and TemporaryDirectory (with delete_) this process created, when the signal
/// is about to end the process. What each signal does depends on its action when this is
/// called:
///
/// - The default action (the process ends): every entry is removed, then the default action
///   ends the process as if unhandled (the wait status says "killed by SIGx").
/// - A handler installed earlier: it runs first and decides. If it returns (a reload, a flag
///   for a graceful shutdown), the signal was handled: nothing is removed, the objects stay
///   alive and the program goes on (its destructors and exit clean up later). If it puts the
///   default action back and raises the signal again to end the process, the entries are
///   removed first. If it only puts the default action back (so that the next signal ends the
///   process), the next signal removes everything and ends it. If it ends the process itself
///   with _exit, nothing is removed (as for any _exit); with std::exit, the exit cleanup runs.
/// - Ignored (nohup): it stays ignored.
///
/// Entries are removed only by the process that created them, never by a child made by fork,
/// syscall(SYS_fork) or clone. An entry being removed when the signal comes (by its owner on
/// another thread, or by the exit cleanup) is finished too. A NamedTemporaryFile's name is
/// unlinked only while it still refers to its file. The handler only makes async-signal-safe
/// calls on state prepared in advance (no allocation, no lock). Calling it again does nothing.
/// Throws tempfile::error if sigaction fails.
///
/// Nothing can clean up after _exit(), std::quick_exit(), abort() or SIGKILL: the kernel frees
/// TemporaryFile and SpooledTemporaryFile storage, named entries stay (docs/cleanup.md).
TEMPFILE_API void cleanup_on_signals();

}  // namespace tempfile
