// SPDX-License-Identifier: MIT
// A process-wide lock that a child process can never inherit held: the word is the holder's
// process id, so a copy made by fork() (or clone()) while a thread the child does not have held
// it is recognised, and taken over, instead of waited for forever.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace tempfile::os {

/// A mutex for the library's process-wide state (the default directory's cache, the guardian's
/// connection, the signal handlers' installation, the GoogleTest fixture's registry).
///
/// The fork handlers (os/fork_handlers.hpp) keep such a lock free in a child, with the state it
/// guards whole, in every fork() that runs them. Some do not: a fork() whose prepare phase began
/// before the handlers were registered (glibc lets pthread_atfork return while another thread's
/// fork() runs its handlers, and leaves the new ones out of that fork()), and children made by
/// syscall(SYS_fork) or clone(). Such a child may find the lock held by a thread it does not
/// have. The word holding the holder's process id lets it tell: a holder that is not this process
/// is a copy, and the child takes the lock over. The caller learns it (lock_noting_takeover),
/// since the state it guards may then be half changed: it must forget that state, never free or
/// close what it names.
///
/// Constant-initialized, never needs destroying, meets Lockable (std::unique_lock takes it). Not
/// for signal handlers. Not recursive.
class ProcessLock {
 public:
  constexpr ProcessLock() noexcept = default;
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;
  ProcessLock(ProcessLock&&) = delete;
  ProcessLock& operator=(ProcessLock&&) = delete;
  ~ProcessLock() = default;

  /// Locks; true when the lock was taken over from another process (see above).
  [[nodiscard]] bool lock_noting_takeover() noexcept;
  /// Locks; a takeover goes unremarked (for locks whose state needs no forgetting).
  void lock() noexcept { static_cast<void>(lock_noting_takeover()); }
  [[nodiscard]] bool try_lock() noexcept;
  void unlock() noexcept;

  /// Whether unlock() would now make a wake-up call: threads of this process sleep on the lock.
  /// For the tests.
  [[nodiscard]] bool wakes_on_unlock() const noexcept;

 private:
  void add_waiter(pid_t self) noexcept;

  std::atomic<pid_t> holder_{0};  // 0: free; else the process id of the process holding it
  // The threads asleep (or about to be) in holder_.wait(): the low half counts them, the high
  // half is their process's id. A child's copy counts its parent's sleepers, who are not there:
  // keyed by the process, the child's unlock() makes no wake-up call for them.
  std::atomic<std::uint64_t> waiters_{0};
};

/// Locks `lock` into `held` (which must own nothing); true when it was taken over.
[[nodiscard]] inline bool lock_noting_takeover(ProcessLock& lock,
                                               std::unique_lock<ProcessLock>& held) noexcept {
  const bool taken_over = lock.lock_noting_takeover();
  held = std::unique_lock<ProcessLock>(lock, std::adopt_lock);
  return taken_over;
}

/// Test seams. `hook` (nullptr: none) runs right after every acquisition, with the lock held: a
/// test holds a lock across another thread's fork() with it. take_over(false) makes the lock wait
/// for a holder from another process as for one of its own, as a plain mutex would (the positive
/// control of the takeover). Defaults: no hook, takeover on.
void process_lock_hook(void (*hook)() noexcept) noexcept;
void process_lock_take_over(bool take_over) noexcept;

}  // namespace tempfile::os
