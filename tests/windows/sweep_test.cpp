// SPDX-License-Identifier: MIT
// sweep() on Windows (run under wine in CI): a live owner's NamedTemporaryFile and
// TemporaryDirectory in another process are left (in use), the same entries are removed once
// that process is killed (TerminateProcess: no destructor, no exit handler ran), the age rule,
// names without the pattern left alone, and the owner's lock keeping other writers writing.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>
#include <io.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/scratch.hpp"
#include "support/windows_child.hpp"
#include "support/windows_files.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/sweep.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// The variable that makes WindowsChildProcess.HoldsSweepableEntries a child's work: the
// directory to make its entries in.
constexpr const wchar_t* sweep_directory_variable = L"TEMPFILE_WINDOWS_SWEEP_DIR";

class WindowsSweepTest : public test::ScratchTest {};

std::set<std::string> names_of(const std::vector<SweptEntry>& entries) {
  std::set<std::string> names;
  for (const SweptEntry& entry : entries) {
    names.insert(entry.path.filename().string());
  }
  return names;
}

// Each name with what sweep() said of it.
std::set<std::string> reasons_of(const std::vector<LeftEntry>& entries) {
  std::set<std::string> out;
  for (const LeftEntry& entry : entries) {
    const char* reason = entry.reason == SweepReason::in_use      ? "in_use"
                         : entry.reason == SweepReason::too_young ? "too_young"
                         : entry.reason == SweepReason::failed    ? "failed"
                                                                  : "other";
    out.insert(entry.path.filename().string() + " " + reason);
  }
  return out;
}

// A file of the pattern that nobody locks, as mkstemp() and Python's tempfile leave them.
fs::path unlocked_file(const fs::path& directory) {
  const MkstempResult made = mkstemp({.dir = directory});
  ::_close(made.fd);
  return made.path;
}

// Sets the entry's modification time two days back (a directory too, which the C runtime's
// utime refuses on Windows).
void make_old(const fs::path& path) {
  HANDLE handle = ::CreateFileW(path.c_str(), FILE_WRITE_ATTRIBUTES,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  ASSERT_NE(handle, INVALID_HANDLE_VALUE) << path;
  FILETIME now{};
  ::GetSystemTimeAsFileTime(&now);
  ULARGE_INTEGER ticks{};
  ticks.LowPart = now.dwLowDateTime;
  ticks.HighPart = now.dwHighDateTime;
  ticks.QuadPart -= 48ULL * 3600ULL * 10000000ULL;  // 100-nanosecond ticks
  FILETIME old{};
  old.dwLowDateTime = ticks.LowPart;
  old.dwHighDateTime = ticks.HighPart;
  EXPECT_NE(::SetFileTime(handle, nullptr, nullptr, &old), 0) << path;
  ::CloseHandle(handle);
}

// The child's half of the next test: a NamedTemporaryFile and a TemporaryDirectory (with a file
// in it) in the directory it is given, then "ready", then it waits to be killed.
TEST(WindowsChildProcess, HoldsSweepableEntries) {
  const char* directory = std::getenv("TEMPFILE_WINDOWS_SWEEP_DIR");
  if (directory == nullptr) {
    GTEST_SKIP() << "run by WindowsSweepTest.LiveOwnersAreLeftAndKilledOwnersSwept";
  }
  NamedTemporaryFile file({.dir = fs::path(directory)});
  file.write(std::string(1000, 'x'));
  file.flush();
  TemporaryDirectory tree({.dir = fs::path(directory)});
  fs::create_directory(tree.path() / "inner");
  test::create_by_name(tree.path() / "inner" / "data", "data");
  std::FILE* ready = std::fopen((fs::path(directory) / "ready").string().c_str(), "wb");
  ASSERT_NE(ready, nullptr);
  std::fclose(ready);
  ::Sleep(INFINITE);
}

TEST_F(WindowsSweepTest, LiveOwnersAreLeftAndKilledOwnersSwept) {
  const fs::path directory = make_subdir("child");
  ASSERT_NE(::SetEnvironmentVariableW(sweep_directory_variable, directory.c_str()), 0);
  HANDLE child = test::start_child_test(L"HoldsSweepableEntries");
  ::SetEnvironmentVariableW(sweep_directory_variable, nullptr);
  ASSERT_NE(child, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(directory / "ready") && std::chrono::steady_clock::now() < deadline &&
         ::WaitForSingleObject(child, 0) == WAIT_TIMEOUT) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(directory / "ready")) << "the child never made its entries";
  std::set<std::string> entries = test::list_dir(directory);
  entries.erase("ready");
  ASSERT_EQ(entries.size(), 2U);

  // Alive: both are in use (the file's lock, the directory's handle), and untouched.
  const SweepResult live = sweep(directory, {.min_age = std::chrono::seconds(0)});
  EXPECT_TRUE(live.removed.empty());
  std::set<std::string> in_use;
  for (const std::string& name : entries) {
    in_use.insert(name + " in_use");
  }
  EXPECT_EQ(reasons_of(live.left), in_use);
  for (const LeftEntry& left : live.left) {
    EXPECT_EQ(left.error, std::errc::operation_would_block) << left.path;
  }
  std::set<std::string> still = test::list_dir(directory);
  still.erase("ready");
  EXPECT_EQ(still, entries);

  // Killed: no destructor and no exit handler ran, so both stay on disk...
  ::TerminateProcess(child, 9);
  EXPECT_EQ(::WaitForSingleObject(child, 30000), WAIT_OBJECT_0);
  ::CloseHandle(child);
  still = test::list_dir(directory);
  still.erase("ready");
  EXPECT_EQ(still, entries);
  // ... and are the dead owner's leftovers now: removed, the directory with its tree.
  SweepResult dead;
  for (int attempt = 0; attempt < 50; ++attempt) {  // the system closes the handles at its pace
    dead = sweep(directory, {.min_age = std::chrono::seconds(0)});
    if (dead.left.empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(names_of(dead.removed), entries);
  EXPECT_TRUE(dead.left.empty()) << reasons_of(dead.left).size();
  EXPECT_EQ(test::list_dir(directory), std::set<std::string>{"ready"});
  fs::remove_all(directory);
}

TEST_F(WindowsSweepTest, LiveFileInThisProcessIsLeftAndStaysWritableByOthers) {
  const fs::path directory = make_subdir("live");
  {
    NamedTemporaryFile file({.mode = "w+b", .dir = directory});
    file.write("owner");
    file.flush();
    const SweepResult result = sweep(directory, {.min_age = std::chrono::seconds(0)});
    EXPECT_TRUE(result.removed.empty());
    EXPECT_EQ(reasons_of(result.left),
              std::set<std::string>{file.name().filename().string() + " in_use"});
    // The lock is of one byte no read or write reaches: another opener writes and reads the
    // file as before, and so does the owner.
    test::overwrite_by_name(file.name(), "OTHER");
    EXPECT_EQ(test::read_by_name(file.name()), "OTHER");
    file.seek(0, SEEK_END);
    file.write("+more");
    file.flush();
    EXPECT_EQ(test::read_by_name(file.name()), "OTHER+more");
  }
  EXPECT_TRUE(test::list_dir(directory).empty());
  fs::remove_all(directory);
}

TEST_F(WindowsSweepTest, AgeRuleAndNamesOutsideThePattern) {
  const fs::path directory = make_subdir("age");
  // Unlocked entries of the pattern (what mkstemp and mkdtemp leave, and Python's tempfile).
  const fs::path young = unlocked_file(directory);
  const fs::path old = unlocked_file(directory);
  make_old(old);
  const fs::path old_dir = mkdtemp({.dir = directory});
  test::create_by_name(old_dir / "inside", "x");
  make_old(old_dir);
  // Not the pattern: too short, another prefix, a character creation never draws, a suffix.
  for (const char* name : {"tmpabc", "xyzabcdefgh", "tmpABCDEFGH", "tmpabcdefgh.txt"}) {
    test::create_by_name(directory / name, "not ours");
    make_old(directory / name);
  }
  const std::set<std::string> before = test::list_dir(directory);

  const SweepResult dry = sweep(directory, {.dry_run = true});
  EXPECT_EQ(names_of(dry.removed),
            (std::set<std::string>{old.filename().string(), old_dir.filename().string()}));
  EXPECT_EQ(test::list_dir(directory), before);

  const SweepResult result = sweep(directory);  // a day, the default
  EXPECT_EQ(names_of(result.removed),
            (std::set<std::string>{old.filename().string(), old_dir.filename().string()}));
  EXPECT_EQ(reasons_of(result.left),
            std::set<std::string>{young.filename().string() + " too_young"});
  EXPECT_EQ(test::list_dir(directory),
            (std::set<std::string>{young.filename().string(), "tmpabc", "xyzabcdefgh",
                                   "tmpABCDEFGH", "tmpabcdefgh.txt"}));
  // The same names with their suffix asked for: now the pattern.
  const SweepResult suffixed = sweep(directory, {.suffix = ".txt"});
  EXPECT_EQ(names_of(suffixed.removed), std::set<std::string>{"tmpabcdefgh.txt"});
  fs::remove_all(directory);
}

}  // namespace
}  // namespace tempfile
