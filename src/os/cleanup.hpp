// What must be removed if the process ends while temporary objects are alive: a registry that
// the atexit handler and the (opt-in) SIGINT/SIGTERM/SIGHUP handlers walk, in the process that
// created each entry only, with nothing allocated or locked inside a signal handler.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"

namespace tempfile::os {

enum class CleanupKind : unsigned char { file, directory };

struct CleanupNode;  // defined in cleanup.cpp

/// One live entry's removal duty, shared with the exit and signal handlers; move-only. Whoever
/// claims it first (the owner through withdraw(), or a handler) does the removal; the other
/// then does nothing, so an entry is never removed twice (and a new entry that reused the name
/// is never touched).
class CleanupRegistration {
 public:
  CleanupRegistration() noexcept = default;
  CleanupRegistration(CleanupRegistration&& other) noexcept;
  CleanupRegistration& operator=(CleanupRegistration&& other) noexcept;
  CleanupRegistration(const CleanupRegistration&) = delete;
  CleanupRegistration& operator=(const CleanupRegistration&) = delete;
  /// Withdraws (the owner keeps nothing to do: a destroyed owner has already cleaned up or
  /// decided not to).
  ~CleanupRegistration();

  /// Registers `absolute_path` for removal at normal exit (and on signals once
  /// install_signal_cleanup() ran). For a directory, `root_fd` is the owner's O_DIRECTORY
  /// descriptor of it, which must stay open while registered: the handlers remove the
  /// contents through it and remove the root only while the name still refers to it.
  /// `identity` is the entry's, recorded when it was created: the handlers touch nothing
  /// through a descriptor that no longer matches it. The first registration installs the
  /// atexit handler. Throws std::bad_alloc.
  [[nodiscard]] static CleanupRegistration add(CleanupKind kind, const std::string& absolute_path,
                                               int root_fd = -1,
                                               const EntryIdentity& identity = {});

  /// Takes the duty back: the registered path if the caller still has to remove the entry
  /// (the one copy of it the owner needs), null if a handler already claimed it (or nothing
  /// was registered). Idempotent.
  [[nodiscard]] std::unique_ptr<char[]> withdraw() noexcept;

  [[nodiscard]] bool registered() const noexcept { return node_ != nullptr; }

 private:
  explicit CleanupRegistration(CleanupNode* node) noexcept : node_(node) {}
  CleanupNode* node_ = nullptr;
};

/// Brackets the moments in which an entry exists but the registry cannot see it: from its
/// creation until it is registered, and from withdraw() until it is removed. While signal
/// cleanup is installed, the window blocks SIGINT/SIGTERM/SIGHUP on this thread and a handler
/// on another thread waits for open windows (at most about a second) before it walks the
/// registry; once a handler has started, a new window never opens (the thread waits for the
/// end). Without signal cleanup it costs one atomic load.
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
  // The thread's previous signal mask (a sigset_t; kept opaque so this header stays free of
  // <signal.h>).
  alignas(8) std::array<unsigned char, 128> saved_mask_{};
};

/// Installs the cleanup handler for SIGINT, SIGTERM and SIGHUP, once (later calls do nothing).
/// A signal that is ignored when this runs stays ignored (nohup). The handler removes every
/// registered entry of this process (files with unlinkat, directories through their held
/// descriptors), then restores the handler that was there before: calls it if it was a
/// function (and reinstalls ours if it returns), re-raises if it was the default (so the exit
/// status says "killed by SIGx", as if unhandled). Returns 0 or the sigaction errno.
[[nodiscard]] Errno install_signal_cleanup() noexcept;

/// The atexit handler's work, callable directly (tests): removes every entry registered by
/// this process, never one registered before a fork() in another process.
void run_exit_cleanup() noexcept;

}  // namespace tempfile::os
