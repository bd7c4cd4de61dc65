// SPDX-License-Identifier: MIT
// os::ForkHandlers: registered once, before first use, and acting once per fork() even when
// registered twice (which a fork() in the middle of the registration can cause).
#include "os/fork_handlers.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

namespace tempfile::os {
namespace {

std::atomic<int> prepared{0};
std::atomic<int> resumed_in_parent{0};
std::atomic<int> resumed_in_child{0};

void count_prepare() noexcept {
  prepared.fetch_add(1);
}
void count_parent() noexcept {
  resumed_in_parent.fetch_add(1);
}
void count_child() noexcept {
  resumed_in_child.fetch_add(1);
}

using CountingHandlers = ForkHandlers<&count_prepare, &count_parent, &count_child>;

// Forks once; the child exits with how many times its own handler ran (or 100 + the number of
// prepares it saw, if that was not exactly one).
int fork_and_report_child() {
  const pid_t child = ::fork();
  if (child == 0) {
    ::_exit(prepared.load() == 1 ? resumed_in_child.load() : 100 + prepared.load());
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
    return -1;
  }
  return WEXITSTATUS(status);
}

TEST(ForkHandlersTest, RegisteredOnceEvenWhenRegisteredAgainTheyActOncePerFork) {
  // Nothing runs before the first use registers them.
  prepared = resumed_in_parent = resumed_in_child = 0;
  EXPECT_EQ(fork_and_report_child(), 100);  // no prepare at all in that child
  EXPECT_EQ(prepared.load(), 0);

  ASSERT_EQ(CountingHandlers::ensure_registered(), 0);
  ASSERT_EQ(CountingHandlers::ensure_registered(), 0);  // a second call registers nothing more
  prepared = resumed_in_parent = resumed_in_child = 0;
  EXPECT_EQ(fork_and_report_child(), 1);
  EXPECT_EQ(prepared.load(), 1);
  EXPECT_EQ(resumed_in_parent.load(), 1);

  // A second registration, as glibc's restarted pthread_once makes in a child forked after
  // pthread_atfork returned but before the once was marked done: still one action each.
  ASSERT_EQ(::pthread_atfork(&CountingHandlers::prepare, &CountingHandlers::parent,
                             &CountingHandlers::child),
            0);
  prepared = resumed_in_parent = resumed_in_child = 0;
  EXPECT_EQ(fork_and_report_child(), 1);
  EXPECT_EQ(prepared.load(), 1);
  EXPECT_EQ(resumed_in_parent.load(), 1);

  // The control: the raw functions registered twice act twice, which the wrappers prevent.
  ASSERT_EQ(::pthread_atfork(&count_prepare, &count_parent, &count_child), 0);
  ASSERT_EQ(::pthread_atfork(&count_prepare, &count_parent, &count_child), 0);
  prepared = resumed_in_parent = resumed_in_child = 0;
  EXPECT_EQ(fork_and_report_child(), 100 + 3);  // the child saw three prepares
  EXPECT_EQ(prepared.load(), 3);
  EXPECT_EQ(resumed_in_parent.load(), 3);
}

}  // namespace
}  // namespace tempfile::os
