// SPDX-License-Identifier: MIT
// os::ProcessLock: a child that finds it held by its parent (copied by fork() or a raw clone that
// ran no fork handlers) takes it over, once, instead of waiting forever; within one process it is
// an ordinary mutex.
#include "os/process_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tempfile::os {
namespace {

constinit ProcessLock copied_lock;

// What a child reports through its exit status.
constexpr int child_took_over = 10;
constexpr int child_waited_normally = 11;
constexpr int child_took_over_twice = 12;

// Runs `body` in a child made by `make_child` while this process holds copied_lock; returns the
// child's wait status. The child has an alarm: one that waits for the copy is killed by it.
template <class MakeChild, class Body>
int status_of_child_while_held(MakeChild make_child, Body body) {
  copied_lock.lock();
  const pid_t child = make_child();
  if (child == 0) {
    ::alarm(1);
    ::_exit(body());
  }
  copied_lock.unlock();
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child) {
    return -1;
  }
  return status;
}

pid_t plain_fork() {
  return ::fork();
}

// syscall(SYS_clone) with only SIGCHLD: a copy of this process in which no fork handler runs and
// libc does not know it forked.
pid_t raw_clone() {
  return static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
}

int take_once() {
  const bool taken_over = copied_lock.lock_noting_takeover();
  copied_lock.unlock();
  // Taken again: now this process's own, free, so no second takeover.
  const bool again = copied_lock.lock_noting_takeover();
  copied_lock.unlock();
  if (again) {
    return child_took_over_twice;
  }
  return taken_over ? child_took_over : child_waited_normally;
}

TEST(ProcessLockTest, AChildOfAForkThatRanNoHandlersTakesTheCopyOver) {
  // No fork handlers are registered for copied_lock: every fork() copies it held.
  const int status = status_of_child_while_held(&plain_fork, &take_once);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), child_took_over);
}

TEST(ProcessLockTest, ARawCloneTakesTheCopyOverToo) {
  const int status = status_of_child_while_held(&raw_clone, &take_once);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), child_took_over);
}

TEST(ProcessLockTest, TheControlWithoutTakeoverWaitsForeverAsAPlainMutexWould) {
  process_lock_take_over(false);
  const int status = status_of_child_while_held(&plain_fork, &take_once);
  process_lock_take_over(true);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) << status;
}

TEST(ProcessLockTest, OnlyOneOfTheChildsThreadsTakesItOverTheOthersWaitForIt) {
  const int status = status_of_child_while_held(&plain_fork, [] {
    std::atomic<int> takeovers{0};
    std::atomic<int> inside{0};
    std::atomic<bool> overlapped{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int round = 0; round < 1000; ++round) {
          if (copied_lock.lock_noting_takeover()) {
            takeovers.fetch_add(1);
          }
          if (inside.fetch_add(1) != 0) {
            overlapped = true;
          }
          inside.fetch_sub(1);
          copied_lock.unlock();
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    if (overlapped.load()) {
      return 20;
    }
    return takeovers.load() == 1 ? child_took_over : 21 + takeovers.load();
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), child_took_over);
}

TEST(ProcessLockTest, WithinOneProcessAHeldLockIsWaitedForNotTakenOver) {
  ProcessLock lock;
  lock.lock();
  EXPECT_FALSE(lock.try_lock());
  std::atomic<bool> acquired{false};
  bool taken_over = true;
  std::thread waiter([&] {
    taken_over = lock.lock_noting_takeover();
    acquired = true;
    lock.unlock();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // long past the spin: asleep
  EXPECT_FALSE(acquired.load());
  lock.unlock();
  waiter.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_FALSE(taken_over);
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

// A child copied while its parent's threads slept on the lock does not count them as its own:
// its unlock() makes no wake-up call (a system call each time) for sleepers it does not have.
TEST(ProcessLockTest, AChildDoesNotWakeItsParentsSleepers) {
  copied_lock.lock();
  std::thread sleeper([] {
    copied_lock.lock();
    copied_lock.unlock();
  });
  while (!copied_lock.wakes_on_unlock()) {  // the parent's control: a sleeper is counted
    std::this_thread::yield();
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::alarm(1);
    const bool counted_before = copied_lock.wakes_on_unlock();
    const bool taken_over = copied_lock.lock_noting_takeover();
    copied_lock.unlock();
    ::_exit(!counted_before && taken_over && !copied_lock.wakes_on_unlock() ? 0 : 1);
  }
  EXPECT_TRUE(copied_lock.wakes_on_unlock());
  copied_lock.unlock();
  sleeper.join();
  EXPECT_FALSE(copied_lock.wakes_on_unlock());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The test seam other tests use to hold a lock across a fork(): it runs with the lock held.
std::atomic<int> hook_calls{0};
ProcessLock* hooked_lock = nullptr;
std::atomic<bool> held_in_hook{false};
void count_hook() noexcept {
  hook_calls.fetch_add(1);
  held_in_hook = hooked_lock != nullptr && !hooked_lock->try_lock();
}

TEST(ProcessLockTest, TheHookRunsAfterEachAcquisitionWithTheLockHeld) {
  ProcessLock lock;
  hooked_lock = &lock;
  hook_calls = 0;
  process_lock_hook(&count_hook);
  lock.lock();
  const int after_lock = hook_calls.load();
  const bool held = held_in_hook.load();
  lock.unlock();
  process_lock_hook(nullptr);
  hooked_lock = nullptr;
  lock.lock();
  lock.unlock();
  EXPECT_EQ(after_lock, 1);
  EXPECT_TRUE(held);
  EXPECT_EQ(hook_calls.load(), 1);  // none once removed
}

}  // namespace
}  // namespace tempfile::os
