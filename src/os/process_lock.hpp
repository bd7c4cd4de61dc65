// SPDX-License-Identifier: MIT
// A process-wide lock that a child process can never inherit held: the word is the holder's
// process id, so a copy made by fork() (or clone()) while a thread the child does not have held
// it is recognised, and taken over, instead of waited for forever. Header-only, so that the
// GoogleTest fixture (a library of its own, beside a shared tempfile whose internal symbols are
// hidden) has it too.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "os/process.hpp"

namespace tempfile::os {

namespace process_lock_seams {
// The test seams below; one of each per program.
inline std::atomic<void (*)() noexcept> after_acquire{nullptr};
inline std::atomic<bool> take_over{true};
}  // namespace process_lock_seams

/// Test seams. `hook` (nullptr: none) runs right after every acquisition, with the lock held: a
/// test holds a lock across another thread's fork() with it. take_over(false) makes the lock wait
/// for a holder from another process as for one of its own, as a plain mutex would (the positive
/// control of the takeover). Defaults: no hook, takeover on.
inline void process_lock_hook(void (*hook)() noexcept) noexcept {
  process_lock_seams::after_acquire.store(hook, std::memory_order_relaxed);
}
inline void process_lock_take_over(bool take_over) noexcept {
  process_lock_seams::take_over.store(take_over, std::memory_order_relaxed);
}

/// A mutex for the library's process-wide state (the default directory's cache, the guardian's
/// connection, the signal handlers' installation, the GoogleTest fixture's registry). `Self`
/// returns this process's id, exact in every child.
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
/// A compare-and-swap, a short spin, then sleeping in std::atomic::wait (a futex on Linux) until
/// the holder lets go. Constant-initialized, never needs destroying, meets Lockable
/// (std::unique_lock takes it). Not for signal handlers. Not recursive.
template <pid_t (*Self)() noexcept>
class BasicProcessLock {
 public:
  constexpr BasicProcessLock() noexcept = default;
  BasicProcessLock(const BasicProcessLock&) = delete;
  BasicProcessLock& operator=(const BasicProcessLock&) = delete;
  BasicProcessLock(BasicProcessLock&&) = delete;
  BasicProcessLock& operator=(BasicProcessLock&&) = delete;
  ~BasicProcessLock() = default;

  /// Locks; true when the lock was taken over from another process (see above).
  [[nodiscard]] bool lock_noting_takeover() noexcept {
    const pid_t self = Self();
    int spins = 0;
    pid_t seen = 0;
    for (;;) {
      if (seen == 0) {
        if (holder_.compare_exchange_weak(seen, self, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
          run_hook();
          return false;
        }
        continue;  // `seen` now holds what is there
      }
      if (seen != self && process_lock_seams::take_over.load(std::memory_order_relaxed)) {
        // A copy from the process we were forked (or cloned) from: its holder does not exist
        // here. Only one of this process's threads wins the exchange; the others wait for it.
        if (holder_.compare_exchange_strong(seen, self, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
          run_hook();
          return true;
        }
        continue;
      }
      if (spins < spin_rounds) {
        ++spins;
        seen = holder_.load(std::memory_order_relaxed);
        continue;
      }
      // Counted before the word is read again: unlock() stores 0 and then reads the count, so
      // either it sees us and wakes us, or we see its 0 (both sequentially consistent).
      add_waiter(self);
      seen = holder_.load();
      if (seen != 0) {
        holder_.wait(seen);
      }
      waiters_.fetch_sub(1);  // the key is ours: only this process's sleepers changed it since
      seen = holder_.load(std::memory_order_relaxed);
    }
  }

  /// Locks; a takeover goes unremarked (for locks whose state needs no forgetting).
  void lock() noexcept { static_cast<void>(lock_noting_takeover()); }

  /// Locks if free; never takes over (a copy counts as held).
  [[nodiscard]] bool try_lock() noexcept {
    pid_t expected = 0;
    if (holder_.compare_exchange_strong(expected, Self(), std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      run_hook();
      return true;
    }
    return false;
  }

  void unlock() noexcept {
    holder_.store(0);
    if (wakes_on_unlock()) {
      holder_.notify_all();  // each wakes and competes; the losers sleep again
    }
  }

  /// Whether unlock() would now make a wake-up call: threads of this process sleep on the lock.
  /// For the tests.
  [[nodiscard]] bool wakes_on_unlock() const noexcept {
    const std::uint64_t waiting = waiters_.load();
    return (waiting & count_mask) != 0 && (waiting & ~count_mask) == waiters_key(Self());
  }

 private:
  // The critical sections are a few system calls at most (the guardian's start, two forks and a
  // reply, is the longest): spinning longer than this only burns the holder's core.
  static constexpr int spin_rounds = 64;
  static constexpr std::uint64_t count_mask = 0xffff'ffffU;

  static std::uint64_t waiters_key(pid_t process) noexcept {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(process)) << 32U;
  }

  static void run_hook() noexcept {
    if (void (*hook)() noexcept = process_lock_seams::after_acquire.load(std::memory_order_relaxed);
        hook != nullptr) {
      hook();
    }
  }

  void add_waiter(pid_t self) noexcept {
    const std::uint64_t key = waiters_key(self);
    std::uint64_t seen = waiters_.load();
    for (;;) {
      // Another process's count (a copy) starts over at this thread.
      const std::uint64_t counted = (seen & ~count_mask) == key ? seen + 1 : key + 1;
      if (waiters_.compare_exchange_weak(seen, counted)) {
        return;
      }
    }
  }

  std::atomic<pid_t> holder_{0};  // 0: free; else the process id of the process holding it
  // The threads asleep (or about to be) in holder_.wait(): the low half counts them, the high
  // half is their process's id. A child's copy counts its parent's sleepers, who are not there:
  // keyed by the process, the child's unlock() makes no wake-up call for them.
  std::atomic<std::uint64_t> waiters_{0};
};

/// The library's locks, keyed by os::process_id() (os/process.hpp).
using ProcessLock = BasicProcessLock<&process_id>;

/// Locks `lock` into `held` (which must own nothing); true when it was taken over.
template <class Lock>
[[nodiscard]] bool lock_noting_takeover(Lock& lock, std::unique_lock<Lock>& held) noexcept {
  const bool taken_over = lock.lock_noting_takeover();
  held = std::unique_lock<Lock>(lock, std::adopt_lock);
  return taken_over;
}

}  // namespace tempfile::os
