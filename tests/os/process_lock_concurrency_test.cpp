// SPDX-License-Identifier: MIT
// os::ProcessLock under threads (also run under ThreadSanitizer): mutual exclusion, the sleep in
// std::atomic::wait and the wake-up in unlock() lose no waiter, and no thread of one process
// ever takes the lock over from another.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "os/process_lock.hpp"

namespace tempfile::os {
namespace {

TEST(ProcessLockConcurrencyTest, ThreadsExcludeEachOtherAndNoneIsLeftAsleep) {
  ProcessLock lock;
  long counter = 0;  // not atomic: the lock is what makes the increments safe
  std::atomic<int> takeovers{0};
  constexpr int threads = 6;
  constexpr int rounds = 20'000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int round = 0; round < rounds; ++round) {
        if (lock.lock_noting_takeover()) {
          takeovers.fetch_add(1);
        }
        ++counter;
        if (round % 512 == 0) {
          std::this_thread::yield();  // held a while now and then, so that others sleep
        }
        lock.unlock();
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(counter, static_cast<long>(threads) * rounds);
  EXPECT_EQ(takeovers.load(), 0);
}

}  // namespace
}  // namespace tempfile::os
