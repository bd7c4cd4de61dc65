// SPDX-License-Identifier: MIT
// tempfile::gtest: per-test directories under a locked per-run root, kept or removed by a listener.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <new>
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
// Header only: the fork handlers of the registry's lock.
#include "os/fork_handlers.hpp"
// The system's part (the user's name, the root's checks, the locks, the `current` link): POSIX
// and Windows implementations, compiled into this library.
#include "os/test_runs.hpp"

namespace tempfile::gtest {
namespace {

namespace fs = std::filesystem;

/// Test directory names are cut to this many characters (a hash of the full name then ends them),
/// so that deep parameterised names stay well inside NAME_MAX with room for "-001".
constexpr std::size_t max_name_length = 60;

namespace test_runs = tempfile::os::test_runs;

// The OS layer's errors are errno values (std::generic_category) on every system.
[[noreturn]] void fail(const std::string& action, const fs::path& path, int err,
                       const std::string& detail = {}) {
  throw tempfile::error(action, path, std::error_code(err, std::generic_category()), detail);
}

/// A warning on stderr for what is only a convenience (the `current` link, pruning old runs).
void warn(const std::string& text, int err) {
  std::cerr << ("tempfile: warning: " + text + ": " +
                std::error_code(err, std::generic_category()).message() + '\n')
            << std::flush;
}

/// A path as the OS layer takes it and as it is printed and recorded: UTF-8 on every system (a
/// Windows path is UTF-16 inside, and its narrow string() would be in the ANSI code page).
std::string utf8(const fs::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

fs::path from_utf8(const std::string& text) {
  return {std::u8string(text.begin(), text.end())};
}

std::optional<std::string> environment(const char* name) {
  return test_runs::environment_variable(name);
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
  return sanitise(test_runs::user_name());
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
  /// Locked (flock LOCK_EX; LockFileEx on Windows) for the process's life: the system drops it
  /// when the process ends in any way, SIGKILL and TerminateProcess included, which is how other
  /// runs' pruning tells a live run from a dead one.
  test_runs::Held lock;
  long owner = 0;
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
  Retention programmatic;
  std::optional<Run> run;
  TestState test;
  bool listener_added = false;
};

// The registry's lock is held across fork() (a death test forks, and so may a test's own
// threads): a child must never inherit it held by a thread it does not have. Outside the
// registry, so that a child that takes it over (inherited held all the same, from a fork() that
// ran no handlers) can make the registry anew in place: the copy may be half changed, and its
// memory is left alone. Keyed by the fixture's own process id (os/test_runs.hpp): the
// library's is internal to it.
pid_t registry_process_id() noexcept {
  return static_cast<pid_t>(test_runs::process_id());
}
using RegistryProcessLock = tempfile::os::BasicProcessLock<&registry_process_id>;
constinit RegistryProcessLock registry_lock;

Registry& registry() {
  // Never destroyed: the listener may still run while static objects are being destroyed.
  // std::call_once, not a function-local static: a fork() while another thread makes it would
  // leave a static's guard locked in the child forever; glibc's pthread_once starts over there.
  static std::once_flag once;
  static Registry* instance = nullptr;
  std::call_once(once, [] { instance = new Registry; });
  return *instance;
}

RegistryProcessLock& the_registry_lock() noexcept {
  return registry_lock;
}

// Every caller of lock_registry() has made the registry (registry()) first, so this neither
// allocates nor throws.
void forget_registry() noexcept {
  new (&registry()) Registry();
}

using RegistryLock = tempfile::os::LockHeldAcrossFork<&the_registry_lock, &forget_registry>;

std::unique_lock<RegistryProcessLock> lock_registry() {
  std::unique_lock<RegistryProcessLock> held;
  if (const int err = RegistryLock::lock(held); err != 0) {
    throw std::system_error(err, std::generic_category(),
                            "tempfile::gtest: cannot register the registry's fork handlers");
  }
  return held;
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
/// directory (not a symbolic link), and on POSIX ours and 0700: in a shared /tmp someone else
/// could have made it first to read or plant our tests' files.
test_runs::Root open_base(const fs::path& base) {
  test_runs::Root root;
  std::string refusal;
  const char* step = "open";
  if (const int err = test_runs::open_root(utf8(base), root, refusal, step); err != 0) {
    if (!refusal.empty()) {
      fail("refusing the test directory root", base, err, refusal);
    }
    fail(std::string("cannot ") + step + " the test directory root", base, err);
  }
  return root;
}

/// Points <base>/current at `run`. Only a convenience: a failure is reported, not fatal, and
/// where the system lets no link be made (Windows without the privilege) there is none, quietly,
/// as with pytest.
void update_current(const test_runs::Root& base, const std::string& run) {
  std::string failed_path;
  const int err = test_runs::point_current(base, run, failed_path);
  if (err != 0 && err != ENOTSUP) {
    warn("cannot update " + failed_path, err);
  }
}

/// Removes the runs beyond the newest `keep_runs`, except ours and those whose lock is held.
/// Called with the root's lock held, so no run is being created meanwhile.
void prune(const test_runs::Root& base, std::vector<unsigned long> numbers, unsigned long ours,
           int keep_runs) {
  std::sort(numbers.begin(), numbers.end(), std::greater<>());
  const std::size_t keep = static_cast<std::size_t>(std::max(keep_runs, 1));
  const fs::path base_path = from_utf8(base.path);
  for (std::size_t i = keep; i < numbers.size(); ++i) {
    if (numbers[i] == ours) {
      continue;
    }
    const std::string name = "run-" + std::to_string(numbers[i]);
    const int err = test_runs::probe_run(base, name);
    if (err == EWOULDBLOCK) {
      continue;  // its process is alive
    }
    if (err != 0 && err != ENOENT) {
      warn("not pruning " + utf8(base_path / name), err);
      continue;
    }
    try {
      tempfile::rmtree(base_path / name);
    } catch (const std::exception& e) {
      std::cerr << (std::string("tempfile: warning: pruning an old run: ") + e.what() + '\n')
                << std::flush;
    }
  }
}

Run make_run(const Retention& retention) {
  fs::path root;
  if (const auto bazel = environment("TEST_TMPDIR")) {
    root = fs::absolute(from_utf8(*bazel));
  } else {
    root = tempfile::gettempdir();
  }
  Run run;
  run.base = root / ("tempfile-of-" + user_name());
  const test_runs::Root base = open_base(run.base);

  // Creating a run and pruning happen under one lock on the root, so a pruner never sees a run
  // that exists but is not locked yet.
  test_runs::Held root_lock;
  if (const int err = test_runs::lock_root(base, root_lock); err != 0) {
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
    const int err = test_runs::make_run_directory(base, name);
    if (err == 0) {
      break;
    }
    if (err != EEXIST || attempt >= 10000) {
      fail("cannot create a test run directory", run.base / name, err);
    }
  }
  run.dir = run.base / name;
  if (const int err = test_runs::lock_run(base, name, run.lock); err != 0) {
    fail("cannot lock", run.dir / ".lock", err);
  }
  run.owner = test_runs::process_id();
  update_current(base, name);
  numbers.push_back(number);
  prune(base, std::move(numbers), number, retention.keep_runs);
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
  const std::unique_lock<RegistryProcessLock> guard = lock_registry();
  TestState& test = current_test(reg);
  if (!numbered && !test.dirs.empty()) {
    return test.dirs.front();
  }
  fs::path dir = reg.run->dir / test.name;
  // The first directory takes the bare name; if it exists (--gtest_repeat, or two names that
  // sanitise alike) it is numbered like new_tmp_path()'s.
  int err = numbered ? EEXIST : test_runs::make_directory(utf8(dir));
  if (err != 0 && err != EEXIST) {
    fail("cannot create the test directory", dir, err);
  }
  while (err != 0) {
    char suffix[16] = {};
    static_cast<void>(std::snprintf(suffix, sizeof suffix, "-%03u", ++test.counter));
    dir = reg.run->dir / (test.name + suffix);
    err = test_runs::make_directory(utf8(dir));
    if (err != 0 && (err != EEXIST || test.counter >= 100000)) {
      fail("cannot create the test directory", dir, err);
    }
  }
  const std::string key =
      test.dirs.empty() ? std::string("tmp_path") : "tmp_path." + std::to_string(test.dirs.size());
  test.dirs.push_back(dir);
  ::testing::Test::RecordProperty(key, utf8(dir));
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
    const std::unique_lock<RegistryProcessLock> guard = lock_registry();
    TestState test = std::exchange(reg.test, TestState{});
    // A forked child (a death test) shares the run but owns none of its tests' directories.
    if (test.info != &info || !reg.run || reg.run->owner != test_runs::process_id()) {
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
        report("tempfile: kept " + utf8(dir) + " for " + outcome + " test " + test.full_name);
        continue;
      }
      std::error_code status_error;
      if (fs::symlink_status(dir, status_error).type() == fs::file_type::not_found) {
        continue;  // the test removed it itself
      }
      try {
        tempfile::rmtree(dir);
      } catch (const std::exception& e) {
        failures.emplace_back(std::string("tempfile: could not remove the directory of test ") +
                              test.full_name + ": " + e.what());
        // The failure added below fails the test, so the line says so already.
        report("tempfile: kept " + utf8(dir) + " for failed test " + test.full_name +
               " (its removal failed)");
      }
    }
    if (test.artifacts) {
      report("tempfile: artifacts of " + test.full_name + " in " + utf8(*test.artifacts));
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
  const std::unique_lock<RegistryProcessLock> guard = lock_registry();
  reg.programmatic = retention;
}

Retention retention() {
  Registry& reg = registry();
  const std::unique_lock<RegistryProcessLock> guard = lock_registry();
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
  const std::unique_lock<RegistryProcessLock> guard = lock_registry();
  TestState& test = current_test(reg);
  if (test.artifacts) {
    return *test.artifacts;
  }
  const fs::path parent = reg.run->dir / "artifacts";
  if (const int err = test_runs::make_directory(utf8(parent)); err != 0 && err != EEXIST) {
    fail("cannot create the artifacts directory", parent, err);
  }
  fs::path dir = parent / test.name;
  // Reused by a repeated test (--gtest_repeat): artifacts accumulate, as a log would.
  if (const int err = test_runs::make_directory(utf8(dir)); err != 0 && err != EEXIST) {
    fail("cannot create the artifacts directory", dir, err);
  }
  test.artifacts = dir;
  ::testing::Test::RecordProperty("artifact_dir", utf8(dir));
  return dir;
}

fs::path run_dir() {
  Registry& reg = registry();
  const std::unique_lock<RegistryProcessLock> guard = lock_registry();
  if (!reg.run) {
    reg.run = make_run(effective_retention(reg.programmatic));
  }
  return reg.run->dir;
}

}  // namespace tempfile::gtest
