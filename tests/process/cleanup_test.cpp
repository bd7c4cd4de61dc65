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

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

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
class Driver {
 public:
  Driver(const std::string& scenario, const fs::path& dir) {
    int to_child[2] = {-1, -1};
    int from_child[2] = {-1, -1};
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
      return;
    }
    // Everything the child needs is made before fork(): it only calls async-signal-safe
    // functions before execve.
    // The build's driver, unless TEMPFILE_CLEANUP_DRIVER names another: the unprivileged CI run
    // (scripts/test-unprivileged.sh) runs a copy of the build that its user can reach.
    const char* driver = std::getenv("TEMPFILE_CLEANUP_DRIVER");  // NOLINT(concurrency-mt-unsafe)
    const std::string program =
        driver != nullptr && *driver != '\0' ? driver : TEMPFILE_CLEANUP_DRIVER;
    const std::string dir_arg = dir.string();
    std::vector<char*> argv{const_cast<char*>(program.c_str()),            // NOLINT: execve's type
                            const_cast<char*>(scenario.c_str()),           // NOLINT
                            const_cast<char*>(dir_arg.c_str()), nullptr};  // NOLINT
    // The driver leaks objects on purpose and aborts on purpose: keep the sanitizers quiet
    // about both (later flags win).
    const char* asan = std::getenv("ASAN_OPTIONS");  // NOLINT(concurrency-mt-unsafe)
    std::string asan_options = std::string("ASAN_OPTIONS=") + (asan != nullptr ? asan : "") +
                               ":detect_leaks=0:handle_abort=0:abort_on_error=0";
    std::vector<std::string> env_strings{asan_options};
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "ASAN_OPTIONS=", 13) != 0) {
        env_strings.emplace_back(*e);
      }
    }
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (std::string& entry : env_strings) {
      envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    static_cast<void>(std::fflush(nullptr));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], STDIN_FILENO);
      ::dup2(from_child[1], STDOUT_FILENO);
      // Default dispositions and no blocked signals, whatever ctest or a shell gave us: a
      // signal inherited as SIG_IGN would make every signal test measure nothing.
      for (const int s : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction action {};
        action.sa_handler = SIG_DFL;
        ::sigaction(s, &action, nullptr);
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): one thread
      ::execve(program.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_ = to_child[1];
    from_ = from_child[0];
    if (pid_ < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  Driver(Driver&&) = delete;
  Driver& operator=(Driver&&) = delete;

  ~Driver() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    close_pipes();
  }

  /// The next line the driver wrote ("" at end of file or after line_timeout).
  std::string line() {
    const auto deadline = std::chrono::steady_clock::now() + line_timeout;
    for (;;) {
      if (const auto nl = buffered_.find('\n'); nl != std::string::npos) {
        std::string result = buffered_.substr(0, nl);
        buffered_.erase(0, nl + 1);
        return result;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || from_ < 0) {
        return {};
      }
      pollfd p{from_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) {
        continue;
      }
      if (ready <= 0) {
        return {};
      }
      char chunk[256];
      const ssize_t n = ::read(from_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return {};
      }
      buffered_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void go() {
    const char nl = '\n';
    ASSERT_EQ(::write(to_, &nl, 1), 1);
  }

  void signal(int signal_number) { ASSERT_EQ(::kill(pid_, signal_number), 0); }

  /// Waits for the driver to end (killing it after 60 s) and returns its wait status.
  int wait() {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        return status;
      }
      if (done < 0 && errno != EINTR) {
        ADD_FAILURE() << "waitpid: " << std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
        return -1;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the driver did not end; killing it";
        ::kill(pid_, SIGKILL);
      }
      std::this_thread::sleep_for(2ms);
    }
  }

  /// Everything the driver wrote until it closed stdout (for failure messages).
  std::string rest() {
    std::string all;
    for (std::string l = line(); !l.empty(); l = line()) {
      all += l + "\n";
    }
    return all;
  }

 private:
  void close_pipes() {
    if (to_ >= 0) {
      ::close(to_);
      to_ = -1;
    }
    if (from_ >= 0) {
      ::close(from_);
      from_ = -1;
    }
  }

  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  bool reaped_ = false;
  std::string buffered_;
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

TEST_F(ProcessCleanupTest, ReturnFromMainRemovesEveryLiveEntryLeakedOnesToo) {
  Driver driver("return", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "m");
}

TEST_F(ProcessCleanupTest, StdExitRemovesTheLocalsItSkipsAndLeakedObjects) {
  Driver driver("exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), exited(3)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir())), "");
  expect_keeps(dir(), "m");
}

// ---- nothing can clean up after these (documented in docs/cleanup.md) ----

TEST_F(ProcessCleanupTest, UnderscoreExitCleansNothing) {
  Driver driver("_exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), exited(4));
  expect_all_present(dir(), "m");
  expect_keeps(dir(), "m");
}

TEST_F(ProcessCleanupTest, AbortCleansNothing) {
  Driver driver("abort", dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), signaled(SIGABRT));
  expect_all_present(dir(), "m");
}

TEST_F(ProcessCleanupTest, SigkillCleansNothingEvenWithSignalCleanup) {
  Driver driver("wait-signals", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGKILL);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGKILL));
  expect_all_present(dir(), "w");
}

TEST_F(ProcessCleanupTest, WithoutCleanupOnSignalsAFatalSignalCleansNothing) {
  Driver driver("wait", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  EXPECT_EQ(describe(driver.wait()), signaled(SIGTERM));
  expect_all_present(dir(), "w");
}

// ---- cleanup_on_signals(): SIGINT, SIGTERM, SIGHUP ----

class SignalCleanupTest : public ProcessCleanupTest, public ::testing::WithParamInterface<int> {};

TEST_P(SignalCleanupTest, KillFromOutsideRemovesLiveEntriesAndDiesOfTheSignal) {
  const int signal_number = GetParam();
  Driver driver("wait-signals", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(signal_number);
  EXPECT_EQ(describe(driver.wait()), signaled(signal_number)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("w"))), "");
  expect_keeps(dir(), "w");
}

TEST_P(SignalCleanupTest, RaisedSignalRemovesLiveEntriesAndDiesOfTheSignal) {
  const int signal_number = GetParam();
  Driver driver("raise-" + std::to_string(signal_number), dir());
  ASSERT_EQ(driver.line(), "ready");
  EXPECT_EQ(describe(driver.wait()), signaled(signal_number)) << driver.rest();
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("r"))), "");
  expect_keeps(dir(), "r");
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalCleanupTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         signal_name);

// A handler installed before cleanup_on_signals() is chained: ours removes, then calls it; it
// returns, so the process goes on with ours still installed (the second round is cleaned
// too), and the objects' destructors never remove entries that later took the same names.
class ChainBeforeTest : public ProcessCleanupTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(ChainBeforeTest, EarlierHandlerRunsAfterCleanupAndTheProcessGoesOn) {
  Driver driver(std::string("chain-before-") + GetParam(), dir());
  const fs::path marker = dir() / "keep-marker";
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGTERM);
  ASSERT_TRUE(wait_for_size(marker, 1)) << "the earlier handler did not run";
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("1"))), "");
  driver.go();
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGINT);  // another of the three: all were chained
  ASSERT_TRUE(wait_for_size(marker, 2)) << "the earlier handler did not run again";
  EXPECT_EQ(join(unexpected(dir(),
                            [] {
                              std::vector<std::string> allowed = left_by_signal("1");
                              for (const std::string& p : left_by_signal("2")) {
                                allowed.push_back(p);
                              }
                              return allowed;
                            }())),
            "");
  driver.go();
  EXPECT_EQ(driver.line(), "reused-intact");
  EXPECT_EQ(describe(driver.wait()), exited(0)) << driver.rest();
  // A tree the handler claimed but could not empty (portable build) stays: the objects'
  // destructors leave what a handler claimed (docs/cleanup.md).
  std::vector<std::string> allowed = left_by_signal("1");
  for (const std::string& p : left_by_signal("2")) {
    allowed.push_back(p);
  }
  EXPECT_EQ(join(unexpected(dir(), allowed)), "");
  expect_keeps(dir(), "1");
  expect_keeps(dir(), "2");
}

INSTANTIATE_TEST_SUITE_P(Handlers, ChainBeforeTest, ::testing::Values("plain", "siginfo"));

TEST_F(ProcessCleanupTest, EarlierHandlerThatExitsRunsAfterCleanup) {
  Driver driver("chain-before-exit", dir());
  ASSERT_EQ(driver.line(), "ready");
  driver.signal(SIGHUP);
  EXPECT_EQ(describe(driver.wait()), exited(7)) << driver.rest();
  EXPECT_TRUE(wait_for_size(dir() / "keep-marker", 1));
  EXPECT_EQ(join(unexpected(dir(), left_by_signal("1"))), "");
  expect_keeps(dir(), "1");
}

// A handler installed after cleanup_on_signals() replaces ours: the signal then cleans
// nothing, and exit still does.
TEST_F(ProcessCleanupTest, HandlerInstalledLaterReplacesOursAndExitStillCleans) {
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
TEST_F(ProcessCleanupTest, IgnoredSighupStaysIgnored) {
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
TEST_P(ThreadsSignalTest, SignalDuringChurnRemovesEveryEntryAliveThroughout) {
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
TEST_P(ThreadsSignalTest, SignalDuringChurnLeavesNothing) {
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

TEST_P(ForkTest, ChildEndingNeverTouchesTheParentsEntriesOrBufferedBytes) {
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
                      ForkCase{"signal", "signaled 15", false}),
    [](const ::testing::TestParamInfo<ForkCase>& param_info) {
      return std::string(param_info.param.how[0] == '_' ? "underscore_exit" : param_info.param.how);
    });

}  // namespace
}  // namespace tempfile::test
