// SPDX-License-Identifier: MIT
// Exit, fork and signal cleanup in real processes: fork/exec cleanup_driver, end it by each
// path (return, std::exit, _exit, abort, kill(2) with real signals, a forked child's exit) and
// check what is left in its directory, its wait status, and what chained handlers did.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "security/harness.hpp"
#include "support/child_program.hpp"
#include "support/scratch.hpp"

#ifndef TEMPFILE_CLEANUP_DRIVER
#  error "TEMPFILE_CLEANUP_DRIVER must name the cleanup_driver executable"
#endif

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for execve

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The signal handler empties directory trees only where it can read directories with
// async-signal-safe calls (Linux getdents64); the portable build removes only empty ones.
#if defined(__linux__) && !defined(TEMPFILE_PORTABLE)
constexpr bool signals_remove_trees = true;
#else
constexpr bool signals_remove_trees = false;
#endif

constexpr auto line_timeout = 30s;

// A running cleanup_driver with pipes to its stdin and from its stdout.
// The cleanup driver, run by ChildProgram, with the failures reported to gtest.
class Driver {
 public:
  Driver(const std::string& scenario, const fs::path& dir)
      : program_({driver_program(), scenario, dir.string()}, {driver_asan_options()}) {
    if (!program_.why.empty()) {
      ADD_FAILURE() << program_.why;
    }
  }

  /// The next line the driver wrote ("" at end of file or after line_timeout).
  std::string line() { return program_.line(line_timeout); }
  /// Tells the driver to go on (a newline on its stdin).
  void go() { ASSERT_TRUE(program_.send("")) << "the driver ended early"; }
  /// go() to a driver that may have ended meanwhile: false then.
  bool go_if_alive() { return program_.send(""); }
  void signal(int signal_number) { ASSERT_TRUE(program_.kill(signal_number)); }
  /// Waits for the driver to end (killing it after 60 s) and returns its wait status.
  int wait() {
    const int status = program_.wait(60s);
    if (status == -1) {
      ADD_FAILURE() << "waitpid: " << std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
    }
    return status;
  }
  /// Everything the driver wrote until it closed stdout (for failure messages).
  std::string rest() { return program_.rest(); }

 private:
  // The build's driver, unless TEMPFILE_CLEANUP_DRIVER names another: the unprivileged CI run
  // (scripts/test-unprivileged.sh) runs a copy of the build that its user can reach.
  static std::string driver_program() {
    const char* driver = std::getenv("TEMPFILE_CLEANUP_DRIVER");  // NOLINT(concurrency-mt-unsafe)
    return driver != nullptr && *driver != '\0' ? driver : TEMPFILE_CLEANUP_DRIVER;
  }
  // The driver leaks objects on purpose and aborts on purpose: keep the sanitizers quiet about
  // both (later flags win).
  static std::string driver_asan_options() {
    const char* asan = std::getenv("ASAN_OPTIONS");  // NOLINT(concurrency-mt-unsafe)
    return std::string("ASAN_OPTIONS=") + (asan != nullptr ? asan : "") +
           ":detect_leaks=0:handle_abort=0:abort_on_error=0";
  }

  ChildProgram program_;
};

std::string describe(int status) {
  if (WIFEXITED(status)) {
    return "exited " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "signaled " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) +  // NOLINT(concurrency-mt-unsafe)
           ")";
  }
  return "status " + std::to_string(status);
}

std::string exited(int code) {
  return describe(W_EXITCODE(code, 0));
}

std::string signaled(int signal_number) {
  return describe(signal_number);  // a raw wait status of "killed by signal_number"
}

bool starts_with(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0;
}

/// Names in `dir` that are neither "keep-*" nor allowed by `allowed` prefixes.
std::set<std::string> unexpected(const fs::path& dir,
                                 const std::vector<std::string>& allowed = {}) {
  std::set<std::string> left;
  for (const std::string& name : list_dir(dir)) {
    bool ok = starts_with(name, "keep-");
    for (const std::string& prefix : allowed) {
      ok = ok || starts_with(name, prefix);
    }
    if (!ok) {
      left.insert(name);
    }
  }
  return left;
}

/// The prefixes of the entries make_objects() creates with `tag` that have a removal duty.
std::vector<std::string> removable_prefixes(const std::string& tag) {
  return {"nf-" + tag, "nc-" + tag, "td-" + tag, "te-" + tag, "lf-" + tag, "ld-" + tag};
}

/// What a signal handler leaves of make_objects(tag): nothing, or the non-empty trees where it
/// cannot read directories.
std::vector<std::string> left_by_signal(const std::string& tag) {
  if (signals_remove_trees) {
    return {};
  }
  return {"td-" + tag, "ld-" + tag};
}

/// Checks that every entry of make_objects(tag) is present, trees with their contents.
void expect_all_present(const fs::path& dir, const std::string& tag) {
  const std::set<std::string> names = list_dir(dir);
  for (const std::string& prefix : removable_prefixes(tag)) {
    int count = 0;
    for (const std::string& name : names) {
      count += starts_with(name, prefix) ? 1 : 0;
    }
    EXPECT_EQ(count, 1) << "entries named " << prefix << "*";
  }
  for (const std::string& name : names) {
    if (starts_with(name, "td-" + tag)) {
      EXPECT_TRUE(fs::exists(dir / name / "sub" / "deeper" / "deepest" / "c")) << name;
      EXPECT_TRUE(fs::is_symlink(dir / name / "link-out")) << name;
    }
    if (starts_with(name, "ld-" + tag)) {
      EXPECT_TRUE(fs::exists(dir / name / "inside")) << name;
    }
  }
  EXPECT_TRUE(fs::exists(dir / ("keep-target-" + tag)));
}

/// Checks the "keep-" entries of make_objects(tag): never removed by anyone.
void expect_keeps(const fs::path& dir, const std::string& tag) {
  int files = 0;
  int dirs = 0;
  for (const std::string& name : list_dir(dir)) {
    files += starts_with(name, "keep-f-" + tag) ? 1 : 0;
    dirs += starts_with(name, "keep-d-" + tag) ? 1 : 0;
  }
  EXPECT_EQ(files, 1) << "the delete_=false NamedTemporaryFile";
  EXPECT_EQ(dirs, 1) << "the delete_=false TemporaryDirectory";
  EXPECT_EQ(fs::file_size(dir / ("keep-target-" + tag)), 7U)
      << "the target of the tree's symbolic link";
}

std::string join(const std::set<std::string>& names) {
  std::string all;
  for (const std::string& name : names) {
    all += " " + name;
  }
  return all;
}

/// Waits until `path` has `size` bytes (a chained handler's marker); false after 10 s.
bool wait_for_size(const fs::path& path, std::uintmax_t size) {
  for (int i = 0; i < 5000; ++i) {
    std::error_code ec;
    if (fs::file_size(path, ec) == size && !ec) {
      return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

std::string signal_name(const ::testing::TestParamInfo<int>& info) {
  switch (info.param) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal" + std::to_string(info.param);
  }
}

class ProcessCleanupTest : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    dir_ = make_subdir("work");
  }
  void TearDown() override {
    force_remove_all(dir_);
    ScratchTest::TearDown();
  }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// ---- normal exit ----

TEST_F(ProcessCleanupTest, D3_ReturnFromMainRemovesEveryLiveEntryLeakedOnesToo) {
  Driver driver("return", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "m");
}

TEST_F(ProcessCleanupTest, D3_StdExitRemovesTheLocalsItSkipsAndLeakedObjects) {
  Driver driver("exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), exited(3)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "m");
}

// ---- nothing can clean up after these (documented in docs/cleanup.md) ----

TEST_F(ProcessCleanupTest, D3_UnderscoreExitCleansNothing) {
  Driver driver("_exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), exited(4));
  expect_all_present(dir(), "m");
  expect_keeps(dir(), "m");
}

// std::quick_exit runs at_quick_exit handlers only: the library's (registered while it loads)
// does nothing until cleanup_on_quick_exit() arms it, and its exit cleanup is an atexit handler,
// so like _exit it removes nothing. The driver's own at_quick_exit handler
// reports that the process really ended through quick_exit.
TEST_F(ProcessCleanupTest, D3_QuickExitRunsOnlyAtQuickExitHandlersAndCleansNothing) {
  Driver driver("quick_exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(driver.line(), "at_quick_exit handler ran");
  EXPECT_EQ(describe(driver.wait()), exited(5)) << driver.rest();
  expect_all_present(dir(), "q");
  expect_keeps(dir(), "q");
}

TEST_F(ProcessCleanupTest, D3_AbortCleansNothing) {
  Driver driver("abort", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), signaled(SIGABRT));
  expect_all_present(dir(), "m");
}

TEST_F(ProcessCleanupTest, D2_SigkillCleansNothingEvenWithSignalCleanup) {
  Driver driver("wait-signals", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGKILL);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGKILL));
  expect_all_present(dir(), "w");
}

TEST_F(ProcessCleanupTest, D2_WithoutCleanupOnSignalsAFatalSignalCleansNothing) {
  Driver driver("wait", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGTERM));
  expect_all_present(dir(), "w");
}

// ---- cleanup_on_signals(): SIGINT, SIGTERM, SIGHUP ----

class SignalCleanupTest : public ProcessCleanupTest, public ::testing::WithParamInterface<int> {};

TEST_P(SignalCleanupTest, D2_KillFromOutsideRemovesLiveEntriesAndDiesOfTheSignal) {
  const int signal_number = GetParam();
  Driver driver("wait-signals", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(signal_number);
  EXPECT_EQ(describe(driver.wait()), signaled(signal_number)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("w"))), "");
  expect_keeps(dir(), "w");
}

TEST_P(SignalCleanupTest, D2_RaisedSignalRemovesLiveEntriesAndDiesOfTheSignal) {
  const int signal_number = GetParam();
  Driver driver("raise-" + std::to_string(signal_number), dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), signaled(signal_number)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("r"))), "");
  expect_keeps(dir(), "r");
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalCleanupTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         signal_name);

// A handler installed before cleanup_on_signals() runs first and decides. One that returns
// (a reload, a graceful-shutdown flag) handled the signal: nothing is removed, the process goes
// on with ours still installed (the second signal goes the same way), and at the end the
// objects' destructors and the exit handler remove everything.
class ChainBeforeTest : public ProcessCleanupTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(ChainBeforeTest, D2_EarlierHandlerThatReturnsHandlesTheSignalAndNothingIsRemoved) {
  Driver driver(std::string("chain-before-") + GetParam(), dir());
  const fs::path marker = dir() / "keep-marker";
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  ASSERT_TRUE(wait_for_size(marker, 1)) << "the earlier handler did not run";
  expect_all_present(dir(), "1");
  driver.go();
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGINT);  // another of the three: all were chained
  ASSERT_TRUE(wait_for_size(marker, 2)) << "the earlier handler did not run again";
  expect_all_present(dir(), "1");
  expect_all_present(dir(), "2");
  driver.go();
  EXPECT_EQ(driver.line(), "entries-intact");
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "1");
  expect_keeps(dir(), "2");
}

INSTANTIATE_TEST_SUITE_P(Handlers, ChainBeforeTest, ::testing::Values("plain", "siginfo"));

// An earlier handler that ends the process with _exit ends it before anything could be
// removed: the library's handler only acts after a function that returns (docs/cleanup.md).
TEST_F(ProcessCleanupTest, D2_EarlierHandlerThatExitsEndsTheProcessBeforeAnyCleanup) {
  Driver driver("chain-before-exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGHUP);
  EXPECT_EQ(describe(driver.wait()), exited(7)) << driver.rest();
  EXPECT_TRUE(wait_for_size(dir() / "keep-marker", 1));
  expect_all_present(dir(), "1");
  expect_keeps(dir(), "1");
}

// An earlier handler that puts the default action back and raises the signal again (to die of
// it) gets the cleanup before the process ends.
TEST_F(ProcessCleanupTest, D2_EarlierHandlerThatReRaisesWithTheDefaultGetsTheCleanupFirst) {
  Driver driver("chain-before-reraise", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGTERM)) << driver.rest();
  EXPECT_TRUE(wait_for_size(dir() / "keep-marker", 1));
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("1"))), "");
  expect_keeps(dir(), "1");
}

// An earlier handler that only puts the default action back, so that the next signal ends the
// process ("press Ctrl-C again"): the first signal removes nothing, the second removes
// everything and ends the process with the signal.
TEST_F(ProcessCleanupTest, D2_EarlierHandlerThatMakesTheNextSignalFatalGetsTheCleanupThen) {
  Driver driver("chain-before-oneshot", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  ASSERT_TRUE(wait_for_size(dir() / "keep-marker", 1)) << "the earlier handler did not run";
  expect_all_present(dir(), "1");
  driver.signal(SIGTERM);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGTERM)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("1"))), "");
  expect_keeps(dir(), "1");
}

// Threads creating and closing NamedTemporaryFiles and TemporaryDirectories while a SIGTERM is
// handled by an earlier handler that returns: every thread goes on (none waits for an end that
// never comes), the process finishes its work and exits normally, and nothing is left.
TEST_F(ProcessCleanupTest, D2_ThreadsGoOnAfterAnEarlierHandlerReturns) {
  for (int run = 0; run < 3; ++run) {
    {
      Driver driver("chain-threads", dir());
      ASSERT_EQ(driver.line(), "ready");
      std::this_thread::sleep_for(std::chrono::milliseconds(3 + 5 * run));
      driver.signal(SIGTERM);
      ASSERT_TRUE(wait_for_size(dir() / "keep-marker", 1)) << "the earlier handler did not run";
      driver.go();
      EXPECT_EQ(driver.line(), "workers-progressed") << "run " << run;
      EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
    }
    EXPECT_EQ(join(unexpected(dir())), "") << "run " << run;
    force_remove_all(dir());
    fs::create_directory(dir());
  }
}

// A handler installed after cleanup_on_signals() replaces ours: the signal then cleans
// nothing, and exit still does.
TEST_F(ProcessCleanupTest, D2_HandlerInstalledLaterReplacesOursAndExitStillCleans) {
  Driver driver("chain-after", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  ASSERT_TRUE(wait_for_size(dir() / "keep-marker", 1));
  expect_all_present(dir(), "a");
  driver.go();
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
}

// nohup: SIGHUP ignored when cleanup_on_signals() runs stays ignored.
TEST_F(ProcessCleanupTest, D2_IgnoredSighupStaysIgnored) {
  Driver driver("sighup-ignored", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGHUP);
  driver.signal(SIGHUP);
  // An ignored signal is discarded when kill() generates it; give a wrongly installed
  // handler time to run anyway before looking.
  std::this_thread::sleep_for(100ms);
  expect_all_present(dir(), "h");
  driver.go();
  EXPECT_EQ(driver.line(), "sighup:ignored");
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "h");
}

// Worker threads create and destroy NamedTemporaryFiles and TemporaryDirectories (with files)
// in a loop while the signal arrives; main holds trees and files alive throughout.
class ThreadsSignalTest : public ProcessCleanupTest, public ::testing::WithParamInterface<int> {
 protected:
  /// Runs the threads scenario `runs` times; returns what each run left, by name.
  std::vector<std::set<std::string>> signal_during_churn(int runs) {
    std::vector<std::set<std::string>> left;
    for (int run = 0; run < runs; ++run) {
      {
        Driver driver(signals_remove_trees ? "threads" : "threads-empty", dir());
        EXPECT_EQ(driver.line(), "ready");
        std::this_thread::sleep_for(std::chrono::milliseconds(5 + 7 * run));
        driver.signal(GetParam());
        EXPECT_EQ(describe(driver.wait()), signaled(GetParam())) << driver.rest();
      }
      left.push_back(list_dir(dir()));
      force_remove_all(dir());
      fs::create_directory(dir());
    }
    return left;
  }
};

// What was alive before the signal and stays alive (main's objects) is always removed, trees
// included, whatever the other threads are doing.
TEST_P(ThreadsSignalTest, D2_SignalDuringChurnRemovesEveryEntryAliveThroughout) {
  const std::vector<std::set<std::string>> left = signal_during_churn(5);
  for (std::size_t run = 0; run < left.size(); ++run) {
    for (const std::string& name : left[run]) {
      EXPECT_TRUE(starts_with(name, "wf-") || starts_with(name, "wd-"))
          << "run " << run << " left " << name << " (held by main throughout)";
    }
  }
}

// The handler runs on one thread while the others go on creating and destroying: entries
// between creation and registration, or between withdrawal and removal, are in "cleanup
// windows" the handler waits for, and no new window opens once it started, so nothing is left.
TEST_P(ThreadsSignalTest, D2_SignalDuringChurnLeavesNothing) {
  const std::vector<std::set<std::string>> left = signal_during_churn(5);
  for (std::size_t run = 0; run < left.size(); ++run) {
    EXPECT_TRUE(left[run].empty()) << "run " << run << " left" << join(left[run]);
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, ThreadsSignalTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         signal_name);

// ---- fork(): a child's end never removes, or writes, what its parent owns ----

struct ForkCase {
  const char* how;        // the child's ending (cleanup_driver's fork-<how>)
  const char* status;     // as the parent's "child ..." line reports it
  bool child_entry_left;  // the child's own leaked entry: cleaned unless nothing could
};

void PrintTo(const ForkCase& c, std::ostream* out) {
  *out << "child ends by " << c.how;
}

class ForkTest : public ProcessCleanupTest, public ::testing::WithParamInterface<ForkCase> {};

TEST_P(ForkTest, D1_ChildEndingNeverTouchesTheParentsEntriesOrBufferedBytes) {
  const ForkCase& c = GetParam();
  Driver driver(std::string("fork-") + c.how, dir());
  EXPECT_EQ(driver.line(), std::string("child ") + c.status);
  EXPECT_EQ(driver.line(), "parent-entries-intact");
  EXPECT_EQ(driver.line(), "size-before-close:0") << "the child flushed the parent's buffer";
  EXPECT_EQ(driver.line(), "content:abc") << "the parent's bytes, exactly once";
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir(), c.child_entry_left ? std::vector<std::string>{"child-"}
                                                      : std::vector<std::string>{})),
            "");
  int child_entries = 0;
  for (const std::string& name : list_dir(dir())) {
    child_entries += starts_with(name, "child-") ? 1 : 0;
  }
  EXPECT_EQ(child_entries, c.child_entry_left ? 1 : 0) << "the child's own entry";
  expect_keeps(dir(), "p");
}

INSTANTIATE_TEST_SUITE_P(
    Endings, ForkTest,
    ::testing::Values(ForkCase{"return", "exited 0", false}, ForkCase{"exit", "exited 0", false},
                      ForkCase{"destroy", "exited 0", false}, ForkCase{"_exit", "exited 0", true},
                      ForkCase{"abort", "signaled 6", true},
                      ForkCase{"signal", "signaled 15", false},
                      ForkCase{"terminate", "signaled 6", false}),
    [](const ::testing::TestParamInfo<ForkCase>& param_info) {
      return std::string(param_info.param.how[0] == '_' ? "underscore_exit" : param_info.param.how);
    });

// ---- D1: children that no pthread_atfork handler ran in ----

// A child made by syscall(SYS_fork) or clone() (no CLONE_VM, SIGCHLD) runs no pthread_atfork
// handler; its return from main (destructors) or exit() (the exit handler) must still leave
// its parent's entries and buffered bytes alone, and remove its own entry.
class RawForkTest : public ProcessCleanupTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RawForkTest, D1_ChildMadeWithoutForkHandlersNeverRemovesTheParentsEntries) {
  Driver driver(std::string("rawfork-") + GetParam(), dir());
  EXPECT_EQ(driver.line(), "child exited 0");
  EXPECT_EQ(driver.line(), "parent-entries-intact");
  EXPECT_EQ(driver.line(), "size-before-close:0") << "the child flushed the parent's buffer";
  EXPECT_EQ(driver.line(), "content:abc") << "the parent's bytes, exactly once";
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "") << "the child's own entry is removed by its exit";
  expect_keeps(dir(), "p");
}

INSTANTIATE_TEST_SUITE_P(Children, RawForkTest,
                         ::testing::Values("sysfork-return", "sysfork-exit", "clone-exit"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// A fork()ed child that gets SIGTERM before the library could know it is a child (first from
// a pthread_atfork handler that runs before any of the library's, then killed by the parent at
// once, in rounds): its signal cleanup never removes the parent's entries.
TEST_F(ProcessCleanupTest, D1_ChildSignalledRightAfterForkNeverRemovesTheParentsEntries) {
  Driver driver("signal-after-fork", dir());
  EXPECT_EQ(driver.line(), "parent-entries-intact");
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "p");
}

// ---- D2/D3: a signal during a long removal ----

/// The link count of `path` (2 + its subdirectories), 0 if it is gone.
nlink_t links_of(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 ? info.st_nlink : 0;
}

/// The one entry of `dir` named big-*.
fs::path big_tree(const fs::path& dir) {
  for (const std::string& name : list_dir(dir)) {
    if (starts_with(name, "big-")) {
      return dir / name;
    }
  }
  return {};
}

/// A private directory on tmpfs (/dev/shm) where there is one, else a subdirectory of `dir`:
/// big trees are built and removed there in a fraction of the time a disk takes. Removed by
/// the test (force_remove_all).
fs::path fast_directory(const fs::path& dir) {
  std::string pattern = "/dev/shm/tempfile-big.XXXXXX";
  if (::access("/dev/shm", W_OK | X_OK) == 0 && ::mkdtemp(pattern.data()) != nullptr) {
    return pattern;
  }
  const fs::path sub = dir / "big";
  fs::create_directory(sub);
  return sub;
}

/// Removes a fast_directory() whatever way the test leaves.
struct RemovedAtEnd {
  explicit RemovedAtEnd(fs::path p) : path(std::move(p)) {}
  fs::path path;
  RemovedAtEnd(const RemovedAtEnd&) = delete;
  RemovedAtEnd& operator=(const RemovedAtEnd&) = delete;
  ~RemovedAtEnd() { force_remove_all(path); }
};

/// One big-tree race: the driver's `scenario` builds nothing until "ready", then removes a tree
/// of 20,000 files (big_tree) on "go"; as soon as the tree's first subdirectory is gone (its
/// removal is under way), `interrupt` ends the process another way. Returns describe() of the
/// wait status, and the driver's remaining output; a removal that never started within 20 s is
/// a failure (status "").
struct BigTreeRun {
  std::string status;
  std::string rest;
};

BigTreeRun race_big_tree_removal(const std::string& scenario, const fs::path& work,
                                 const std::function<void(Driver&)>& interrupt) {
  Driver driver(scenario, work);
  if (driver.line() != "ready") {
    ADD_FAILURE() << scenario << " did not start: " << driver.rest();
    return {};
  }
  const fs::path tree = big_tree(work);
  if (tree.empty()) {
    ADD_FAILURE() << "no big tree in " << work;
    return {};
  }
  const nlink_t full = links_of(tree);
  driver.go();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (links_of(tree) == full) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << scenario << ": the removal never started";
      return {};
    }
  }
  interrupt(driver);
  BigTreeRun run;
  run.status = describe(driver.wait());
  run.rest = driver.rest();
  return run;
}

void send_sigterm(Driver& driver) {
  driver.signal(SIGTERM);
}

// exit() is removing a tree of 20,000 files when SIGTERM comes: the signal's cleanup finishes
// the entry the exit handler had claimed before the process dies, so nothing is left.
TEST_F(ProcessCleanupTest, D3_SignalDuringExitCleanupFinishesTheTreeBeingRemoved) {
  if (!signals_remove_trees) {
    GTEST_SKIP() << "this build's signal handler cannot read directories (no getdents64)";
  }
  const fs::path work = fast_directory(dir());
  const RemovedAtEnd remove_work(work);
  // The removal takes tens of milliseconds: on a loaded machine the signal can come after
  // exit() is done (the driver then exits 0). Such a run proves nothing; try again, a few times.
  bool signalled_during_removal = false;
  for (int attempt = 0; attempt < 5 && !signalled_during_removal; ++attempt) {
    const BigTreeRun run = race_big_tree_removal("exit-big-tree", work, send_sigterm);
    signalled_during_removal = run.status == signaled(SIGTERM);
    EXPECT_TRUE(signalled_during_removal || run.status == exited(0)) << run.status << run.rest;
    EXPECT_EQ(join(list_dir(work)), "") << "attempt " << attempt << ": " << run.status;
  }
  EXPECT_TRUE(signalled_during_removal) << "the signal never came during the removal";
}

// A worker thread's destructor is removing a tree of 20,000 files (slowly: one CPU, the worker
// at SCHED_IDLE) when SIGTERM comes on the main thread: the handler walks the tree the owner
// is removing too, so nothing is left when the process dies.
TEST_F(ProcessCleanupTest, D2_SignalDuringADestructorOnAnotherThreadFinishesTheTree) {
  if (!signals_remove_trees) {
    GTEST_SKIP() << "this build's signal handler cannot read directories (no getdents64)";
  }
  const fs::path work = fast_directory(dir());
  const RemovedAtEnd remove_work(work);
  const BigTreeRun run = race_big_tree_removal("dtor-big-tree", work, send_sigterm);
  EXPECT_EQ(run.status, signaled(SIGTERM)) << run.rest;
  EXPECT_EQ(join(list_dir(work)), "");
}

// ---- std::terminate: cleanup_on_terminate(), also turned on by cleanup_on_signals() ----
//
// An exception that nothing catches ends the process through std::terminate without unwinding
// the stack: no destructor runs, main's locals included, and the default handler aborts. The
// driver's objects (tag "t": open and closed NamedTemporaryFiles, a TemporaryDirectory with
// files, nested and read-only directories and a symbolic link out, an empty one, leaked ones)
// are all alive when it comes.

std::string dashes_to_underscores(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class TerminateTest : public ProcessCleanupTest,
                      public ::testing::WithParamInterface<const char*> {};

// After the opt-in, the terminate handler removes every live entry, then chains to the
// default handler: the process still dies of SIGABRT. From main, from a noexcept function,
// and from a second thread while main holds the objects; through cleanup_on_terminate() or
// cleanup_on_signals().
TEST_P(TerminateTest, D3_UncaughtExceptionRemovesEveryLiveEntryThenAborts) {
  Driver driver(std::string("terminate-") + GetParam(), dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), signaled(SIGABRT)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "t");
}

INSTANTIATE_TEST_SUITE_P(Throwers, TerminateTest,
                         ::testing::Values("terminate-main", "terminate-noexcept",
                                           "terminate-thread", "signals-main", "signals-thread"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return dashes_to_underscores(param_info.param);
                         });

// Without the opt-in nothing changes: an uncaught exception removes nothing (the default, as
// before; documented in docs/cleanup.md).
class NoTerminateCleanupTest : public ProcessCleanupTest,
                               public ::testing::WithParamInterface<const char*> {};

TEST_P(NoTerminateCleanupTest, D3_WithoutTheOptInAnUncaughtExceptionCleansNothing) {
  Driver driver(std::string("terminate-none-") + GetParam(), dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), signaled(SIGABRT)) << driver.rest();
  expect_all_present(dir(), "t");
  expect_keeps(dir(), "t");
}

INSTANTIATE_TEST_SUITE_P(Throwers, NoTerminateCleanupTest,
                         ::testing::Values("main", "noexcept", "thread"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           return std::string(param_info.param);
                         });

// A terminate handler the application installed before cleanup_on_terminate() runs after the
// cleanup (it sees no entry left) and ends the process its own way (_Exit(9)); calling
// cleanup_on_terminate() twice does not make the library's handler its own previous one.
TEST_F(ProcessCleanupTest, D3_TheEarlierTerminateHandlerRunsAfterTheCleanup) {
  Driver driver("terminate-chain", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(driver.line(), "application handler ran, entries left: 0");
  EXPECT_EQ(describe(driver.wait()), exited(9)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "t");
}

// A worker thread's destructor is removing a tree of 20,000 files (slowly: one CPU, the worker
// at SCHED_IDLE) when main's uncaught exception ends the process: the terminate handler walks
// the tree the owner is removing too, so nothing is left. A run where the owner finished first
// proves nothing and is repeated (a few times).
TEST_F(ProcessCleanupTest, D3_TerminateDuringADestructorOnAnotherThreadFinishesTheTree) {
  const fs::path work = fast_directory(dir());
  const RemovedAtEnd remove_work(work);
  bool during_removal = false;
  for (int attempt = 0; attempt < 5 && !during_removal; ++attempt) {
    const BigTreeRun run = race_big_tree_removal("terminate-dtor-big-tree", work,
                                                 [](Driver& driver) { driver.go(); });  // throws
    EXPECT_EQ(run.status, signaled(SIGABRT)) << run.rest;
    during_removal = run.rest.find("destroyed") == std::string::npos;
    EXPECT_EQ(join(list_dir(work)), "") << "attempt " << attempt << ": " << run.rest;
  }
  EXPECT_TRUE(during_removal) << "the owner always finished before the terminate";
}

// std::exit is removing a tree of 20,000 files (slowly: one CPU, main at SCHED_IDLE) when
// another thread's uncaught exception ends the process: the terminate handler finishes the
// entry the exit handler had claimed, so nothing is left. A run where exit() finished first
// (the driver exits 0) proves nothing and is repeated (a few times).
TEST_F(ProcessCleanupTest, D3_TerminateDuringExitCleanupFinishesTheTreeBeingRemoved) {
  const fs::path work = fast_directory(dir());
  const RemovedAtEnd remove_work(work);
  bool during_removal = false;
  for (int attempt = 0; attempt < 5 && !during_removal; ++attempt) {
    const BigTreeRun run =
        race_big_tree_removal("terminate-exit-big-tree", work, [](Driver& driver) {
          static_cast<void>(driver.go_if_alive());  // the other thread throws
        });
    during_removal = run.status == signaled(SIGABRT);
    EXPECT_TRUE(during_removal || run.status == exited(0)) << run.status << run.rest;
    EXPECT_EQ(join(list_dir(work)), "") << "attempt " << attempt << ": " << run.status;
  }
  EXPECT_TRUE(during_removal) << "the exception never came during the removal";
}

// Worker threads create and destroy NamedTemporaryFiles and TemporaryDirectories (with files)
// while main's uncaught exception ends the process, with cleanup_on_terminate() only: creations
// in progress are waited for and no new one starts, so nothing is left.
TEST_F(ProcessCleanupTest, D3_TerminateDuringChurnLeavesNothing) {
  for (int run = 0; run < 5; ++run) {
    {
      Driver driver("terminate-churn", dir());
      EXPECT_EQ(driver.line(), "ready");
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + 7 * run));
      driver.go();
      EXPECT_EQ(describe(driver.wait()), signaled(SIGABRT)) << driver.rest();
    }
    EXPECT_EQ(join(list_dir(dir())), "") << "run " << run;
    force_remove_all(dir());
    fs::create_directory(dir());
  }
}

// ---- std::quick_exit: cleanup_on_quick_exit() ----

// After cleanup_on_quick_exit(), quick_exit runs the library's at_quick_exit handler (after the
// program's, registered later), which removes every live entry as std::exit would.
TEST_F(ProcessCleanupTest, D3_CleanupOnQuickExitRemovesEveryLiveEntry) {
  Driver driver("quick_exit-cleanup", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(driver.line(), "at_quick_exit handler ran");
  EXPECT_EQ(describe(driver.wait()), exited(5)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "q");
}

// ---- B1: a name that no longer refers to our file ----

/// Reads the "impostor:<name>" lines up to "ready": the replaced names.
std::vector<std::string> read_impostors(Driver& driver) {
  std::vector<std::string> names;
  for (std::string l = driver.line(); l != "ready" && !l.empty(); l = driver.line()) {
    if (starts_with(l, "impostor:")) {
      names.push_back(l.substr(9));
    }
  }
  return names;
}

/// Whether `dir`'s file system gives a removed file's inode number to the next file at once
/// (ext4 does), probed with two files.
bool inode_numbers_reused_at_once(const fs::path& dir) {
  const fs::path probe = dir / "inode-probe";
  struct stat first {};
  struct stat second {};
  for (struct stat* info : {&first, &second}) {
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ::fstat(fd, info) != 0) {
      ADD_FAILURE() << "probe: " << std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
    }
    ::close(fd);
    ::unlink(probe.c_str());
  }
  return first.st_ino == second.st_ino;
}

/// Systems without statx identify files with fstat, which has no birth time: where the file
/// system reuses inode numbers at once, a file whose descriptor we closed cannot be told from a
/// replacement that got its number (docs/cleanup.md). Only then may the closed one's ("nc-")
/// replacement go.
bool closed_file_replacement_may_go(const fs::path& dir) {
#if !defined(__linux__)
  constexpr bool identity_without_birth_time = true;
#else
  constexpr bool identity_without_birth_time = false;
#endif
  return identity_without_birth_time && inode_numbers_reused_at_once(dir);
}

void expect_impostors_intact(const fs::path& dir, const std::vector<std::string>& names) {
  ASSERT_EQ(names.size(), 3U);
  const bool closed_may_go = closed_file_replacement_may_go(dir);
  for (const std::string& name : names) {
    std::error_code ec;
    if (!(closed_may_go && starts_with(name, "nc-"))) {
      EXPECT_EQ(fs::file_size(dir / name, ec), 8U) << name << " (the replacement) was removed";
    }
    fs::remove(dir / name, ec);
  }
}

// The files of NamedTemporaryFiles (open, closed with delete_on_close = false, leaked) are
// replaced under their names by other files: neither the destructors, nor exit, nor a signal's
// cleanup removes a replacement (each checks the name against the file's identity first).
TEST_F(ProcessCleanupTest, B1_ReplacedNamedFilesSurviveTheDestructorsAndExit) {
  for (const char* how : {"destroy", "exit"}) {
    Driver driver(std::string("replace-") + how, dir());
    const std::vector<std::string> names = read_impostors(driver);
    if (std::string(how) == "destroy") {
      EXPECT_EQ(driver.line(), "destroyed");
    }
    EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
    expect_impostors_intact(dir(), names);
    EXPECT_EQ(join(unexpected(dir())), "") << how;
  }
}

TEST_F(ProcessCleanupTest, B1_ReplacedNamedFilesSurviveSignalCleanup) {
  Driver driver("replace-signal", dir());
  const std::vector<std::string> names = read_impostors(driver);
  driver.signal(SIGTERM);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGTERM)) << driver.rest();
  expect_impostors_intact(dir(), names);
  EXPECT_EQ(join(unexpected(dir())), "");
}

// ---- objects created in a held directory ----
//
// cleanup_driver's held-<holder>-<attack>-<ending>: make_objects("h") with `dir` a held
// directory, a tempfile::Directory ("directory") or a live TemporaryDirectory ("tempdir"); the
// process then ends by std::exit (the exit handler) or by a signal after cleanup_on_signals().
// Their removal is the same identity-checked one by absolute name as for objects made by path:
// these put a held directory through it on the exit and signal paths.

using HeldCase = std::tuple<std::string, int>;  // the holder; 0 (std::exit) or the signal

std::string held_case_name(const ::testing::TestParamInfo<HeldCase>& info) {
  const auto& [holder, signal_number] = info.param;
  return holder + "_" +
         (signal_number == 0 ? std::string("exit")
                             : signal_name(::testing::TestParamInfo<int>(signal_number, 0)));
}

class HeldDirectoryCleanupTest : public ProcessCleanupTest,
                                 public ::testing::WithParamInterface<HeldCase> {
 protected:
  // Runs the scenario with `attack` until "ready", calls `at_ready` (the driver's objects all
  // alive, the attack made), then ends the driver the parameter's way. Returns the held
  // directory's path, as the driver reported it.
  fs::path run(const std::string& attack, const std::function<void()>& at_ready = {}) {
    const auto& [holder, signal_number] = GetParam();
    Driver driver("held-" + holder + "-" + attack + "-" + (signal_number == 0 ? "exit" : "wait"),
                  dir());
    const std::string held = driver.line();
    EXPECT_TRUE(starts_with(held, "held:")) << held << driver.rest();
    EXPECT_EQ(driver.line(), "ready") << driver.rest();
    if (at_ready) {
      at_ready();
    }
    if (signal_number != 0) {
      driver.signal(signal_number);
      EXPECT_EQ(describe(driver.wait()), signaled(signal_number)) << driver.rest();
    } else {
      driver.go();
      EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
    }
    return held.size() > 5 ? fs::path(held.substr(5)) : fs::path();
  }
  [[nodiscard]] bool by_signal() const { return std::get<1>(GetParam()) != 0; }
};

// Every object with a removal duty (an open and a closed NamedTemporaryFile, a tree, an empty
// directory, a leaked file and a leaked tree) is gone; the delete_ = false ones, the holder and
// the target of the tree's symbolic link (outside the held directory) stay.
TEST_P(HeldDirectoryCleanupTest, D2_D3_ObjectsMadeInAHeldDirectoryAreRemovedAtExitAndOnSignals) {
  const fs::path held = run("none");
  ASSERT_TRUE(fs::is_directory(fs::symlink_status(held))) << held;
  EXPECT_EQ(join(unexpected(held, by_signal() ? left_by_signal("h") : std::vector<std::string>{})),
            "");
  std::size_t keeps = 0;
  for (const std::string& name : list_dir(held)) {
    keeps += starts_with(name, "keep-f-h") || starts_with(name, "keep-d-h") ? 1U : 0U;
  }
  EXPECT_EQ(keeps, 2U) << "the delete_ = false file and directory";
  EXPECT_EQ(fs::file_size(dir() / "keep-target-h"), 7U) << "the target of the tree's link";
  EXPECT_EQ(join(unexpected(dir(), {"held"})), "");
}

// Snapshots of `tree` without "." and without what `skip` names (a prefix).
std::vector<std::pair<std::string, EntrySnapshot>> snapshot_tree_without(const fs::path& tree,
                                                                         const std::string& skip) {
  std::vector<std::pair<std::string, EntrySnapshot>> kept;
  for (auto& entry : snapshot_tree(tree)) {
    if (entry.first != "." && !starts_with(entry.first, skip)) {
      kept.push_back(std::move(entry));
    }
  }
  return kept;
}

// The attack: after the creation the held directory is renamed away and a symbolic link to a
// victim directory takes its path, where every object's name has a twin (files, two trees, an
// EMPTY directory). The exit handler and the signal handler remove by name only what is still
// the object's: no file twin and no twin with contents is removed, emptied or changed; what
// was created is left behind in the moved directory (its names no longer lead to it), the
// trees emptied through their descriptors. The positive control removes the same names by
// path afterwards and reaches every remaining twin: the swap was live.
//
// The one twin the swap does reach is the empty directory's: a TemporaryDirectory's removal
// starts with an rmdir of its name (temporary-directory.md: it only removes an empty directory
// and never follows a final symbolic link), but the name's parent is resolved, through the
// link. Pinned here, so that a change to that first step shows.
TEST_P(HeldDirectoryCleanupTest, B1_AHeldDirectorySwappedForASymlinkNeverLeadsExitOrSignalsOut) {
  const fs::path victim = dir() / "keep-victim";
  std::vector<std::pair<std::string, EntrySnapshot>> before;
  std::string empty_twin;
  const fs::path held = run("swap", [&] {
    before = snapshot_tree_without(victim, "te-h");
    for (const std::string& name : list_dir(victim)) {
      empty_twin = starts_with(name, "te-h") ? name : empty_twin;
    }
  });
  // Five twins: three files, and two directories with three files each.
  ASSERT_EQ(before.size(), 11U) << "the driver did not make the twins";
  ASSERT_FALSE(empty_twin.empty()) << "the driver did not make the empty directory's twin";
  EXPECT_TRUE(snapshot_tree_without(victim, "te-h") == before)
      << "a twin outside the held directory was removed or changed";
  EXPECT_FALSE(exists_no_follow(victim / empty_twin))
      << "the rmdir-first step no longer reaches an empty twin: update this test and "
         "temporary-directory.md";
  EXPECT_TRUE(fs::is_symlink(held)) << "the planted link is not the library's to remove";
  EXPECT_EQ(fs::file_size(dir() / "keep-target-h"), 7U) << "the target of the tree's link";
  EXPECT_EQ(join(unexpected(dir(), {"held"})), "");

  // Left behind in the moved directory: every object (its name leads elsewhere now), the
  // trees without their contents.
  const fs::path moved = dir() / "keep-moved";
  for (const std::string& prefix : removable_prefixes("h")) {
    std::size_t count = 0;
    for (const std::string& name : list_dir(moved)) {
      count += starts_with(name, prefix) ? 1U : 0U;
      if (starts_with(name, prefix) && (prefix == "td-h" || prefix == "ld-h") &&
          (!by_signal() || signals_remove_trees)) {
        EXPECT_EQ(count_files(moved / name), 0U) << name << " was not emptied";
      }
    }
    EXPECT_EQ(count, 1U) << prefix << "* in the moved directory";
  }

  // Positive control: by path, the objects' names lead to the twins.
  std::size_t reached = 0;
  for (const std::string& name : list_dir(victim)) {
    std::error_code ec;
    reached += fs::remove_all(held / name, ec) > 0 && !ec ? 1U : 0U;
  }
  EXPECT_EQ(reached, 5U) << "removal by path through the swapped name reaches every twin";
  EXPECT_EQ(join(list_dir(victim)), "");
}

INSTANTIATE_TEST_SUITE_P(Endings, HeldDirectoryCleanupTest,
                         ::testing::Combine(::testing::Values("directory", "tempdir"),
                                            ::testing::Values(0, SIGINT, SIGTERM)),
                         held_case_name);

// ---- one attacked TemporaryDirectory, every removal path ----
//
// cleanup_driver's "<attack>-<ending>" scenarios: the same attack, then one removal path each:
// cleanup(), cleanup() with ignore_cleanup_errors, the destructor, the exit handler, rmtree()
// where it applies, and the signal handler (cleanup_on_signals()) for SIGINT, SIGTERM, SIGHUP.
// The signal handler's walk is a second implementation of the tree walk: it gets the same
// attacks as the normal one.

struct Ending {
  const char* name;   // the driver's ending ("wait" for a signal)
  int signal_number;  // 0 unless the driver is ended by this signal
};

constexpr Ending by_cleanup{"cleanup", 0};
constexpr Ending by_ignoring_cleanup{"ignore", 0};
constexpr Ending by_destructor{"destroy", 0};
constexpr Ending by_exit{"exit", 0};
constexpr Ending by_rmtree{"rmtree", 0};
constexpr Ending by_terminate{"terminate", 0};  // dies of SIGABRT after the cleanup
constexpr Ending by_sigint{"wait", SIGINT};
constexpr Ending by_sigterm{"wait", SIGTERM};
constexpr Ending by_sighup{"wait", SIGHUP};

std::string ending_name(const ::testing::TestParamInfo<Ending>& info) {
  switch (info.param.signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return info.param.name;
  }
}

void PrintTo(const Ending& ending, std::ostream* out) {
  *out << (ending.signal_number != 0 ? "signal " + std::to_string(ending.signal_number)
                                     : std::string(ending.name));
}

// What one attacked run said and how it ended.
struct AttackRun {
  bool capability_missing = false;
  std::string skip_reason;
  std::string result;  // the ending's line: "cleanup:ok", "cleanup_error:...", ...
  std::string status;  // describe() of the wait status
  std::string output;  // everything else, for messages
};

class AttackedDirectoryTest : public ProcessCleanupTest,
                              public ::testing::WithParamInterface<Ending> {
 protected:
  AttackRun run_attack(const std::string& attack) {
    const Ending& ending = GetParam();
    AttackRun run;
    Driver driver(attack + "-" + ending.name, dir());
    std::string line = driver.line();
    if (line.starts_with("reused:")) {
      line = driver.line();
    }
    if (line.starts_with("capability-missing:")) {
      run.capability_missing = true;
      run.skip_reason = line;
      static_cast<void>(driver.wait());
      return run;
    }
    EXPECT_EQ(line, "ready") << driver.rest();
    if (ending.signal_number != 0) {
      driver.signal(ending.signal_number);
    } else if (std::string_view(ending.name) != "exit" &&
               std::string_view(ending.name) != "terminate") {
      run.result = driver.line();
    }
    run.output = driver.rest();
    run.status = describe(driver.wait());
    const std::string expected = ending.signal_number != 0 ? signaled(ending.signal_number)
                                 : std::string_view(ending.name) == "terminate" ? signaled(SIGABRT)
                                                                                : exited(0);
    EXPECT_EQ(run.status, expected) << run.result << "\n" << run.output;
    return run;
  }

  // The one directory named `prefix`* in dir(), or "" (and a failure when there are several).
  fs::path only(const std::string& prefix) {
    fs::path found;
    for (const std::string& name : list_dir(dir())) {
      if (starts_with(name, prefix)) {
        EXPECT_TRUE(found.empty()) << "two entries named " << prefix << "*";
        found = dir() / name;
      }
    }
    return found;
  }

  [[nodiscard]] bool explicit_cleanup() const {
    return std::string_view(GetParam().name) == "cleanup";
  }
  [[nodiscard]] bool ignoring_cleanup() const {
    return std::string_view(GetParam().name) == "ignore";
  }
  // Whether this path walks a tree (the portable build's signal handler removes only an empty
  // directory).
  [[nodiscard]] bool walks() const { return GetParam().signal_number == 0 || signals_remove_trees; }
};

// Regular files below `path`, recursively, not following links (0 if missing).
std::size_t files_below(const fs::path& path) {
  std::size_t count = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    count += it->is_regular_file(ec) && !it->is_symlink(ec) ? 1U : 0U;
  }
  return count;
}

// C9: a bind mount, in a private mount namespace, of keep-outside/ (same file system, so the
// same st_dev) inside the tree. No path may enter it: its three files survive; the rest of the
// tree goes, the mount point stays (and cleanup() and rmtree() report it as a mount point). On
// the old signal handler, which compared st_dev only, every outside file was deleted.
class C9_BindMountTest : public AttackedDirectoryTest {};

TEST_P(C9_BindMountTest, C9_NoRemovalPathEntersABindMount) {
  const AttackRun run = run_attack("bind");
  if (run.capability_missing) {
    GTEST_SKIP() << "no private mount namespace or bind mount here: " << run.skip_reason;
  }
  EXPECT_EQ(files_below(dir() / "keep-outside"), 3U) << "files of the bind-mounted directory lost";
  const fs::path tree = only("td-b");
  ASSERT_FALSE(tree.empty()) << "the mount point and its ancestors must stay";
  if (walks()) {
    EXPECT_EQ(files_below(tree), 0U) << "the tree's own files must go";
  }
  EXPECT_TRUE(fs::is_directory(tree / "sub" / "bind"));
  if (explicit_cleanup() || std::string_view(GetParam().name) == "rmtree") {
    EXPECT_NE(run.result.find("_error:"), std::string::npos) << run.result;
    EXPECT_NE(run.result.find("sub/bind' (a mount point, not crossed)"), std::string::npos)
        << run.result;
  }
  if (ignoring_cleanup()) {
    EXPECT_EQ(run.result, "cleanup:ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, C9_BindMountTest,
                         ::testing::Values(by_cleanup, by_ignoring_cleanup, by_destructor, by_exit,
                                           by_terminate, by_rmtree, by_sigint, by_sigterm,
                                           by_sighup),
                         ending_name);

// C6 (a reused root descriptor): the program closed the TemporaryDirectory's root descriptor by
// mistake and open(keep-other) got the same number. No path may walk it: keep-other keeps every
// file, the tree is left as it is, and cleanup() reports why. On the old code every path
// emptied keep-other.
class C6_ReusedDescriptorTest : public AttackedDirectoryTest {};

TEST_P(C6_ReusedDescriptorTest, C6_ARootDescriptorReusedForAnotherDirectoryIsNeverWalked) {
  const AttackRun run = run_attack("reused");
  EXPECT_EQ(files_below(dir() / "keep-other"), 3U) << "the unrelated directory was emptied";
  const fs::path tree = only("td-r");
  ASSERT_FALSE(tree.empty()) << "left, with its contents: nothing can be removed safely";
  EXPECT_EQ(files_below(tree), 2U);
  if (explicit_cleanup()) {
    EXPECT_NE(run.result.find("cleanup_error:"), std::string::npos) << run.result;
    EXPECT_NE(run.result.find(tree.string() + "' (its descriptor no longer refers to the"),
              std::string::npos)
        << run.result;
  }
  if (ignoring_cleanup()) {
    EXPECT_EQ(run.result, "cleanup:ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, C6_ReusedDescriptorTest,
                         ::testing::Values(by_cleanup, by_ignoring_cleanup, by_destructor, by_exit,
                                           by_terminate, by_sigint, by_sigterm, by_sighup),
                         ending_name);

// C6 (the root renamed away): one behaviour on every path. What is ours, the contents, is
// removed through the descriptor; the directory itself, at a name that is no longer ours, is
// left; cleanup() says so (not with ignore_cleanup_errors). The old cleanup() and exit handler
// took the missing name for "already removed" and left every file.
class C6_MovedRootTest : public AttackedDirectoryTest {};

TEST_P(C6_MovedRootTest, C6_ARootMovedAwayHasItsContentsRemovedAndIsReported) {
  const AttackRun run = run_attack("moved");
  EXPECT_TRUE(only("td-m").empty()) << "the name was not the object's any more";
  ASSERT_TRUE(fs::is_directory(dir() / "keep-moved"));
  if (walks()) {
    EXPECT_EQ(join(list_dir(dir() / "keep-moved")), "") << "the moved tree was not emptied";
  }
  EXPECT_EQ(fs::file_size(dir() / "keep-target-m"), 7U) << "the tree's link target";
  if (explicit_cleanup()) {
    EXPECT_NE(run.result.find("cleanup_error:"), std::string::npos) << run.result;
    EXPECT_NE(run.result.find("(the directory was moved away: its name no longer refers to it"),
              std::string::npos)
        << run.result;
  }
  if (ignoring_cleanup()) {
    EXPECT_EQ(run.result, "cleanup:ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, C6_MovedRootTest,
                         ::testing::Values(by_cleanup, by_ignoring_cleanup, by_destructor, by_exit,
                                           by_terminate, by_sigint, by_sigterm, by_sighup),
                         ending_name);

// C6's control: a root that somebody else removed entirely (no links left) is done on every
// path, without an error (Python ignores FileNotFoundError).
class C6_GoneRootTest : public AttackedDirectoryTest {};

TEST_P(C6_GoneRootTest, C6_ARootRemovedBySomeoneElseIsDoneWithoutAnError) {
  const AttackRun run = run_attack("gone");
  EXPECT_EQ(join(unexpected(dir())), "");
  EXPECT_EQ(fs::file_size(dir() / "keep-target-g"), 7U);
  if (explicit_cleanup() || ignoring_cleanup()) {
    EXPECT_EQ(run.result, "cleanup:ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, C6_GoneRootTest,
                         ::testing::Values(by_cleanup, by_destructor, by_exit, by_terminate,
                                           by_sigterm),
                         ending_name);

// C7: as a real unprivileged user (the driver drops to uid 65534 when the tests run as root:
// root bypasses permission checks, and the test would prove nothing), a tree of directories
// whose modes forbid the walk (0500 holding subdirectories and files, 0000, 0300, 0100, 0600,
// the root 0500). Every path removes all of it; the old signal handler left the 0500
// directories that held subdirectories (it never retried a failed rmdir after a mode fix).
class C7_ModesTest : public AttackedDirectoryTest {
 protected:
  void SetUp() override {
    AttackedDirectoryTest::SetUp();
    ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0) << std::strerror(errno);
    ASSERT_EQ(::chown(dir().c_str(), 65534, 65534), 0) << std::strerror(errno);
  }
};

TEST_P(C7_ModesTest, C7_EveryPathRemovesDirectoriesWhoseModesForbidTheWalk) {
  const AttackRun run = run_attack("modes");
  if (run.capability_missing) {
    GTEST_SKIP() << "cannot become uid 65534: " << run.skip_reason;
  }
  if (!walks()) {
    // The portable build's signal handler removes only empty directories (docs/cleanup.md).
    EXPECT_FALSE(only("td-p").empty());
    return;
  }
  EXPECT_EQ(join(unexpected(dir())), "") << run.result << "\n" << run.output;
  if (explicit_cleanup()) {
    EXPECT_EQ(run.result, "cleanup:ok");
  }
  if (std::string_view(GetParam().name) == "rmtree") {
    EXPECT_EQ(run.result, "rmtree:ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, C7_ModesTest,
                         ::testing::Values(by_cleanup, by_destructor, by_exit, by_terminate,
                                           by_rmtree, by_sigint, by_sigterm, by_sighup),
                         ending_name);

}  // namespace
}  // namespace tempfile::test
