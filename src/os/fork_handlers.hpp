// SPDX-License-Identifier: MIT
// Fork handlers for a process-wide lock that no fork() should copy while it is held: registered
// once per process, before the lock is first taken, and harmless if a fork() interrupts the
// registration.
#pragma once

#ifndef _WIN32
#  include <pthread.h>
#endif

#include <atomic>
#include <mutex>
#include <type_traits>

#include "os/process_lock.hpp"

namespace tempfile::os {

/// The pthread_atfork handlers of one lock. `Prepare` takes the lock in the forking thread,
/// `Parent` releases it after the fork, and `Child` releases it (and resets what the child must
/// not inherit) in the child.
///
/// Call ensure_registered() before every acquisition of the lock. A thread that took the lock
/// before the handlers existed would let a fork() by another thread copy it held, and the
/// child's first use would wait forever for a thread the child does not have; registering at
/// static initialization is not enough, since another library's static objects may use the
/// lock first.
///
/// Registering first is still not enough on its own: glibc lets pthread_atfork return while
/// another thread's fork() is running its prepare handlers, and that fork() then runs none of
/// the new ones, so it can copy the lock held after all. The locks are therefore ProcessLocks
/// (os/process_lock.hpp), which such a child takes over instead of waiting for.
///
/// The registration runs under pthread_once, which glibc restarts in a child forked while it was
/// in progress. The handlers may then be registered twice (the fork can come after
/// pthread_atfork returned), so each takes the lock only if the same thread's earlier copy did
/// not, and releases it only once.
template <void (*Prepare)() noexcept, void (*Parent)() noexcept, void (*Child)() noexcept>
class ForkHandlers {
 public:
  /// 0 once the handlers are registered, or pthread_atfork's error (then for good).
  [[nodiscard]] static int ensure_registered() noexcept {
#ifdef _WIN32
    return 0;  // no fork(): nothing is ever copied half held
#else
    if (registered_.load(std::memory_order_acquire)) {
      return 0;
    }
    static_cast<void>(::pthread_once(&once_, &register_them));
    return error_.load(std::memory_order_acquire);
#endif
  }

#ifndef _WIN32
  // The handlers as pthread_atfork runs them: each acts once per fork() in the forking thread,
  // however many times it was registered (public so that a test can register them again).
  static void prepare() noexcept {
    if (!holding_) {
      holding_ = true;
      Prepare();
    }
  }
  static void parent() noexcept {
    if (holding_) {
      holding_ = false;
      Parent();
    }
  }
  static void child() noexcept {
    if (holding_) {
      holding_ = false;
      Child();
    }
  }

 private:
  static void register_them() noexcept {
    const int err = ::pthread_atfork(&prepare, &parent, &child);
    error_.store(err, std::memory_order_release);
    registered_.store(err == 0, std::memory_order_release);
  }

  static inline pthread_once_t once_ = PTHREAD_ONCE_INIT;
  static inline std::atomic<int> error_{0};
  static inline std::atomic<bool> registered_{false};
  // Whether this thread's prepare handler took the lock for the fork under way.
  static inline thread_local bool holding_ = false;
#endif
};

/// The common case: a process-wide lock that only has to be held across fork(), taken in the
/// forking thread before it and released on both sides after it. `Get` returns the lock
/// (process-wide; a BasicProcessLock). `Forget` resets what the lock guards after a takeover
/// (os/process_lock.hpp): a fork() that ran no handlers copied it held, so that state may be half
/// changed; Forget must drop it without freeing or closing anything it names.
template <auto Get, void (*Forget)() noexcept>
class LockHeldAcrossFork {
 public:
  using Lock = std::remove_reference_t<decltype(Get())>;

  /// Locks into `held`, the fork handlers registered first. 0, or the registration's error (then
  /// nothing is locked).
  [[nodiscard]] static int lock(std::unique_lock<Lock>& held) noexcept {
    if (const int err = Handlers::ensure_registered(); err != 0) {
      return err;
    }
    if (lock_noting_takeover(Get(), held)) {
      Forget();
    }
    return 0;
  }

 private:
  static void take() noexcept {
    if (Get().lock_noting_takeover()) {
      Forget();  // the child must not inherit half-changed state either
    }
  }
  static void release() noexcept { Get().unlock(); }
  using Handlers = ForkHandlers<&take, &release, &release>;
};

}  // namespace tempfile::os
