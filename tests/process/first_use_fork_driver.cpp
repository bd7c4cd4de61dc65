// SPDX-License-Identifier: MIT
// A program that first_use_fork_test.cpp runs many times: `first_use_fork_driver <what> <dir>`
// makes the library's first use of one process-wide lock (<what>: "guardian", the guardian's
// connection; "signals", cleanup_on_signals(); "tempdir", the default directory's cache;
// "fixture", the GoogleTest fixture's registry, where that library is built; and two first uses
// that take no lock of ours: "registry", the first temporary object's cleanup registration, and
// "quickexit", cleanup_on_quick_exit()) from several threads at once while another thread
// fork()s in a loop. Every child makes the same
// use once more; a child that inherited the lock held would wait forever, so each has an
// alarm, and one killed by it is counted as hung.
//
// Prints "forks <n> hung <m>" and exits 0 when no child hung, 1 when one did, 90+ when the
// driver itself failed. Its memory is made large so that each fork() takes a while: the first
// use then often waits on a fork() under way, which is the window where a lock taken before
// its fork handlers exist is copied held.
//
// `first_use_fork_driver <what> <dir> window [control]` makes the other window happen every
// time: one fork() whose prepare phase began before the library's first use, so that it runs
// none of the handlers that first use registers, copies the lock while the first use holds it
// (a hook of the lock holds it until the fork() is done). Its child then makes the same use.
// Prints "held <0|1> hung <0|1>": held 1 when the lock was taken inside that fork()'s prepare
// phase and kept until after it (the window was reached). "control" turns the lock's takeover
// off, as if it were a plain mutex: the child must then hang.
//
// `first_use_fork_driver <what> <dir> exitlock [control]` forks 20 children while another thread
// holds glibc's lock over the atexit() list almost all the time (fork() does not reset it), and
// each child makes the first use: none may wait for that lock. Prints "forks <n> hung <m>". The
// control's children call atexit() themselves instead, and hang.
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "os/process_lock.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/temporary_directory.hpp"
#ifdef TEMPFILE_DRIVER_HAS_FIXTURE
#  include "tempfile/gtest.hpp"
#endif

namespace {

namespace fs = std::filesystem;

constexpr int user_threads = 4;
constexpr unsigned child_alarm_seconds = 5;
constexpr std::size_t ballast_bytes = std::size_t{32} << 20;
constexpr auto window_wait = std::chrono::seconds(10);
constexpr unsigned window_child_alarm_seconds = 20;
constexpr unsigned control_child_alarm_seconds = 1;

void first_use(std::string_view what, const fs::path& dir) {
  if (what == "guardian") {
    const tempfile::PseudoTemporaryDirectory guarded({.dir = dir});
  } else if (what == "signals") {
    tempfile::cleanup_on_signals();
  } else if (what == "fixture") {
#ifdef TEMPFILE_DRIVER_HAS_FIXTURE
    static_cast<void>(tempfile::gtest::retention());
#else
    throw std::invalid_argument("fixture: tempfile::gtest is not built");
#endif
  } else if (what == "quickexit") {
    tempfile::cleanup_on_quick_exit();
  } else if (what == "registry") {
    const tempfile::TemporaryDirectory made({.dir = dir});
  } else {
    static_cast<void>(tempfile::gettempdir());
  }
}

// What each child does: an alarm (a child waiting for a lock it was copied with is killed by it),
// then `use`, and an exit status that says whether it threw.
template <class Use>
[[noreturn]] void run_child(unsigned alarm_seconds, Use use) {
  ::alarm(alarm_seconds);
  int code = 0;
  try {
    code = use();
  } catch (...) {
    code = 2;
  }
  ::_exit(code);
}

// Waits for every child: one the alarm ended counts as hung, one that failed otherwise as
// broken.
void reap(const std::vector<pid_t>& children, int& hung, int& broken) {
  for (const pid_t child : children) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
      ++hung;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++broken;
    }
  }
}

// Prints "<first> <n> hung <m> broken <k>" and returns the exit status.
int report(const char* first, int count, int hung, int broken) {
  std::printf("%s %d hung %d broken %d\n", first, count, hung, broken);
  if (broken != 0) {
    return 91;
  }
  return hung == 0 ? 0 : 1;
}

// ---- exit-lock mode ----

// glibc's lock over the atexit() list, held by another thread most of the time: __cxa_finalize
// walks the whole list under it, and with a handle no entry has it runs nothing. fork() does not
// reset that lock, so most children are copied with it held.
constexpr int exit_list_entries = 20'000;
constexpr int exit_lock_forks = 20;

void do_nothing_at_exit() {}

}  // namespace

#ifdef __GLIBC__
extern "C" void __cxa_finalize(void* dso_handle);  // NOLINT: glibc's, declared by no header
#endif

namespace {

int run_exit_lock(std::string_view what, const fs::path& dir, bool control) {
#ifdef __GLIBC__
  for (int i = 0; i < exit_list_entries; ++i) {
    if (std::atexit(&do_nothing_at_exit) != 0) {
      return 92;
    }
  }
  static char no_library;
  std::atomic<bool> stop{false};
  std::thread holder([&] {
    while (!stop.load()) {
      __cxa_finalize(&no_library);
    }
  });
  std::vector<pid_t> children;
  for (int i = 0; i < exit_lock_forks; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const pid_t child = ::fork();
    if (child == 0) {
      run_child(control ? control_child_alarm_seconds : window_child_alarm_seconds, [&] {
        if (control) {
          return std::atexit(&do_nothing_at_exit) == 0 ? 0 : 3;  // what the library must not do
        }
        first_use(what, dir);
        return 0;
      });
    }
    if (child > 0) {
      children.push_back(child);
    }
  }
  stop = true;
  holder.join();
  int hung = 0;
  int broken = static_cast<int>(exit_lock_forks - children.size());
  reap(children, hung, broken);
  return report("forks", static_cast<int>(children.size()), hung, broken);
#else
  static_cast<void>(what);
  static_cast<void>(dir);
  static_cast<void>(control);
  std::fputs("the exit-lock mode needs glibc\n", stderr);
  return 95;
#endif
}

// ---- window mode ----

std::atomic<bool> in_prepare{false};
std::atomic<bool> lock_held{false};
std::atomic<bool> forked{false};
std::atomic<bool> held_in_window{false};
std::atomic<bool> hook_fired{false};
thread_local bool is_forker = false;
thread_local bool is_user = false;

// Waits until `flag` is set; false after window_wait.
bool wait_for(const std::atomic<bool>& flag) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + window_wait;
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

// Registered before the library is used, so it is in the one fork()'s list: it keeps that
// fork() in its prepare phase until the first use holds its lock.
void slow_prepare() {
  if (is_forker && !in_prepare.exchange(true)) {
    static_cast<void>(wait_for(lock_held));
  }
}

// Runs after every acquisition of one of the library's locks: the first one by the user thread
// is held until the fork() has copied the process.
void hold_first_lock() noexcept {
  if (is_user && !hook_fired.exchange(true)) {
    held_in_window = in_prepare.load() && !forked.load();
    lock_held = true;
    held_in_window = wait_for(forked) && held_in_window.load();
  }
}

int run_window(std::string_view what, const fs::path& dir, bool control) {
  if (::pthread_atfork(&slow_prepare, nullptr, nullptr) != 0) {
    return 92;
  }
  tempfile::os::process_lock_take_over(!control);
  tempfile::os::process_lock_hook(&hold_first_lock);
  pid_t child = -1;
  std::thread forker([&] {
    is_forker = true;
    child = ::fork();
    if (child == 0) {
      run_child(control ? control_child_alarm_seconds : window_child_alarm_seconds, [&] {
        first_use(what, dir);
        return 0;
      });
    }
    forked = true;
  });
  if (!wait_for(in_prepare)) {
    forker.join();
    return 93;
  }
  is_user = true;
  int broken = 0;
  try {
    first_use(what, dir);
  } catch (...) {
    broken = 1;
  }
  forker.join();
  if (child < 0) {
    return 94;
  }
  int hung = 0;
  reap({child}, hung, broken);
  return report("held", held_in_window.load() ? 1 : 0, hung, broken);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc >= 4 ? std::string_view(argv[3]) : std::string_view();
  const bool special = mode == "window" || mode == "exitlock";
  if (argc != 3 &&
      !(special && (argc == 4 || (argc == 5 && std::string_view(argv[4]) == "control")))) {
    std::fputs(
        "usage: first_use_fork_driver guardian|signals|tempdir|fixture|registry <dir> "
        "[window|exitlock [control]]\n",
        stderr);
    return 90;
  }
  const std::string_view what = argv[1];
  const fs::path dir = argv[2];
  if (mode == "window") {
    return run_window(what, dir, argc == 5);
  }
  if (mode == "exitlock") {
    return run_exit_lock(what, dir, argc == 5);
  }
  std::vector<char> ballast(ballast_bytes);
  for (std::size_t i = 0; i < ballast.size(); i += 4096) {
    ballast[i] = 1;  // touched, so that every fork() copies its page tables
  }

  // The forker does nothing but fork(), so that it is inside fork() most of the time; its
  // children are waited for at the end.
  std::atomic<bool> stop{false};
  std::atomic<int> forks{0};
  std::vector<pid_t> children;
  int broken = 0;
  std::thread forker([&] {
    while (!stop.load()) {
      const pid_t child = ::fork();
      if (child == 0) {
        run_child(child_alarm_seconds, [&] {
          first_use(what, dir);
          return 0;
        });
      }
      if (child < 0) {
        ++broken;
        return;
      }
      children.push_back(child);
      forks.fetch_add(1);
    }
  });
  while (forks.load() < 2) {
    std::this_thread::yield();
  }
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> users;
  for (int t = 0; t < user_threads; ++t) {
    users.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < user_threads) {
      }
      try {
        first_use(what, dir);
      } catch (...) {
        failed.fetch_add(1);
      }
    });
  }
  for (auto& user : users) {
    user.join();
  }
  const int forks_at_first_use = forks.load();
  while (forks.load() < forks_at_first_use + 2) {
    std::this_thread::yield();
  }
  stop.store(true);
  forker.join();
  broken += failed.load();
  int hung = 0;
  reap(children, hung, broken);
  return report("forks", forks.load(), hung, broken);
}
