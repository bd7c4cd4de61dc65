// SPDX-License-Identifier: MIT
// security.md A7, D4 and E1 by errno injection: strace makes one system call of the library
// fail (`-e inject=<call>:error=<errno>:when=<n>`) while catalogue_driver creates, writes,
// reads and closes one object of each kind. The driver marks where the library's work begins
// and ends, so a calibration run counts the calls of each kind in that region and the sweep
// fails each one in turn. After every failure: success or a tempfile::error with the injected
// errno, no descriptor left open, nothing left in the directory. (Injection cannot shorten a
// write without losing the bytes, so real partial writes are in catalogue_creation_test.)
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "harness.hpp"
#include "support/scratch.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using catalogue::run_program;
using catalogue::value_of;

// One traced system call as strace's log shows it.
struct Call {
  std::string name;
  std::string line;
  bool injected = false;
  bool sanitizer = false;  // made by a sanitizer runtime, not by the library (below)
};

// The first argument of a call as strace printed it ("3" for close(3)).
std::string first_argument(const std::string& line) {
  const std::size_t open = line.find('(');
  const std::size_t end = line.find_first_of(",)", open);
  return open == std::string::npos ? "" : line.substr(open + 1, end - open - 1);
}

// The calls of the marked region(s), with each call's ordinal among all calls of its name in
// the whole process (the `when=` strace counts).
struct Trace {
  std::vector<Call> region;
  std::vector<int> ordinal;  // parallel to region
  bool saw_markers = false;
};

Trace parse_trace(const std::string& log) {
  static const std::regex call_line(R"(^(?:\d+\s+)?([a-z_0-9]+)\()");
  Trace trace;
  std::map<std::string, int> seen;
  std::set<std::string> sanitizer_pipes;
  bool inside = false;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_search(line, match, call_line)) {
      continue;  // signals, exits, "resumed" halves
    }
    const std::string name = match[1];
    if (line.find("/tempfile-catalogue-begin") != std::string::npos) {
      inside = true;
      trace.saw_markers = true;
      continue;
    }
    if (line.find("/tempfile-catalogue-end") != std::string::npos) {
      inside = false;
      continue;
    }
    const int ordinal = ++seen[name];
    if (!inside) {
      continue;
    }
    // UBSan's vptr check probes memory by writing it to a pipe of its own (pipe2, write,
    // close) on a type-cache miss: those calls are not the library's, and failing them only
    // trips the runtime's own CHECK.
    static const std::regex pipe_line(R"(pipe2\(\[(\d+), (\d+)\])");
    if (std::smatch pipe; name == "pipe2" && std::regex_search(line, pipe, pipe_line)) {
      sanitizer_pipes.insert(pipe[1]);
      sanitizer_pipes.insert(pipe[2]);
    }
    const bool sanitizer =
        name == "pipe2" || ((name == "write" || name == "read" || name == "close") &&
                            sanitizer_pipes.count(first_argument(line)) != 0);
    if (name == "close") {
      sanitizer_pipes.erase(first_argument(line));
    }
    trace.region.push_back({name, line, line.find("(INJECTED)") != std::string::npos, sanitizer});
    trace.ordinal.push_back(ordinal);
  }
  return trace;
}

struct InjectedRun {
  catalogue::ProgramRun driver;
  Trace trace;
};

class FaultInjectionTest : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    const catalogue::ProgramRun probe =
        run_program({"strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=none", "true"});
    if (probe.status != 0) {
      GTEST_SKIP() << "strace cannot trace here (missing, or ptrace refused): status "
                   << probe.status;
    }
    log_ = scratch() / "strace.log";
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove(log_, ec);
    ScratchTest::TearDown();
  }

  // A fresh work directory per run; the caller removes it (force: a failed run may leave some).
  fs::path fresh_dir() {
    const fs::path dir = scratch() / ("work" + std::to_string(runs_++));
    fs::create_directory(dir);
    if (as_nobody_) {
      EXPECT_EQ(::chown(dir.c_str(), 65534, 65534), 0) << std::strerror(errno);
    }
    return dir;
  }

  // Runs `catalogue_driver fault <kind> <dir>` under strace, tracing everything (for the
  // markers and the ordinals), with `inject` ("" for none).
  InjectedRun run_driver(const std::string& kind, const fs::path& dir, const std::string& inject) {
    std::vector<std::string> argv = {"strace", "-f", "-qq", "-o", log_.native()};
    if (!inject.empty()) {
      argv.insert(argv.end(), {"-e", "inject=" + inject});
    }
    argv.insert(argv.end(), {"--", catalogue::driver(), "fault", kind, dir.native()});
    if (!tmpfs_options_.empty()) {
      // In a private mount namespace: a tmpfs over `dir`, then strace and the driver in it.
      std::string command =
          "mount -t tmpfs -o " + tmpfs_options_ + " tmpfs \"$1\" && shift && exec \"$@\"";
      argv.insert(argv.begin(), {"unshare", "-m", "--propagation", "private", "sh", "-c", command,
                                 "sh", dir.native()});
    }
    std::vector<std::string> environment = catalogue::sanitizer_environment();
    if (as_nobody_) {
      environment.emplace_back("TEMPFILE_CATALOGUE_AS_NOBODY=1");
    }
    InjectedRun run;
    run.driver = run_program(argv, environment);
    run.trace = parse_trace(read_log());
    return run;
  }

  std::string read_log() const {
    std::string text;
    if (const int fd = ::open(log_.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
      text = read_to_end(fd);
      ::close(fd);
    }
    return text;
  }

  // Ordinals (strace's `when`) of the region's calls named `name`.
  static std::vector<int> ordinals(const Trace& trace, const std::string& name) {
    std::vector<int> found;
    for (std::size_t i = 0; i < trace.region.size(); ++i) {
      if (trace.region[i].name == name && !trace.region[i].sanitizer) {
        found.push_back(trace.ordinal[i]);
      }
    }
    return found;
  }

  static int count(const Trace& trace, const std::string& name) {
    return static_cast<int>(ordinals(trace, name).size());
  }

  // Ordinals of the region's calls named `name` on a path in `dir` (the creating calls; the
  // portable build also opens /dev/urandom in the region).
  static std::vector<int> ordinals_in(const Trace& trace, const std::string& name,
                                      const fs::path& dir) {
    std::vector<int> found;
    for (std::size_t i = 0; i < trace.region.size(); ++i) {
      const Call& call = trace.region[i];
      if (call.name == name && !call.sanitizer &&
          call.line.find("\"" + dir.native()) != std::string::npos) {
        found.push_back(trace.ordinal[i]);
      }
    }
    return found;
  }

  static int count_in(const Trace& trace, const std::string& name, const fs::path& dir) {
    return static_cast<int>(ordinals_in(trace, name, dir).size());
  }

  // The region's writes, whichever call makes them (write, writev, or pwrite64 for a file
  // only this object reaches), as (name, ordinal).
  static std::vector<std::pair<std::string, int>> writes(const Trace& trace) {
    std::vector<std::pair<std::string, int>> found;
    for (std::size_t i = 0; i < trace.region.size(); ++i) {
      const std::string& name = trace.region[i].name;
      if ((name == "write" || name == "writev" || name == "pwrite64") &&
          !trace.region[i].sanitizer) {
        found.emplace_back(name, trace.ordinal[i]);
      }
    }
    return found;
  }

  fs::path log_;
  int runs_ = 0;
  bool as_nobody_ = false;
  std::string tmpfs_options_;  // non-empty: run_driver mounts a tmpfs with these on the dir
};

// The errnos each system call is failed with in the sweep: what a real fault of that call
// would most likely give, then EINTR (a signal arriving during the call).
const std::map<std::string, std::vector<int>>& sweep_errnos() {
  static const std::map<std::string, std::vector<int>> errnos = {
      {"openat", {EIO, EMFILE, ENOSPC}},
      {"mkdirat", {EDQUOT, ENOSPC}},
      {"mkdir", {EDQUOT}},
      {"write", {ENOSPC, EIO}},
      {"writev", {ENOSPC, EIO}},
      {"pwrite64", {ENOSPC, EIO}},
      {"fsync", {EIO}},
      {"fdatasync", {EIO}},
      {"unlinkat", {EIO, EBUSY}},
      {"unlink", {EIO}},
      {"rmdir", {EIO}},
      {"fchmod", {EPERM}},
      {"fchmodat", {EPERM}},
      {"close", {EIO}},
      {"getrandom", {ENOSYS, EAGAIN}},
      {"flock", {ENOLCK}},
      {"getdents64", {EIO}},
      {"ftruncate", {EIO}},
      {"lseek", {EIO}},
      {"read", {EIO}},
      {"pread64", {EIO}},
      {"newfstatat", {EIO}},
      {"fstat", {EIO}},
      {"statx", {EIO}},
      {"memfd_create", {EMFILE}},
      {"fcntl", {EIO}},
      {"dup", {EMFILE}},
      {"renameat2", {EIO}},
  };
  return errnos;
}

// Calls a signal can really interrupt: EINTR from them must be retried, never reported.
bool must_retry_eintr(const std::string& syscall) {
  static const std::set<std::string> interruptible = {
      "openat", "write", "writev", "pwrite64", "read", "pread64", "flock", "close", "fsync"};
  return interruptible.count(syscall) != 0;
}

// What a run must show whatever was injected ("" when it did). When a close(2) was failed,
// strace skipped the call, so that one descriptor really stays open, although Linux frees a
// descriptor whatever close returns: an artefact of the injection, not a leak.
std::string judge(const InjectedRun& run, int injected_errno, const std::string& syscall) {
  std::ostringstream problems;
  if (run.driver.status != 0) {
    problems << "driver ended with status " << run.driver.status << "; ";
  }
  const std::string outcome = value_of(run.driver.output, "outcome").value_or("(none)");
  const bool ok = outcome == "ok";
  const std::string errno_text = "error errno=" + std::to_string(injected_errno) + " ";
  // A failed permission fix-up leaves the removal's own EACCES to report, naming the entry.
  const bool fixup_failed =
      syscall == "fchmod" && outcome.rfind("error errno=" + std::to_string(EACCES) + " ", 0) == 0;
  if (!ok && outcome.rfind(errno_text, 0) != 0 && !fixup_failed) {
    problems << "outcome is neither ok nor the injected errno: " << outcome << "; ";
  }
  if (!ok && injected_errno == EINTR && must_retry_eintr(syscall)) {
    problems << "EINTR was reported instead of retried: " << outcome << "; ";
  }
  std::string leaked = value_of(run.driver.output, "leaked").value_or("?");
  if (syscall == "close") {
    for (const Call& call : run.trace.region) {
      if (call.injected && leaked == first_argument(call.line)) {
        leaked.clear();  // the descriptor whose close strace skipped
      }
    }
  }
  if (!leaked.empty()) {
    problems << "descriptors left open: " << leaked << "; ";
  }
  const std::string entries = value_of(run.driver.output, "entries").value_or("?");
  // A removal that failed is reported and leaves its entry (as CPython under the same EIO). So
  // does a failed identity check just before it: a name that cannot be proven ours is left.
  const bool identity_check_failed = (syscall == "statx" || syscall == "newfstatat") &&
                                     outcome.find("cannot remove") != std::string::npos;
  const bool removal_failed = !ok && (syscall == "unlinkat" || syscall == "unlink" ||
                                      syscall == "rmdir" || identity_check_failed);
  if (!entries.empty() && !removal_failed) {
    problems << "entries left: " << entries << "; ";
  }
  return problems.str();
}

struct SweepCase {
  std::string kind;
  bool as_nobody;
};

void PrintTo(const SweepCase& sweep, std::ostream* out) {
  *out << sweep.kind << (sweep.as_nobody ? " as uid 65534" : "");
}

class FaultSweepTest : public FaultInjectionTest,
                       public ::testing::WithParamInterface<SweepCase> {};

// D4: every system call the library makes for one object's life, failed in turn.
TEST_P(FaultSweepTest, D4_EveryInjectedFailureEndsCleanly) {
  const SweepCase sweep = GetParam();
  if (sweep.as_nobody) {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "the non-root variant exists to make a root run take the fchmod path";
    }
    as_nobody_ = true;
    ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  }
  const fs::path calibration_dir = fresh_dir();
  const InjectedRun calibration = run_driver(sweep.kind, calibration_dir, "");
  force_remove_all(calibration_dir);
  ASSERT_EQ(calibration.driver.status, 0) << calibration.driver.output;
  ASSERT_TRUE(calibration.trace.saw_markers) << read_log();
  ASSERT_EQ(value_of(calibration.driver.output, "outcome"), "ok") << calibration.driver.output;
  ASSERT_EQ(judge(calibration, 0, ""), "");

  std::map<std::string, int> counts;
  for (const Call& call : calibration.trace.region) {
    counts[call.name] += call.sanitizer ? 0 : 1;
  }
  std::string calibrated;
  for (const auto& [name, n] : counts) {
    calibrated += " " + name + "=" + std::to_string(n);
  }
  RecordProperty("calls_in_region", calibrated);

  int injections = 0;
  std::vector<std::string> failures;
  for (const auto& [syscall, listed_errnos] : sweep_errnos()) {
    std::vector<int> error_numbers = listed_errnos;
    error_numbers.push_back(EINTR);
    for (const int error_number : error_numbers) {
      for (const int when : ordinals(calibration.trace, syscall)) {
        const fs::path dir = fresh_dir();
        const std::string inject =
            syscall + ":error=" + std::to_string(error_number) + ":when=" + std::to_string(when);
        const InjectedRun run = run_driver(sweep.kind, dir, inject);
        force_remove_all(dir);
        ++injections;
        int landed = 0;
        for (const Call& call : run.trace.region) {
          landed += call.injected ? 1 : 0;
        }
        std::string problems = judge(run, error_number, syscall);
        if (landed != 1) {
          problems += "the injection landed " + std::to_string(landed) + " times in the region; ";
        }
        if (!problems.empty()) {
          failures.push_back(inject + ": " + problems + "\n  driver said: " + run.driver.output);
        }
      }
    }
  }
  RecordProperty("injections", injections);
  EXPECT_GE(injections, 3) << "calibrated calls:" << calibrated;
  EXPECT_THAT(failures, ::testing::IsEmpty()) << "calibrated calls:" << calibrated;
  // The non-root variant is there for the permission fix-up: it must have been failed too.
  if (sweep.as_nobody) {
    EXPECT_GT(counts["fchmod"], 0) << "calibrated calls:" << calibrated;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryKind, FaultSweepTest,
                         ::testing::Values(SweepCase{"mkstemp", false}, SweepCase{"mkdtemp", false},
                                           SweepCase{"temporary_file", false},
                                           SweepCase{"named", false}, SweepCase{"spooled", false},
                                           SweepCase{"spooled_memfd", false},
                                           SweepCase{"temporary_directory", false},
                                           SweepCase{"temporary_directory", true}),
                         [](const ::testing::TestParamInfo<SweepCase>& param_info) {
                           return param_info.param.kind +
                                  (param_info.param.as_nobody ? "_as_nobody" : "");
                         });

// A7: EDQUOT (no real file system here can give it) and EIO on the creating call end creation
// after exactly that one call, with the errno and the directory; TemporaryFile does not retry
// through the named fallback (CPython's does, on any OSError).
TEST_F(FaultInjectionTest, A7_EdquotAndEioOnCreateFailAfterOneAttempt) {
  const std::vector<std::pair<std::string, std::string>> creators = {
      {"mkstemp", "openat"}, {"mkdtemp", "mkdirat"}, {"temporary_file", "openat"},
      {"named", "openat"},   {"spooled", "openat"},  {"temporary_directory", "mkdirat"}};
  for (const auto& [kind, creating_call] : creators) {
    for (const int error_number : {EDQUOT, EIO}) {
      SCOPED_TRACE(kind + " " + creating_call + " " + std::strerror(error_number));
      const fs::path calibration_dir = fresh_dir();
      const InjectedRun calibration = run_driver(kind, calibration_dir, "");
      force_remove_all(calibration_dir);
      const std::vector<int> calls = ordinals_in(calibration.trace, creating_call, calibration_dir);
      ASSERT_FALSE(calls.empty()) << "no " << creating_call << " in the region";
      // The spooled file's only openat is its rollover's; the others' first is the creation.
      const fs::path dir = fresh_dir();
      const InjectedRun run = run_driver(kind, dir,
                                         creating_call + ":error=" + std::to_string(error_number) +
                                             ":when=" + std::to_string(calls.front()));
      force_remove_all(dir);
      EXPECT_EQ(run.driver.status, 0) << run.driver.output;
      const std::string outcome = value_of(run.driver.output, "outcome").value_or("");
      EXPECT_THAT(outcome, ::testing::StartsWith("error errno=" + std::to_string(error_number) +
                                                 " path1=" + dir.native() + " "));
      EXPECT_THAT(outcome, ::testing::HasSubstr("'" + dir.native() + "'"));
      EXPECT_THAT(outcome, ::testing::HasSubstr(std::strerror(error_number)));
      EXPECT_EQ(count_in(run.trace, creating_call, dir), 1) << "the failed creation was retried";
      EXPECT_EQ(value_of(run.driver.output, "leaked"), "");
      EXPECT_EQ(value_of(run.driver.output, "entries"), "");
    }
  }
}

// A7 for the objects, with real causes: a missing directory (ENOENT), a regular file given as
// the directory (ENOTDIR) and, as uid 65534, a directory nobody may write (EACCES). Counted by
// strace: exactly one creating call, then the errno and the directory in the error.
TEST_F(FaultInjectionTest, A7_RealErrorsEndEveryObjectsCreationAfterOneCall) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path missing = scratch() / "missing";
  const fs::path regular = scratch() / "regular";
  write_file(regular, "not a directory");
  const fs::path readonly = make_subdir("readonly");
  ASSERT_EQ(::chmod(readonly.c_str(), 0555), 0);
  const std::vector<std::pair<std::string, std::string>> creators = {
      {"mkstemp", "openat"}, {"mkdtemp", "mkdirat"}, {"temporary_file", "openat"},
      {"named", "openat"},   {"spooled", "openat"},  {"temporary_directory", "mkdirat"}};
  const std::vector<std::pair<fs::path, int>> causes = {
      {missing, ENOENT}, {regular, ENOTDIR}, {readonly, EACCES}};
  for (const auto& [dir, error_number] : causes) {
    as_nobody_ = error_number == EACCES && permissions_are_bypassed();
    for (const auto& [kind, creating_call] : creators) {
      SCOPED_TRACE(kind + " in " + dir.native());
      const InjectedRun run = run_driver(kind, dir, "");
      EXPECT_EQ(run.driver.status, 0) << run.driver.output;
      const std::string outcome = value_of(run.driver.output, "outcome").value_or("");
      EXPECT_THAT(outcome, ::testing::StartsWith("error errno=" + std::to_string(error_number) +
                                                 " path1=" + dir.native() + " "));
      EXPECT_EQ(count_in(run.trace, creating_call, dir), 1) << read_log();
      EXPECT_EQ(value_of(run.driver.output, "leaked"), "");
    }
  }
  as_nobody_ = false;
  EXPECT_TRUE(list_dir(readonly).empty());
  EXPECT_TRUE(fs::remove(readonly));
  EXPECT_TRUE(fs::remove(regular));
  EXPECT_FALSE(fs::exists(missing));
}

// A7 and E1 for the objects on real file systems: a read-only tmpfs (EROFS) and a tmpfs whose
// only inode is its root (ENOSPC on every create, O_TMPFILE included), each mounted in a
// private mount namespace. Exactly one creating call, then the errno and the directory.
TEST_F(FaultInjectionTest, A7_ReadOnlyAndFullTmpfsEndEveryObjectsCreationAfterOneCall) {
  const fs::path probe_dir = fresh_dir();
  const catalogue::ProgramRun probe =
      run_program({"unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "tmpfs",
                   probe_dir.native()});
  fs::remove(probe_dir);
  if (probe.status != 0) {
    GTEST_SKIP() << "no private mount namespace with tmpfs here (unshare/mount refused)";
  }
  const std::vector<std::pair<std::string, std::string>> creators = {
      {"mkstemp", "openat"}, {"mkdtemp", "mkdirat"}, {"temporary_file", "openat"},
      {"named", "openat"},   {"spooled", "openat"},  {"temporary_directory", "mkdirat"}};
  const std::vector<std::pair<std::string, int>> file_systems = {{"ro,size=16k", EROFS},
                                                                 {"size=64k,nr_inodes=1", ENOSPC}};
  for (const auto& [options, error_number] : file_systems) {
    tmpfs_options_ = options;
    for (const auto& [kind, creating_call] : creators) {
      SCOPED_TRACE(kind + " on a tmpfs with " + options);
      const fs::path dir = fresh_dir();
      const InjectedRun run = run_driver(kind, dir, "");
      EXPECT_EQ(run.driver.status, 0) << run.driver.output;
      const std::string outcome = value_of(run.driver.output, "outcome").value_or("");
      EXPECT_THAT(outcome, ::testing::StartsWith("error errno=" + std::to_string(error_number) +
                                                 " path1=" + dir.native() + " "));
      EXPECT_EQ(count_in(run.trace, creating_call, dir), 1) << read_log();
      EXPECT_EQ(value_of(run.driver.output, "leaked"), "");
      EXPECT_EQ(value_of(run.driver.output, "entries"), "");
      EXPECT_TRUE(list_dir(dir).empty()) << "the tmpfs reached the host's mounts";
      fs::remove(dir);
    }
  }
  tmpfs_options_.clear();
}

// E1: a write that fails (ENOSPC, EDQUOT, EFBIG, EIO) is reported with that errno and the
// file's name, never as a success (the driver checks every byte it was told was written).
TEST_F(FaultInjectionTest, E1_WriteErrorsCarryTheErrnoAndThePath) {
  for (const std::string kind : {"named", "temporary_file"}) {
    const fs::path calibration_dir = fresh_dir();
    const InjectedRun calibration = run_driver(kind, calibration_dir, "");
    force_remove_all(calibration_dir);
    const auto written = writes(calibration.trace);
    ASSERT_FALSE(written.empty()) << kind;
    const auto& [write_call, when] = written.front();
    for (const int error_number : {ENOSPC, EDQUOT, EFBIG, EIO}) {
      SCOPED_TRACE(kind + " " + write_call + " " + std::strerror(error_number));
      const fs::path dir = fresh_dir();
      const InjectedRun run = run_driver(
          kind, dir,
          write_call + ":error=" + std::to_string(error_number) + ":when=" + std::to_string(when));
      force_remove_all(dir);
      EXPECT_EQ(run.driver.status, 0) << run.driver.output;
      const std::string outcome = value_of(run.driver.output, "outcome").value_or("");
      EXPECT_THAT(outcome, ::testing::StartsWith("error errno=" + std::to_string(error_number)));
      EXPECT_THAT(outcome, ::testing::HasSubstr(std::strerror(error_number)));
      if (kind == "named") {
        EXPECT_THAT(outcome, ::testing::HasSubstr("path1=" + dir.native() + "/tmp"));
      }
      EXPECT_EQ(value_of(run.driver.output, "leaked"), "");
      EXPECT_EQ(value_of(run.driver.output, "entries"), "");
    }
  }
}

// E1: EINTR from write is retried and the data arrives whole; EINTR from close is not retried
// (on Linux the descriptor is gone whatever close returns, and a second close could close a
// descriptor another thread just opened).
TEST_F(FaultInjectionTest, E1_InterruptedWritesAreRetriedAndInterruptedClosesAreNot) {
  for (const std::string kind : {"named", "temporary_file", "spooled"}) {
    const fs::path calibration_dir = fresh_dir();
    const InjectedRun calibration = run_driver(kind, calibration_dir, "");
    force_remove_all(calibration_dir);
    std::vector<std::pair<std::string, int>> calls = writes(calibration.trace);
    ASSERT_FALSE(calls.empty()) << kind;
    for (const int when : ordinals(calibration.trace, "close")) {
      calls.emplace_back("close", when);
    }
    for (const auto& [syscall, when] : calls) {
      SCOPED_TRACE(kind + " " + syscall + " #" + std::to_string(when));
      const fs::path dir = fresh_dir();
      const InjectedRun run =
          run_driver(kind, dir, syscall + ":error=EINTR:when=" + std::to_string(when));
      force_remove_all(dir);
      EXPECT_EQ(run.driver.status, 0) << run.driver.output;
      EXPECT_EQ(value_of(run.driver.output, "outcome"), "ok") << run.driver.output;
      EXPECT_EQ(value_of(run.driver.output, "entries"), "");
      if (syscall != "close") {
        EXPECT_EQ(count(run.trace, syscall), count(calibration.trace, syscall) + 1)
            << "the interrupted write was not tried again";
        EXPECT_EQ(value_of(run.driver.output, "leaked"), "");
        continue;
      }
      // The close strace failed was skipped, so exactly its descriptor is still open; had
      // the library retried, the retry would have closed it.
      std::string closed_fd;
      bool retried = false;
      for (const Call& call : run.trace.region) {
        if (call.name == "close" && call.injected) {
          closed_fd = first_argument(call.line);
        } else if (call.name == "close" && !closed_fd.empty() &&
                   first_argument(call.line) == closed_fd) {
          retried = true;
        }
      }
      EXPECT_FALSE(closed_fd.empty()) << "the injection did not land";
      EXPECT_FALSE(retried) << "close(" << closed_fd << ") was retried after EINTR";
      EXPECT_EQ(value_of(run.driver.output, "leaked"), closed_fd);
    }
  }
}

// A2: without getrandom (ENOSYS, as on kernels before 3.17, or EAGAIN before the pool is
// ready) names still come, without blocking, and differ between two runs.
TEST_F(FaultInjectionTest, A2_NamesNeedNoGetrandomAndNeverBlock) {
  for (const char* error_name : {"ENOSYS", "EAGAIN"}) {
    SCOPED_TRACE(error_name);
    std::vector<std::set<std::string>> runs;
    for (int r = 0; r < 2; ++r) {
      const fs::path dir = fresh_dir();
      const catalogue::ProgramRun run =
          run_program({"strace", "-f", "-qq", "-o", log_.native(), "-e",
                       std::string("inject=getrandom:error=") + error_name, "--",
                       catalogue::driver(), "names", dir.native(), "200"},
                      catalogue::sanitizer_environment(), 20);
      EXPECT_EQ(run.status, 0) << run.output;
      std::set<std::string> names;
      std::istringstream lines(run.output);
      for (std::string line; std::getline(lines, line);) {
        EXPECT_EQ(line.size(), 8U) << line;
        names.insert(line);
      }
      EXPECT_EQ(names.size(), 200U);
      EXPECT_TRUE(list_dir(dir).empty());
      fs::remove(dir);
      runs.push_back(names);
      EXPECT_THAT(read_log(), ::testing::HasSubstr("(INJECTED)"))
          << "the driver never asked getrandom: nothing was tested";
    }
    std::vector<std::string> common;
    for (const std::string& name : runs[0]) {
      if (runs[1].count(name) != 0) {
        common.push_back(name);
      }
    }
    EXPECT_THAT(common, ::testing::IsEmpty());
  }
}

}  // namespace
}  // namespace tempfile::test
