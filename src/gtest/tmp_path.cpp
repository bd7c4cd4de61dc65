// SPDX-License-Identifier: MIT
// tempfile::gtest: per-test directories under a locked per-run root, kept or removed by a listener.

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/gtest.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::gtest {
namespace {

namespace fs = std::filesystem;

/// Test directory names are cut to this many characters (a hash of the full name then ends them),
/// so that deep parameterised names stay well inside NAME_MAX with room for "-001".
constexpr std::size_t max_name_length = 60;

/// Owns a descriptor; closes it once. A close error is ignored: nothing was written through these
/// descriptors (directories and lock files), so there is nothing to lose.
class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) {
      static_cast<void>(::close(fd_));
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

// `action` is a C string so that a call like fail("...", path, errno) builds nothing that could
// change errno before it is read.
[[noreturn]] void fail(const char* action, const fs::path& path, int err,
                       const std::string& detail = {}) {
  throw tempfile::error(action, path, std::error_code(err, std::system_category()), detail);
}

/// A warning on stderr for what is only a convenience (the `current` link, pruning old runs).
void warn(const std::string& text, int err) {
  std::cerr << ("tempfile: warning: " + text + ": " +
                std::error_code(err, std::system_category()).message() + '\n')
            << std::flush;
}

std::optional<std::string> environment(const char* name) {
  // Read-only use of the environment; a test program that calls setenv on another thread at the
  // same time is already racing with every getenv in libc.
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

/// flock, retried on EINTR (a signal handler of the test program may interrupt a blocking wait).
int lock_file(int fd, int operation) noexcept {
  int result = 0;
  do {
    result = ::flock(fd, operation);
  } while (result != 0 && errno == EINTR);
  return result == 0 ? 0 : errno;
}

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string sanitise(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return !is_name_char(c); }, '_');
  return out;
}

/// FNV-1a: a stable short hash, the same in every process and on every platform, so that a cut
/// name is the same from run to run.
std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t hash = 2166136261U;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619U;
  }
  return hash;
}

std::string directory_name(std::string_view full_name) {
  std::string name = sanitise(full_name);
  if (name.size() > max_name_length) {
    char suffix[10] = {};
    static_cast<void>(std::snprintf(suffix, sizeof suffix, "-%08x", fnv1a(full_name)));
    name = name.substr(0, max_name_length - 9) + suffix;
  }
  return name;
}

std::string user_name() {
  const uid_t uid = ::geteuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int err = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
  if (err == 0 && found != nullptr && found->pw_name != nullptr && *found->pw_name != '\0') {
    return sanitise(found->pw_name);
  }
  // No passwd entry (a container running under an arbitrary uid): the number is as unique.
  return "uid-" + std::to_string(uid);
}

Keep parse_keep(const std::string& text) {
  if (text == "failed") {
    return Keep::failed;
  }
  if (text == "all") {
    return Keep::all;
  }
  if (text == "none") {
    return Keep::none;
  }
  throw std::invalid_argument("tempfile: TEMPFILE_GTEST_KEEP='" + text +
                              "': expected failed, all or none");
}

int parse_keep_runs(const std::string& text) {
  int value = 0;
  const char* const end = text.data() + text.size();
  const auto [last, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || last != end || value < 0) {
    throw std::invalid_argument("tempfile: TEMPFILE_GTEST_KEEP_RUNS='" + text +
                                "': expected a number of runs (0 or more)");
  }
  return value;
}

/// The run directories' numbers in `base` ("run-<digits>"), unsorted.
std::vector<unsigned long> run_numbers(const fs::path& base) {
  std::vector<unsigned long> numbers;
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("run-", 0) != 0 || name.size() == 4) {
      continue;
    }
    unsigned long number = 0;
    const char* const first = name.data() + 4;
    const char* const last = name.data() + name.size();
    const auto [stop, error] = std::from_chars(first, last, number);
    if (error == std::errc{} && stop == last) {
      numbers.push_back(number);
    }
  }
  if (ec) {
    fail("cannot list the test run directory", base, ec.value());
  }
  return numbers;
}

/// This process's run: its directory and the lock that says it is alive.
struct Run {
  fs::path base;
  fs::path dir;
  /// Locked (flock LOCK_EX) for the process's life: the kernel drops it when the process ends in
  /// any way, SIGKILL included, which is how other runs' pruning tells a live run from a dead one.
  Fd lock;
  pid_t owner = 0;
};

/// The state of the running test.
struct TestState {
  const ::testing::TestInfo* info = nullptr;
  std::string full_name;
  std::string name;
  std::vector<fs::path> dirs;
  std::optional<fs::path> artifacts;
  unsigned counter = 0;
};

struct Registry {
  std::mutex mutex;
  Retention programmatic;
  std::optional<Run> run;
  TestState test;
  bool listener_added = false;
};

Registry& registry() {
  // Never destroyed: the listener may still run while static objects are being destroyed.
  static auto* const instance = new Registry;
  return *instance;
}

Retention effective_retention(const Retention& programmatic) {
  Retention result = programmatic;
  if (const auto keep = environment("TEMPFILE_GTEST_KEEP")) {
    result.keep = parse_keep(*keep);
  }
  if (const auto runs = environment("TEMPFILE_GTEST_KEEP_RUNS")) {
    result.keep_runs = parse_keep_runs(*runs);
  }
  return result;
}

/// Opens <root>/tempfile-of-<user>, making it if needed, and refuses it unless it is a real
/// directory (not a symbolic link), ours, and 0700: in a shared /tmp someone else could have made
/// it first to read or plant our tests' files.
Fd open_base(const fs::path& base) {
  if (::mkdir(base.c_str(), 0700) != 0 && errno != EEXIST) {
    fail("cannot create the test directory root", base, errno);
  }
  const int fd = ::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    struct stat info {};
    if (::lstat(base.c_str(), &info) == 0 && S_ISLNK(info.st_mode)) {
      fail("refusing the test directory root", base, err,
           "it is a symbolic link (someone else may have made it: remove it)");
    }
    fail("cannot open the test directory root", base, err);
  }
  Fd owned(fd);
  struct stat info {};
  if (::fstat(owned.get(), &info) != 0) {
    fail("cannot stat the test directory root", base, errno);
  }
  if (info.st_uid != ::geteuid()) {
    fail("refusing the test directory root", base, EPERM,
         "it is owned by uid " + std::to_string(info.st_uid) + ", not by us (uid " +
             std::to_string(::geteuid()) + "): remove it");
  }
  if ((info.st_mode & 07777) != 0700) {
    char mode[8] = {};
    static_cast<void>(std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777U));
    fail("refusing the test directory root", base, EPERM,
         std::string("its mode is ") + mode + ", not 0700: chmod 0700 it or remove it");
  }
  return owned;
}

/// Points <base>/current at `run` by renaming a fresh symbolic link over it, so that a reader
/// never sees it missing. Only a convenience: a failure is reported, not fatal.
void update_current(int base_fd, const fs::path& base, const std::string& run) {
  const std::string temporary = ".current-" + std::to_string(::getpid());
  if (::unlinkat(base_fd, temporary.c_str(), 0) != 0 && errno != ENOENT) {
    const int err = errno;
    warn("cannot remove " + (base / temporary).string(), err);
    return;
  }
  if (::symlinkat(run.c_str(), base_fd, temporary.c_str()) != 0) {
    const int err = errno;
    warn("cannot create " + (base / temporary).string(), err);
    return;
  }
  if (::renameat(base_fd, temporary.c_str(), base_fd, "current") != 0) {
    const int err = errno;
    warn("cannot update " + (base / "current").string(), err);
    if (::unlinkat(base_fd, temporary.c_str(), 0) != 0) {
      warn("cannot remove " + (base / temporary).string(), errno);
    }
  }
}

/// Removes the runs beyond the newest `keep_runs`, except ours and those whose lock is held.
/// Called with the root's lock held, so no run is being created meanwhile.
void prune(int base_fd, const fs::path& base, std::vector<unsigned long> numbers,
           unsigned long ours, int keep_runs) {
  std::sort(numbers.begin(), numbers.end(), std::greater<>());
  const std::size_t keep = static_cast<std::size_t>(std::max(keep_runs, 1));
  for (std::size_t i = keep; i < numbers.size(); ++i) {
    if (numbers[i] == ours) {
      continue;
    }
    const std::string name = "run-" + std::to_string(numbers[i]);
    const std::string lock_name = name + "/.lock";
    Fd lock(::openat(base_fd, lock_name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!lock.valid() && errno != ENOENT) {
      const int err = errno;
      warn("not pruning " + (base / name).string(), err);
      continue;
    }
    if (lock.valid()) {
      const int err = lock_file(lock.get(), LOCK_EX | LOCK_NB);
      if (err == EWOULDBLOCK) {
        continue;  // its process is alive
      }
      if (err != 0) {
        warn("not pruning " + (base / name).string(), err);
        continue;
      }
    }
    try {
      tempfile::rmtree(base / name);
    } catch (const std::exception& e) {
      std::cerr << (std::string("tempfile: warning: pruning an old run: ") + e.what() + '\n')
                << std::flush;
    }
  }
}

Run make_run(const Retention& retention) {
  fs::path root;
  if (const auto bazel = environment("TEST_TMPDIR")) {
    root = fs::absolute(*bazel);
  } else {
    root = tempfile::gettempdir();
  }
  Run run;
  run.base = root / ("tempfile-of-" + user_name());
  const Fd base = open_base(run.base);

  // Creating a run and pruning happen under one lock on the root, so a pruner never sees a run
  // that exists but is not locked yet.
  const Fd root_lock(
      ::openat(base.get(), ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!root_lock.valid()) {
    const int err = errno;  // read before the path below is built
    fail("cannot open", run.base / ".lock", err);
  }
  if (const int err = lock_file(root_lock.get(), LOCK_EX); err != 0) {
    fail("cannot lock", run.base / ".lock", err);
  }

  std::vector<unsigned long> numbers = run_numbers(run.base);
  unsigned long number =
      numbers.empty() ? 1 : *std::max_element(numbers.begin(), numbers.end()) + 1;
  std::string name;
  // mkdir is atomic: of processes that reach the same number only one succeeds; the others take
  // the next. (Under the root's lock this only matters for a cooperating process that ignores it.)
  for (int attempt = 0;; ++attempt, ++number) {
    name = "run-" + std::to_string(number);
    if (::mkdirat(base.get(), name.c_str(), 0700) == 0) {
      break;
    }
    if (const int err = errno; err != EEXIST || attempt >= 10000) {
      fail("cannot create a test run directory", run.base / name, err);
    }
  }
  run.dir = run.base / name;
  const std::string lock_name = name + "/.lock";
  run.lock = Fd(::openat(base.get(), lock_name.c_str(),
                         O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!run.lock.valid()) {
    const int err = errno;  // read before the path below is built
    fail("cannot create", run.dir / ".lock", err);
  }
  if (const int err = lock_file(run.lock.get(), LOCK_EX | LOCK_NB); err != 0) {
    fail("cannot lock", run.dir / ".lock", err);
  }
  run.owner = ::getpid();
  update_current(base.get(), run.base, name);
  numbers.push_back(number);
  prune(base.get(), run.base, std::move(numbers), number, retention.keep_runs);
  return run;
}

void finish_test(const ::testing::TestInfo& info);

class Listener : public ::testing::EmptyTestEventListener {
 public:
  // OnTestEnd runs after TearDown and the fixture's destructor, with the test's result final,
  // and while the test is still the current one: a failure added here is the test's.
  void OnTestEnd(const ::testing::TestInfo& info) override { finish_test(info); }
};

/// Takes the registry's lock, makes the run if needed and resets the state for a new test.
/// Returns the current test's state.
TestState& current_test(Registry& reg) {
  const ::testing::TestInfo* const info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) {
    throw std::logic_error(
        "tempfile::gtest: tmp_path(), new_tmp_path() and artifact_dir() need a running test");
  }
  if (!reg.listener_added) {
    // Appended after GoogleTest's printers, so its OnTestEnd runs before theirs (end events go
    // to listeners in reverse order): a cleanup failure is printed and counted with the test.
    ::testing::UnitTest::GetInstance()->listeners().Append(new Listener);
    reg.listener_added = true;
  }
  if (!reg.run) {
    reg.run = make_run(effective_retention(reg.programmatic));
  }
  if (reg.test.info != info) {
    reg.test = TestState{};
    reg.test.info = info;
    reg.test.full_name = std::string(info->test_suite_name()) + "." + info->name();
    reg.test.name = directory_name(reg.test.full_name);
  }
  return reg.test;
}

fs::path make_test_dir(bool numbered) {
  Registry& reg = registry();
  const std::lock_guard<std::mutex> guard(reg.mutex);
  TestState& test = current_test(reg);
  if (!numbered && !test.dirs.empty()) {
    return test.dirs.front();
  }
  fs::path dir = reg.run->dir / test.name;
  // The first directory takes the bare name; if it exists (--gtest_repeat, or two names that
  // sanitise alike) it is numbered like new_tmp_path()'s.
  bool made = !numbered && ::mkdir(dir.c_str(), 0700) == 0;
  if (!numbered && !made && errno != EEXIST) {
    fail("cannot create the test directory", dir, errno);
  }
  while (!made) {
    char suffix[16] = {};
    static_cast<void>(std::snprintf(suffix, sizeof suffix, "-%03u", ++test.counter));
    dir = reg.run->dir / (test.name + suffix);
    made = ::mkdir(dir.c_str(), 0700) == 0;
    if (!made && (errno != EEXIST || test.counter >= 100000)) {
      fail("cannot create the test directory", dir, errno);
    }
  }
  const std::string key =
      test.dirs.empty() ? std::string("tmp_path") : "tmp_path." + std::to_string(test.dirs.size());
  test.dirs.push_back(dir);
  ::testing::Test::RecordProperty(key, dir.string());
  return dir;
}

void report(const std::string& message) {
  // One write per line, so that lines of parallel test processes sharing a terminal or a log do
  // not interleave mid-line.
  std::cerr << (message + '\n') << std::flush;
}

void finish_test(const ::testing::TestInfo& info) {
  Registry& reg = registry();
  std::vector<std::string> failures;
  {
    const std::lock_guard<std::mutex> guard(reg.mutex);
    TestState test = std::exchange(reg.test, TestState{});
    // A forked child (a death test) shares the run but owns none of its tests' directories.
    if (test.info != &info || !reg.run || reg.run->owner != ::getpid()) {
      return;
    }
    const ::testing::TestResult& result = *info.result();
    const bool passed = !result.Failed();
    const char* const outcome = !passed ? "failed" : result.Skipped() ? "skipped" : "passed";
    Keep keep = Keep::failed;
    try {
      keep = effective_retention(reg.programmatic).keep;
    } catch (const std::invalid_argument& e) {
      failures.emplace_back(std::string(e.what()) + " (keeping the directories of " +
                            test.full_name + ")");
      keep = Keep::all;
    }
    const bool kept = keep == Keep::all || (keep == Keep::failed && !passed);
    for (const fs::path& dir : test.dirs) {
      if (kept) {
        report("tempfile: kept " + dir.string() + " for " + outcome + " test " + test.full_name);
        continue;
      }
      struct stat status {};
      if (::lstat(dir.c_str(), &status) != 0 && errno == ENOENT) {
        continue;  // the test removed it itself
      }
      try {
        tempfile::rmtree(dir);
      } catch (const std::exception& e) {
        failures.emplace_back(std::string("tempfile: could not remove the directory of test ") +
                              test.full_name + ": " + e.what());
        // The failure added below fails the test, so the line says so already.
        report("tempfile: kept " + dir.string() + " for failed test " + test.full_name +
               " (its removal failed)");
      }
    }
    if (test.artifacts) {
      report("tempfile: artifacts of " + test.full_name + " in " + test.artifacts->string());
    }
  }
  // Outside the lock: the failure goes through GoogleTest's listeners.
  for (const std::string& failure : failures) {
    ADD_FAILURE() << failure;
  }
}

}  // namespace

void set_retention(const Retention& retention) {
  Registry& reg = registry();
  const std::lock_guard<std::mutex> guard(reg.mutex);
  reg.programmatic = retention;
}

Retention retention() {
  Registry& reg = registry();
  const std::lock_guard<std::mutex> guard(reg.mutex);
  return effective_retention(reg.programmatic);
}

fs::path tmp_path() {
  return make_test_dir(false);
}

fs::path new_tmp_path() {
  // The first call of a test may be this one: the bare name is tmp_path()'s, made first.
  static_cast<void>(make_test_dir(false));
  return make_test_dir(true);
}

fs::path artifact_dir() {
  Registry& reg = registry();
  const std::lock_guard<std::mutex> guard(reg.mutex);
  TestState& test = current_test(reg);
  if (test.artifacts) {
    return *test.artifacts;
  }
  const fs::path parent = reg.run->dir / "artifacts";
  if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
    fail("cannot create the artifacts directory", parent, errno);
  }
  fs::path dir = parent / test.name;
  // Reused by a repeated test (--gtest_repeat): artifacts accumulate, as a log would.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    fail("cannot create the artifacts directory", dir, errno);
  }
  test.artifacts = dir;
  ::testing::Test::RecordProperty("artifact_dir", dir.string());
  return dir;
}

fs::path run_dir() {
  Registry& reg = registry();
  const std::lock_guard<std::mutex> guard(reg.mutex);
  if (!reg.run) {
    reg.run = make_run(effective_retention(reg.programmatic));
  }
  return reg.run->dir;
}

}  // namespace tempfile::gtest
