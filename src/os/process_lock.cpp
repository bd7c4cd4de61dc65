// SPDX-License-Identifier: MIT
// os::ProcessLock (os/process_lock.hpp): a compare-and-swap of this process's id into the word,
// a short spin, then sleeping in std::atomic::wait (a futex on Linux) until the holder lets go.
#include "os/process_lock.hpp"

#include "os/process.hpp"

namespace tempfile::os {
namespace {

// The critical sections are a few system calls at most (the guardian's start, two forks and a
// reply, is the longest): spinning longer than this only burns the holder's core.
constexpr int spin_rounds = 64;

std::atomic<void (*)() noexcept> after_acquire{nullptr};
std::atomic<bool> take_over_enabled{true};

constexpr std::uint64_t count_mask = 0xffff'ffffU;

std::uint64_t waiters_key(pid_t process) noexcept {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(process)) << 32U;
}

void run_hook() noexcept {
  if (void (*hook)() noexcept = after_acquire.load(std::memory_order_relaxed); hook != nullptr) {
    hook();
  }
}

}  // namespace

bool ProcessLock::lock_noting_takeover() noexcept {
  const pid_t self = process_id();
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
    if (seen != self && take_over_enabled.load(std::memory_order_relaxed)) {
      // A copy from the process we were forked (or cloned) from: its holder does not exist here.
      // Only one of this process's threads wins the exchange; the others wait for it.
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

void ProcessLock::add_waiter(pid_t self) noexcept {
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

bool ProcessLock::try_lock() noexcept {
  pid_t expected = 0;
  if (holder_.compare_exchange_strong(expected, process_id(), std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
    run_hook();
    return true;
  }
  return false;
}

void ProcessLock::unlock() noexcept {
  holder_.store(0);
  if (wakes_on_unlock()) {
    holder_.notify_all();  // each wakes and competes; the losers sleep again
  }
}

bool ProcessLock::wakes_on_unlock() const noexcept {
  const std::uint64_t waiting = waiters_.load();
  return (waiting & count_mask) != 0 && (waiting & ~count_mask) == waiters_key(process_id());
}

void process_lock_hook(void (*hook)() noexcept) noexcept {
  after_acquire.store(hook, std::memory_order_relaxed);
}

void process_lock_take_over(bool take_over) noexcept {
  take_over_enabled.store(take_over, std::memory_order_relaxed);
}

}  // namespace tempfile::os
