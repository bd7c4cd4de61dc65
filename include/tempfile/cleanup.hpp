// SPDX-License-Identifier: MIT
/// What happens to live temporary entries when the process is ended by a signal, by
/// std::terminate or by std::quick_exit: the opt-in switches that remove them first
/// (docs/cleanup.md).
/// @file
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
/// It also calls cleanup_on_terminate(): a program that asks for cleanup when a signal ends it
/// gets it when an uncaught exception ends it too (as Python's finalizers and Rust's unwinding
/// give). SIGABRT (abort(), a failed assert(), a heap corruption report) is not handled: the
/// program found its own state broken, and what it leaves is evidence for the core dump.
///
/// Nothing can clean up after _exit(), abort() or SIGKILL, nor after std::quick_exit() without
/// cleanup_on_quick_exit(): the kernel frees TemporaryFile and SpooledTemporaryFile storage,
/// named entries stay (docs/cleanup.md).
///
/// Windows: a console control handler (SetConsoleCtrlHandler) instead: Ctrl+C, Ctrl+Break,
/// closing the console, logoff and shutdown remove every live entry, then the system's default
/// action ends the process. Windows calls the handler installed last first, so a handler of the
/// program's own that should decide (return TRUE and go on) is installed after this call. The C
/// runtime's signal() is not used (Windows sends no SIGTERM). Throws tempfile::error if
/// SetConsoleCtrlHandler fails (docs/cleanup.md, "Windows").
TEMPFILE_API void cleanup_on_signals();

/// Opt-in (also made by cleanup_on_signals()): from now on std::terminate first removes every
/// live NamedTemporaryFile (with delete_) and TemporaryDirectory (with delete_) this process
/// created, then calls the terminate handler that was in place when this was called (by
/// default the one that prints the exception and aborts; std::abort() if there was none). So an
/// exception escaping main or a thread's function, or a noexcept function, cleans up the
/// objects that no destructor will destroy, main's locals included.
///
/// The removal is the exit cleanup's (no mount crossed, no symbolic link followed, a name
/// unlinked only while it still refers to our entry), run on the terminating thread while
/// other threads may go on: it first waits (about a second at most) for entries other threads
/// are creating, and also finishes entries being removed at that moment (by their owner on
/// another thread, by the exit cleanup, by another thread's terminate). It takes no lock, so a
/// terminate from anywhere, inside a destructor or the library included, cannot deadlock on
/// it. Only the process that created an entry removes it: a forked child's terminate removes
/// only the child's own. A terminate from inside the cleanup goes straight on to the previous
/// handler. A terminate handler the program installs later replaces this one (install yours
/// first). Calling it again does nothing; thread-safe.
TEMPFILE_API void cleanup_on_terminate();

/// Opt-in: from now on std::quick_exit() runs the exit cleanup (an at_quick_exit handler, in
/// the order of at_quick_exit registration): every live entry of this process is removed as
/// at std::exit. Without it quick_exit, which runs only at_quick_exit handlers, removes
/// nothing. Calling it again does nothing; thread-safe. Throws std::bad_alloc if
/// at_quick_exit has no room left. Where the C runtime has no quick_exit (MinGW-w64's msvcrt)
/// it does nothing.
TEMPFILE_API void cleanup_on_quick_exit();

}  // namespace tempfile
