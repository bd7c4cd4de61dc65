// SPDX-License-Identifier: MIT
// What must be removed if the process ends while temporary objects are alive: a registry that
// the atexit handler and the (opt-in) SIGINT/SIGTERM/SIGHUP and std::terminate handlers walk, in
// the process that created each entry only, with nothing allocated or locked inside a signal
// handler.
#pragma once

#include <array>
#include <string>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"

namespace tempfile::os {

enum class CleanupKind : unsigned char { file, directory };

struct CleanupNode;  // defined in cleanup.cpp

/// One live entry's removal duty, shared with the exit and signal handlers; move-only.
///
/// A registered entry is claimed once, by the owner (claim()) or by the exit handler, and then
/// stays visible while it is being removed: if the process ends during that removal (a signal,
/// or exit() while another thread removes), the handler that runs last finishes it too, since a
/// second remover is harmless (what is gone is skipped, names are checked against the
/// identity). An owner that lost the claim does nothing: the handler removed the entry, and a
/// new entry that took the name later is never touched.
class CleanupRegistration {
 public:
  CleanupRegistration() noexcept = default;
  CleanupRegistration(CleanupRegistration&& other) noexcept;
  CleanupRegistration& operator=(CleanupRegistration&& other) noexcept;
  CleanupRegistration(const CleanupRegistration&) = delete;
  CleanupRegistration& operator=(const CleanupRegistration&) = delete;
  /// Withdraws without removing (a destroyed owner has already cleaned up or decided not to).
  ~CleanupRegistration();

  /// Registers `absolute_path` for removal at normal exit (and on signals once
  /// install_signal_cleanup() ran), by this process only (os::process_id() is recorded).
  /// `identity` is the entry's, recorded when it was created. For a directory, `root_fd` is
  /// the owner's O_DIRECTORY descriptor of it, which must stay open while registered: the
  /// handlers remove the contents through it (only while it still matches `identity`) and the
  /// root only while the name still refers to it. A file is unlinked only while its name still
  /// refers to `identity`. The first registration installs the atexit handler. Throws
  /// std::bad_alloc.
  [[nodiscard]] static CleanupRegistration add(CleanupKind kind, const std::string& absolute_path,
                                               const EntryIdentity& identity, int root_fd = -1);
  /// add(), without the copy: the registration reads `absolute_path` itself, which must stay
  /// valid and unchanged until the registration is withdrawn (destroyed, or finish()ed for
  /// good), e.g. an owner's string that outlives its registration. Throws std::bad_alloc.
  [[nodiscard]] static CleanupRegistration add_borrowed(CleanupKind kind, const char* absolute_path,
                                                        const EntryIdentity& identity,
                                                        int root_fd = -1);

  /// The owner takes the removal: true if it is the owner's to do now (the entry stays visible
  /// to the handlers until finish()), false if a handler claimed it first and removed it, or
  /// nothing is registered. After true, call finish().
  [[nodiscard]] bool claim() noexcept;

  /// After a claim() that returned true, once the owner's removal is over: `still_there` puts
  /// the entry back in the registry (the exit handler retries it), otherwise it is withdrawn.
  void finish(bool still_there) noexcept;

  [[nodiscard]] bool registered() const noexcept { return node_ != nullptr; }

 private:
  explicit CleanupRegistration(CleanupNode* node) noexcept : node_(node) {}
  void release() noexcept;
  CleanupNode* node_ = nullptr;
};

/// Unlinks `path` only while it still names the file recorded as `identity` (one statx or
/// fstatat, then unlinkat: whatever replaced the file under its name in between the two calls
/// is the one window left). 0 when it was removed or the name is gone, removal_replaced when
/// the name now refers to something else (left alone), else the errno. Async-signal-safe.
[[nodiscard]] Errno remove_file_if_same(const char* path, const EntryIdentity& identity) noexcept;

/// Brackets the moment in which an entry exists but the registry cannot see it: from its
/// creation until it is registered. While signal or terminate cleanup is installed, the window
/// counts itself open, and a handler that is about to end the process waits for open windows
/// (at most about a second) before it walks the registry; a window that would open once such a
/// handler started waits for the end instead (bounded too: if the process goes on after all, so
/// does the thread). While signal cleanup is installed, the window also blocks
/// SIGINT/SIGTERM/SIGHUP on this thread (the handler never waits for its own thread). Without
/// either it costs one atomic load.
class CleanupWindow {
 public:
  CleanupWindow() noexcept;
  ~CleanupWindow();
  CleanupWindow(const CleanupWindow&) = delete;
  CleanupWindow& operator=(const CleanupWindow&) = delete;
  CleanupWindow(CleanupWindow&&) = delete;
  CleanupWindow& operator=(CleanupWindow&&) = delete;

 private:
  bool active_ = false;
  bool masked_ = false;  // signals blocked, saved_mask_ holds the mask to restore
  // The thread's previous signal mask (a sigset_t; kept opaque so this header stays free of
  // <signal.h>). Written and read only when masked_ is set: not zeroed for every window.
  alignas(8) std::array<unsigned char, 128> saved_mask_;
};

/// Installs the cleanup handler for SIGINT, SIGTERM and SIGHUP, once (later calls do nothing).
/// A signal that is ignored when this runs stays ignored (nohup). When the action in place
/// before was the default (the process would end), the handler removes every registered entry
/// of this process (files with unlinkat while their names still refer to them, directories
/// through their held descriptors), then restores the default and re-raises, so the exit status
/// says "killed by SIGx". When it was a function, that function runs first and decides: if it
/// returns, the signal was handled and nothing is removed (the objects are alive and the
/// program goes on); if it put the default back and raised the signal again to end the
/// process, the entries are removed before that happens. Returns 0 or the sigaction errno.
[[nodiscard]] Errno install_signal_cleanup() noexcept;

/// What install_signal_cleanup() installs, in words for its error message: the action and the
/// events ("cannot install signal handlers for", "SIGINT, SIGTERM, SIGHUP" on POSIX; a console
/// control handler for console events on Windows).
struct SignalCleanupText {
  const char* action;
  const char* events;
};
[[nodiscard]] SignalCleanupText signal_cleanup_text() noexcept;

/// The atexit handler's work, callable directly (tests): removes every entry registered by
/// this process (never one registered by another, whatever made this process), and finishes
/// those other threads are removing right now.
void run_exit_cleanup() noexcept;

/// From now on creations count their CleanupWindows, for run_terminate_cleanup() to wait for
/// (install_signal_cleanup() does this too). Once, before the terminate handler is installed.
void count_cleanup_windows() noexcept;

/// The std::terminate handler's work: this thread is about to end the process, in normal
/// (non-signal) context, while other threads may still run. Marks the process as ending, waits
/// (about a second at most) for other threads' creations in progress (a window open on this
/// thread, cut short by the terminate, is not waited for), then removes every entry of this
/// process with the exit handler's remover: those registered (claimed), those an owner is
/// removing right now, and those the exit handler or another thread's terminate or signal
/// handler is removing (the process ends once this returns: they would be cut short). Takes no
/// lock, so a terminate from inside a registry operation on this thread cannot deadlock.
void run_terminate_cleanup() noexcept;

}  // namespace tempfile::os
