// SPDX-License-Identifier: MIT
// tempfile::gtest on Windows: this program runs itself again as a child (the FixtureChild* tests,
// which pass and fail on purpose) under a chosen TEST_TMPDIR or TMPDIR, and checks what the
// child left: its run directories, the kept and removed test directories, what it printed, the
// pruning of old runs and the runs of live processes left alone.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "os/windows_api.hpp"
// windows.h first: lmcons.h needs its types.
#include <lmcons.h>
#include <winioctl.h>

#include "os/test_runs.hpp"
#include "support/scratch.hpp"
#include "support/windows_files.hpp"
#include "tempfile/gtest.hpp"

namespace fs = std::filesystem;

namespace {

// ---- The child's tests: run only by the parent below (excluded from discovery). ----

void write(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

TEST(FixtureChild, Passes) {
  const fs::path dir = tempfile::gtest::tmp_path();
  // Fresh and empty at the start, and the same path for the whole test.
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(fs::is_empty(dir));
  EXPECT_EQ(dir, tempfile::gtest::tmp_path());
  write(dir / "data.txt", "data");
  fs::create_directories(dir / "a" / "b");
  write(dir / "a" / "b" / "deep.txt", "deep");
  const fs::path second = tempfile::gtest::new_tmp_path();
  EXPECT_NE(second, dir);
  EXPECT_TRUE(fs::is_empty(second));
  write(second / "more.txt", "more");
}

TEST(FixtureChild, Fails) {
  const fs::path dir = tempfile::gtest::tmp_path();
  EXPECT_TRUE(fs::is_empty(dir));
  write(dir / "data.txt", "evidence");
  ADD_FAILURE() << "failing on purpose";
}

TEST(FixtureChild, Skipped) {
  write(tempfile::gtest::tmp_path() / "data.txt", "data");
  GTEST_SKIP() << "skipping on purpose";
}

TEST(FixtureChild, Unused) {}

TEST(FixtureChild, WritesArtifact) {
  write(tempfile::gtest::artifact_dir() / "log.txt", "log");
}

// Holds its run (and the run's lock) until the parent creates the release file.
TEST(FixtureChildPause, UntilReleased) {
  write(tempfile::gtest::tmp_path() / "data.txt", "data");
  const char* const ready = std::getenv("FIXTURE_READY");      // NOLINT(concurrency-mt-unsafe)
  const char* const release = std::getenv("FIXTURE_RELEASE");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_NE(ready, nullptr);
  ASSERT_NE(release, nullptr);
  const std::u8string run = tempfile::gtest::run_dir().u8string();
  // Written whole under another name, then renamed: the parent never reads half a path.
  write(std::string(ready) + ".part", std::string(run.begin(), run.end()));
  fs::rename(std::string(ready) + ".part", ready);
  for (int i = 0; i < 1200 && !fs::exists(release); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

// Leaves a file in its directory open without sharing deletion (as Python's open() and the C
// runtime's fopen do on Windows), past the test's end: the removal cannot succeed.
TEST(FixtureChildHeld, LeavesAFileOpen) {
  const fs::path file = tempfile::gtest::tmp_path() / "held.txt";
  static HANDLE held = INVALID_HANDLE_VALUE;  // closed by the system when the process ends
  held = ::CreateFileW(file.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                       CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(held, INVALID_HANDLE_VALUE) << ::GetLastError();
  DWORD written = 0;
  ASSERT_NE(::WriteFile(held, "held", 4, &written, nullptr), 0);
}

// ---- The parent's side. ----

std::string utf8(const fs::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

/// The user directory's name as the fixture makes it: the token's account name, sanitised.
std::string user_directory() {
  wchar_t name[UNLEN + 1] = {};
  DWORD size = UNLEN + 1;
  EXPECT_NE(::GetUserNameW(name, &size), 0) << "GetUserNameW failed, error " << ::GetLastError();
  std::string text = utf8(fs::path(name));
  for (char& c : text) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    c = keep ? c : '_';
  }
  return "tempfile-of-" + text;
}

/// Sets (or with nullptr removes) a variable of this process's environment, which the children
/// inherit.
void set_variable(const wchar_t* name, const fs::path& value) {
  ASSERT_NE(::SetEnvironmentVariableW(name, value.c_str()), 0);
}
void unset_variable(const wchar_t* name) {
  static_cast<void>(::SetEnvironmentVariableW(name, nullptr));
}

/// The variables a child reads, all removed, so that each scenario sets only its own.
void clear_variables() {
  for (const wchar_t* name :
       {L"TEST_TMPDIR", L"TEMPFILE_GTEST_KEEP", L"TEMPFILE_GTEST_KEEP_RUNS", L"FIXTURE_READY",
        L"FIXTURE_RELEASE", L"GTEST_OUTPUT", L"GTEST_TOTAL_SHARDS", L"GTEST_SHARD_INDEX"}) {
    unset_variable(name);
  }
}

/// A child running this program with `filter`, its output (stdout and stderr) going to `output`.
class Child {
 public:
  Child(const std::wstring& filter, const fs::path& output) {
    wchar_t program[MAX_PATH] = {};
    if (::GetModuleFileNameW(nullptr, program, MAX_PATH) == 0) {
      ADD_FAILURE() << "GetModuleFileNameW failed, error " << ::GetLastError();
      return;
    }
    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE out = ::CreateFileW(output.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                               &inherit, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (out == INVALID_HANDLE_VALUE) {
      ADD_FAILURE() << "cannot create " << output << ", error " << ::GetLastError();
      return;
    }
    std::wstring command =
        L"\"" + std::wstring(program) + L"\" --gtest_filter=" + filter + L" --gtest_color=no";
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = ::GetStdHandle(STD_INPUT_HANDLE);
    startup.hStdOutput = out;
    startup.hStdError = out;
    PROCESS_INFORMATION child{};
    const BOOL started = ::CreateProcessW(program, command.data(), nullptr, nullptr, TRUE, 0,
                                          nullptr, nullptr, &startup, &child);
    const DWORD error = ::GetLastError();
    ::CloseHandle(out);
    if (started == 0) {
      ADD_FAILURE() << "CreateProcessW failed, error " << error;
      return;
    }
    ::CloseHandle(child.hThread);
    process_ = child.hProcess;
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (process_ != nullptr) {
      static_cast<void>(wait());
      ::CloseHandle(process_);
    }
  }

  /// Ends the child as a crash or a task manager would: no handler, no destructor runs.
  void kill() {
    ASSERT_NE(process_, nullptr);
    ASSERT_NE(::TerminateProcess(process_, 9), 0) << ::GetLastError();
  }

  /// The exit status, after at most a minute; -1 if the child could not be started or waited for.
  DWORD wait() {
    if (process_ == nullptr || ::WaitForSingleObject(process_, 60000) != WAIT_OBJECT_0) {
      ADD_FAILURE() << "the child did not end";
      return static_cast<DWORD>(-1);
    }
    DWORD status = 0;
    ::GetExitCodeProcess(process_, &status);
    return status;
  }

 private:
  HANDLE process_ = nullptr;
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The lines of a child's output, "\r\n" or "\n" ended.
std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    lines.insert(line);
  }
  return lines;
}

/// Runs the child to its end: its exit status and output.
DWORD run_child(const std::wstring& filter, const fs::path& output, std::string& text) {
  Child child(filter, output);
  const DWORD status = child.wait();
  text = read_text(output);
  return status;
}

/// The entries of a run directory but its lock and the artifacts.
std::set<std::string> test_directories(const fs::path& run) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(run)) {
    const std::string name = utf8(entry.path().filename());
    if (name != ".lock" && name != "artifacts") {
      names.insert(name);
    }
  }
  return names;
}

/// The run-N directories' numbers in `base`.
std::set<int> runs(const fs::path& base) {
  std::set<int> numbers;
  for (const auto& entry : fs::directory_iterator(base)) {
    const std::string name = utf8(entry.path().filename());
    if (name.rfind("run-", 0) == 0) {
      numbers.insert(std::stoi(name.substr(4)));
    }
  }
  return numbers;
}

/// Waits (at most 30 s) for a paused child's ready file; returns the run it names.
fs::path wait_for_ready(const fs::path& ready) {
  for (int i = 0; i < 1200 && !fs::exists(ready); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const std::string text = read_text(ready);
  return fs::path(std::u8string(text.begin(), text.end()));
}

class WindowsGtestFixture : public tempfile::test::ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    clear_variables();
  }
  void TearDown() override {
    clear_variables();
    // What the children made is this test's doing, not a leak of the library's objects, which
    // the scratch fixture's check is about.
    for (const auto& entry : fs::directory_iterator(scratch())) {
      tempfile::test::force_remove_all(entry.path());
    }
    ScratchTest::TearDown();
  }
};

// One run: a passed test's directories are removed, a failed one's kept with its files and
// printed, a skipped one's removed, an unused test made nothing, the artifacts stay; the layout
// is <TEST_TMPDIR>\tempfile-of-<user>\run-1; `current` names run-1 where links can be made.
TEST_F(WindowsGtestFixture, KeepsTheFailedTestsDirectoryAndRemovesThePassedOnes) {
  const fs::path root = scratch() / "root";
  fs::create_directory(root);
  set_variable(L"TEST_TMPDIR", root);
  std::string output;
  const DWORD status = run_child(L"FixtureChild.*", scratch() / "out.txt", output);
  EXPECT_NE(status, 0U) << "one test fails on purpose:\n" << output;
  const fs::path base = root / user_directory();
  ASSERT_TRUE(fs::is_directory(base)) << output;
  EXPECT_EQ(runs(base), std::set<int>{1});
  const fs::path run = base / "run-1";
  EXPECT_TRUE(fs::is_regular_file(run / ".lock"));
  EXPECT_EQ(test_directories(run), std::set<std::string>{"FixtureChild.Fails"}) << output;
  EXPECT_EQ(read_text(run / "FixtureChild.Fails" / "data.txt"), "evidence");
  EXPECT_EQ(read_text(run / "artifacts" / "FixtureChild.WritesArtifact" / "log.txt"), "log");
  const std::set<std::string> lines = lines_of(output);
  EXPECT_TRUE(lines.count("tempfile: kept " + utf8(run / "FixtureChild.Fails") +
                          " for failed test FixtureChild.Fails") == 1)
      << output;
  EXPECT_TRUE(lines.count("tempfile: artifacts of FixtureChild.WritesArtifact in " +
                          utf8(run / "artifacts" / "FixtureChild.WritesArtifact")) == 1)
      << output;
  // The passed tests themselves passed (their directory was fresh and empty).
  EXPECT_TRUE(lines.count("[       OK ] FixtureChild.Passes") == 1 ||
              output.find("[       OK ] FixtureChild.Passes (") != std::string::npos)
      << output;
  EXPECT_EQ(output.find("[  FAILED  ] FixtureChild.Passes"), std::string::npos) << output;
  // `current`: a link to run-1 where the process may make one; none where it may not (wine).
  const fs::path current = base / "current";
  std::error_code ec;
  if (fs::symlink_status(current, ec).type() != fs::file_type::not_found) {
    EXPECT_TRUE(fs::is_symlink(current));
    EXPECT_EQ(fs::read_symlink(current), fs::path("run-1"));
  }

  // A second run in the same root takes run-2; with keep=all every directory of its tests stays.
  set_variable(L"TEMPFILE_GTEST_KEEP", L"all");
  const DWORD again = run_child(L"FixtureChild.*", scratch() / "out2.txt", output);
  EXPECT_NE(again, 0U);
  EXPECT_EQ(runs(base), (std::set<int>{1, 2}));
  EXPECT_EQ(test_directories(base / "run-2"),
            (std::set<std::string>{"FixtureChild.Fails", "FixtureChild.Passes",
                                   "FixtureChild.Passes-001", "FixtureChild.Skipped"}))
      << output;
  EXPECT_EQ(read_text(base / "run-2" / "FixtureChild.Passes" / "a" / "b" / "deep.txt"), "deep");
}

// A passed test whose directory cannot be removed (a file in it held open without sharing
// deletion) fails, saying what was left; its directory is kept and printed.
TEST_F(WindowsGtestFixture, AFailedRemovalFailsTheTest) {
  const fs::path root = scratch() / "root";
  fs::create_directory(root);
  set_variable(L"TEST_TMPDIR", root);
  std::string output;
  const DWORD status = run_child(L"FixtureChildHeld.*", scratch() / "out.txt", output);
  EXPECT_NE(status, 0U) << output;
  const fs::path dir = root / user_directory() / "run-1" / "FixtureChildHeld.LeavesAFileOpen";
  EXPECT_NE(output.find("[  FAILED  ] FixtureChildHeld.LeavesAFileOpen"), std::string::npos)
      << output;
  EXPECT_NE(output.find("could not remove the directory of test FixtureChildHeld.LeavesAFileOpen"),
            std::string::npos)
      << output;
  EXPECT_EQ(lines_of(output).count("tempfile: kept " + utf8(dir) +
                                   " for failed test FixtureChildHeld.LeavesAFileOpen (its "
                                   "removal failed)"),
            1U)
      << output;
  EXPECT_EQ(read_text(dir / "held.txt"), "held");
}

// A root whose path is not ASCII (a user profile named José, a directory in Japanese): made
// there, printed in UTF-8 and recorded in the XML report as UTF-8, never through the ANSI code
// page.
TEST_F(WindowsGtestFixture, AUnicodeRootIsPrintedAndRecordedInUtf8) {
  const fs::path root = scratch() / fs::path(u8"t\u00ebst_\u65e5\u672c_\U0001F600");
  fs::create_directory(root);
  set_variable(L"TEST_TMPDIR", root);
  set_variable(L"GTEST_OUTPUT", L"xml:" + (scratch() / "report.xml").native());
  std::string output;
  const DWORD status = run_child(L"FixtureChild.Fails", scratch() / "out.txt", output);
  EXPECT_NE(status, 0U);
  const fs::path dir = root / user_directory() / "run-1" / "FixtureChild.Fails";
  EXPECT_EQ(read_text(dir / "data.txt"), "evidence") << output;
  EXPECT_EQ(
      lines_of(output).count("tempfile: kept " + utf8(dir) + " for failed test FixtureChild.Fails"),
      1U)
      << output;
  const std::string report = read_text(scratch() / "report.xml");
  EXPECT_NE(report.find("<property name=\"tmp_path\" value=\"" + utf8(dir) + "\"/>"),
            std::string::npos)
      << report;
}

// Without TEST_TMPDIR the root is gettempdir(): TMPDIR first, as on POSIX.
TEST_F(WindowsGtestFixture, TheRootIsUnderTmpdir) {
  const fs::path tmpdir = scratch() / "tmpdir";
  fs::create_directory(tmpdir);
  set_variable(L"TMPDIR", tmpdir);
  std::string output;
  const DWORD status = run_child(L"FixtureChild.Fails", scratch() / "out.txt", output);
  unset_variable(L"TMPDIR");
  EXPECT_NE(status, 0U);
  const fs::path run = tmpdir / user_directory() / "run-1";
  EXPECT_EQ(test_directories(run), std::set<std::string>{"FixtureChild.Fails"}) << output;
  EXPECT_EQ(read_text(run / "FixtureChild.Fails" / "data.txt"), "evidence");
}

// Retention across runs: runs beyond keep_runs are removed, except those of live processes. Two
// processes running at once get runs of their own, and neither's is removed by a third run; once
// one is killed (TerminateProcess) and the other has ended, both go.
TEST_F(WindowsGtestFixture, PrunesOldRunsButNeverALiveOne) {
  const fs::path root = scratch() / "root";
  fs::create_directory(root);
  set_variable(L"TEST_TMPDIR", root);
  const fs::path base = root / user_directory();
  std::string output;
  static_cast<void>(run_child(L"FixtureChild.Fails", scratch() / "out1.txt", output));
  static_cast<void>(run_child(L"FixtureChild.Fails", scratch() / "out2.txt", output));
  ASSERT_EQ(runs(base), (std::set<int>{1, 2})) << output;

  // Two paused children at the same time.
  const fs::path release = scratch() / "release";
  set_variable(L"FIXTURE_RELEASE", release);
  set_variable(L"FIXTURE_READY", scratch() / "ready-a");
  Child first(L"FixtureChildPause.*", scratch() / "out-a.txt");
  set_variable(L"FIXTURE_READY", scratch() / "ready-b");
  Child second(L"FixtureChildPause.*", scratch() / "out-b.txt");
  const fs::path run_a = wait_for_ready(scratch() / "ready-a");
  const fs::path run_b = wait_for_ready(scratch() / "ready-b");
  EXPECT_NE(run_a, run_b);
  EXPECT_EQ((std::set<fs::path>{run_a, run_b}),
            (std::set<fs::path>{base / "run-3", base / "run-4"}));

  // keep_runs=1: the dead runs 1 and 2 go, the live 3 and 4 stay, and the new one.
  set_variable(L"TEMPFILE_GTEST_KEEP_RUNS", L"1");
  static_cast<void>(run_child(L"FixtureChild.Fails", scratch() / "out3.txt", output));
  EXPECT_EQ(runs(base), (std::set<int>{3, 4, 5})) << output;
  EXPECT_TRUE(fs::is_regular_file(run_a / "FixtureChildPause.UntilReleased" / "data.txt"));
  EXPECT_TRUE(fs::is_regular_file(run_b / "FixtureChildPause.UntilReleased" / "data.txt"));

  // Once they have ended, the next run prunes them: the first killed (the system drops its lock
  // and its directory stays until then), the second at its normal end.
  first.kill();
  EXPECT_EQ(first.wait(), 9U);
  EXPECT_TRUE(fs::is_regular_file(run_a / "FixtureChildPause.UntilReleased" / "data.txt"));
  write(release, "");
  EXPECT_EQ(second.wait(), 0U) << read_text(scratch() / "out-b.txt");
  EXPECT_EQ(test_directories(run_b), std::set<std::string>{}) << "a passed test's directory goes";
  static_cast<void>(run_child(L"FixtureChild.Fails", scratch() / "out4.txt", output));
  EXPECT_EQ(runs(base), std::set<int>{6}) << output;
}

// A malformed TEMPFILE_GTEST_KEEP fails the test that asks for a directory, naming the variable.
TEST_F(WindowsGtestFixture, AMalformedKeepFailsTheTest) {
  const fs::path root = scratch() / "root";
  fs::create_directory(root);
  set_variable(L"TEST_TMPDIR", root);
  set_variable(L"TEMPFILE_GTEST_KEEP", L"bogus");
  std::string output;
  const DWORD status = run_child(L"FixtureChild.Passes", scratch() / "out.txt", output);
  EXPECT_NE(status, 0U);
  EXPECT_NE(output.find("TEMPFILE_GTEST_KEEP='bogus'"), std::string::npos) << output;
}

// A root someone else prepared as a link (or junction) to elsewhere is refused: the test that
// asks fails, saying why, and nothing is made through the link.
TEST_F(WindowsGtestFixture, ALinkedRootIsRefused) {
  const fs::path root = scratch() / "root";
  const fs::path elsewhere = scratch() / "elsewhere";
  fs::create_directory(root);
  fs::create_directory(elsewhere);
  std::string how;
  if (!tempfile::test::make_directory_link(root / user_directory(), elsewhere, how)) {
    GTEST_SKIP() << "this system makes neither directory symbolic links nor junctions (wine 8: "
                    "CreateSymbolicLinkW makes nothing, FSCTL_SET_REPARSE_POINT is not "
                    "supported); docs/windows.md lists this test";
  }
  set_variable(L"TEST_TMPDIR", root);
  std::string output;
  const DWORD status = run_child(L"FixtureChild.Passes", scratch() / "out.txt", output);
  EXPECT_NE(status, 0U);
  EXPECT_NE(output.find("it is a symbolic link or junction"), std::string::npos) << output;
  EXPECT_TRUE(fs::is_empty(elsewhere));
  ::RemoveDirectoryW((root / user_directory()).c_str());  // the link, not its target
}

// The same refusal in the OS layer, with a link wine can show: the directories of a wine
// prefix's user profile that are symbolic links of the Linux host (Desktop -> $HOME), which wine
// follows when opening them. A plain directory is accepted: the positive control.
TEST_F(WindowsGtestFixture, TheOsLayerRefusesALinkedRoot) {
  namespace test_runs = tempfile::os::test_runs;
  test_runs::Root plain;
  std::string refusal;
  const char* step = "";
  ASSERT_EQ(test_runs::open_root(utf8(scratch() / "plain"), plain, refusal, step), 0) << step;
  EXPECT_TRUE(refusal.empty());
  EXPECT_TRUE(fs::is_directory(scratch() / "plain"));

  const char* const profile = std::getenv("USERPROFILE");  // NOLINT(concurrency-mt-unsafe)
  fs::path link;
  for (const char* name : {"Desktop", "Documents", "Downloads", "Music", "Pictures", "Videos"}) {
    const fs::path candidate = fs::path(profile != nullptr ? profile : "") / name;
    const DWORD attributes = ::GetFileAttributesW(candidate.c_str());
    if (profile != nullptr && attributes != INVALID_FILE_ATTRIBUTES &&
        (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0 &&
        (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
      link = candidate;
      break;
    }
  }
  if (link.empty()) {
    GTEST_SKIP() << "no directory of the user profile is a link (a wine prefix's are links of "
                    "the Linux host; Windows' are not): WindowsGtestFixture.ALinkedRootIsRefused "
                    "tests the refusal there";
  }
  test_runs::Root linked;
  EXPECT_EQ(test_runs::open_root(utf8(link), linked, refusal, step), ELOOP) << utf8(link);
  EXPECT_EQ(refusal,
            "it is a symbolic link or junction (someone else may have made it: remove it)");
  EXPECT_FALSE(linked.fd.valid());
}

}  // namespace
