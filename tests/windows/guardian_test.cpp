// SPDX-License-Identifier: MIT
// The guardian on Windows (run under wine in CI): a child process killed with TerminateProcess
// while it holds a PseudoTemporaryDirectory with a tree inside and a PseudoTemporaryFile leaves
// neither (its TemporaryDirectory, which no guardian keeps, stays: the kill ran no cleanup); a
// file put under the pseudo-file's name after the owner's death is left alone; the Ctrl+C that
// ends the owner's console does not end the guardian; it inherits no handle of its owner's;
// withdrawn entries (cleanup(), keep(), close()) end the guardian and nothing else is touched.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "os/guardian.hpp"
#include "support/scratch.hpp"
#include "support/windows_child.hpp"
#include "support/windows_files.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// The variable that makes WindowsChildProcess.HoldsGuardedEntries a child's work: the directory
// to make its entries in.
constexpr const wchar_t* guarded_directory_variable = L"TEMPFILE_WINDOWS_GUARDED_DIR";

// What the child reports once its entries exist.
struct Held {
  fs::path directory;  // the PseudoTemporaryDirectory
  fs::path file;       // the PseudoTemporaryFile
  fs::path control;    // a TemporaryDirectory: no guardian keeps it
  DWORD guardian = 0;  // the guardian's process id
};

// The child's half of the tests below: holds a PseudoTemporaryDirectory with a tree inside, a
// PseudoTemporaryFile and a TemporaryDirectory, says so (their names and its guardian's id, in
// a file renamed into place whole), and waits to be killed.
TEST(WindowsChildProcess, HoldsGuardedEntries) {
  const char* directory = std::getenv("TEMPFILE_WINDOWS_GUARDED_DIR");
  if (directory == nullptr) {
    GTEST_SKIP() << "run by WindowsGuardianTest.*";
  }
  const fs::path dir(directory);
  // Never destroyed: the kill comes first.
  auto* guarded = new PseudoTemporaryDirectory({.dir = dir});
  test::create_by_name(guarded->name() / "a.txt", "alpha");
  fs::create_directories(guarded->name() / "d1" / "d2");
  test::create_by_name(guarded->name() / "d1" / "d2" / "deep.txt", "deep");
  auto* file = new PseudoTemporaryFile({.mode = "w+b", .dir = dir});
  file->write(std::string_view("pseudo"));
  file->flush();
  auto* control = new TemporaryDirectory({.prefix = "control", .dir = dir});
  test::create_by_name(control->name() / "c.txt", "control");
  const os::GuardianStatus status = os::guardian_status();
  {
    std::ofstream report(dir / "ready.tmp", std::ios::binary);
    report << guarded->name().string() << '\n'
           << file->name().string() << '\n'
           << control->name().string() << '\n'
           << status.pid << '\n';
  }
  fs::rename(dir / "ready.tmp", dir / "ready");
  ::Sleep(INFINITE);
}

// The child's half of WindowsGuardianTest.OutlivesCtrlCOfItsOwnersConsole: in a console of its
// own, holds a PseudoTemporaryDirectory (no cleanup_on_signals(): the event ends it at once),
// says so, and sends Ctrl+C to every process of its console.
TEST(WindowsChildProcess, HoldsAGuardedDirectoryUntilCtrlC) {
  const char* directory = std::getenv("TEMPFILE_WINDOWS_GUARDED_DIR");
  if (directory == nullptr) {
    GTEST_SKIP() << "run by WindowsGuardianTest.OutlivesCtrlCOfItsOwnersConsole";
  }
  const fs::path dir(directory);
  const PseudoTemporaryDirectory guarded({.dir = dir});
  test::create_by_name(guarded.name() / "a.txt", "alpha");
  const TemporaryDirectory control({.prefix = "control", .dir = dir});
  {
    std::ofstream report(dir / "ready.tmp", std::ios::binary);
    report << guarded.name().string() << '\n' << control.name().string() << '\n';
  }
  fs::rename(dir / "ready.tmp", dir / "ready");
  ::SetConsoleCtrlHandler(nullptr, FALSE);
  if (::GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0) == 0) {
    std::_Exit(2);
  }
  ::Sleep(30000);
  std::_Exit(3);  // still alive: the event did not end it
}

class WindowsGuardianTest : public test::ScratchTest {
 protected:
  // Starts the child in `dir` and waits for its report. Returns its process handle.
  HANDLE start_holder(const fs::path& dir, Held& held) {
    EXPECT_NE(::SetEnvironmentVariableW(guarded_directory_variable, dir.c_str()), 0);
    HANDLE child = test::start_child_test(L"HoldsGuardedEntries");
    ::SetEnvironmentVariableW(guarded_directory_variable, nullptr);
    if (child == nullptr) {
      return nullptr;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!test::entry_exists(dir / "ready") && std::chrono::steady_clock::now() < deadline &&
           ::WaitForSingleObject(child, 0) == WAIT_TIMEOUT) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ifstream report(dir / "ready", std::ios::binary);
    std::string directory;
    std::string file;
    std::string control;
    long long guardian = -1;
    std::getline(report, directory);
    std::getline(report, file);
    std::getline(report, control);
    report >> guardian;
    EXPECT_TRUE(report) << "the child never reported its entries";
    held = {fs::path(directory), fs::path(file), fs::path(control),
            guardian > 0 ? static_cast<DWORD>(guardian) : 0};
    return child;
  }

  // Kills `child` (no destructor, no exit handler runs in it) and waits until it is gone.
  static void kill(HANDLE child) {
    ASSERT_NE(::TerminateProcess(child, 9), 0);
    EXPECT_EQ(::WaitForSingleObject(child, 30000), WAIT_OBJECT_0);
    ::CloseHandle(child);
  }
};

// The guardian's own process, to watch it end.
HANDLE open_guardian(DWORD pid) {
  return ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_SUSPEND_RESUME,
                       FALSE, pid);
}

// Waits for the guardian to end by itself; true when it did, with exit code 0.
bool ends_cleanly(HANDLE guardian) {
  if (::WaitForSingleObject(guardian, 30000) != WAIT_OBJECT_0) {
    return false;
  }
  DWORD code = 1;
  return ::GetExitCodeProcess(guardian, &code) != 0 && code == 0;
}

TEST_F(WindowsGuardianTest, RemovesTheEntriesOfAKilledOwner) {
  const fs::path dir = make_subdir("owner");
  Held held;
  HANDLE child = start_holder(dir, held);
  ASSERT_NE(child, nullptr);
  ASSERT_NE(held.guardian, 0U) << "the child has no guardian";
  HANDLE guardian = open_guardian(held.guardian);
  ASSERT_NE(guardian, nullptr) << "error " << ::GetLastError();
  EXPECT_NE(held.guardian, ::GetProcessId(child)) << "the guardian is a process of its own";
  // Positive control: while the owner lives, its entries and its guardian are there.
  EXPECT_EQ(::WaitForSingleObject(guardian, 0), static_cast<DWORD>(WAIT_TIMEOUT));
  EXPECT_EQ(test::read_by_name(held.directory / "d1" / "d2" / "deep.txt"), "deep");
  EXPECT_EQ(test::read_by_name(held.file), "pseudo");
  EXPECT_EQ(held.file.parent_path(), dir);

  kill(child);
  EXPECT_TRUE(ends_cleanly(guardian)) << "the guardian did not end by itself";
  ::CloseHandle(guardian);
  EXPECT_FALSE(test::entry_exists(held.directory)) << "the guardian left the directory";
  EXPECT_FALSE(test::entry_exists(held.file)) << "the guardian left the file";
  // The kill ran no cleanup of the child's: its unguarded TemporaryDirectory stays.
  EXPECT_EQ(test::read_by_name(held.control / "c.txt"), "control");
  fs::remove_all(held.control);
  fs::remove(dir / "ready");
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove(dir);
}

// The guardian has no console: the Ctrl+C that ends its owner (every process of the owner's
// console) does not reach it, and it removes the owner's directory.
TEST_F(WindowsGuardianTest, OutlivesCtrlCOfItsOwnersConsole) {
  const fs::path dir = make_subdir("console");
  ASSERT_NE(::SetEnvironmentVariableW(guarded_directory_variable, dir.c_str()), 0);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESHOWWINDOW;
  startup.wShowWindow = SW_HIDE;
  HANDLE child =
      test::start_child_test(L"HoldsAGuardedDirectoryUntilCtrlC", CREATE_NEW_CONSOLE, &startup);
  ::SetEnvironmentVariableW(guarded_directory_variable, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(::WaitForSingleObject(child, 60000), WAIT_OBJECT_0);
  DWORD status = 0;
  EXPECT_NE(::GetExitCodeProcess(child, &status), 0);
  ::CloseHandle(child);
  // The console's default action: ExitProcess(STATUS_CONTROL_C_EXIT) on Windows, exit status 0
  // under wine (2: the event was refused; 3: it did not end the child).
  EXPECT_TRUE(status == static_cast<DWORD>(STATUS_CONTROL_C_EXIT) || status == 0)
      << "exit status " << status;
  std::ifstream report(dir / "ready", std::ios::binary);
  std::string name;
  std::string control;
  ASSERT_TRUE(std::getline(report, name) && std::getline(report, control))
      << "the child never reported its directories";
  report.close();
  for (int wait = 0; wait < 500 && test::entry_exists(fs::path(name)); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(test::entry_exists(fs::path(name))) << "the guardian did not remove it";
  // The event ran no cleanup of the child's: its TemporaryDirectory, which no guardian keeps,
  // stays (so the guardian, not the child, removed the other).
  EXPECT_TRUE(test::entry_exists(fs::path(control)));
  fs::remove_all(control);
  fs::remove(dir / "ready");
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove(dir);
}

// The guardian removes a file only while its name still refers to the file it was given. The
// name is taken by another file before the owner dies (suspending the guardian to do it after
// the death instead hung wine's server now and then): the rule, checked at removal, is the same.
TEST_F(WindowsGuardianTest, LeavesAFileThatTookTheName) {
  const fs::path dir = make_subdir("replaced");
  Held held;
  HANDLE child = start_holder(dir, held);
  ASSERT_NE(child, nullptr);
  HANDLE guardian = open_guardian(held.guardian);
  ASSERT_NE(guardian, nullptr) << "error " << ::GetLastError();
  EXPECT_EQ(test::read_by_name(held.file), "pseudo");
  const fs::path moved = dir / "moved";
  ASSERT_NE(::MoveFileExW(held.file.c_str(), moved.c_str(), 0), 0) << ::GetLastError();
  test::create_by_name(held.file, "someone else's");
  kill(child);
  EXPECT_TRUE(ends_cleanly(guardian));
  ::CloseHandle(guardian);
  // The newcomer is not the file the guardian was given: left as it is. The guardian never
  // knew the moved file's new name; its directory went as before (the positive control that
  // the guardian acted).
  EXPECT_EQ(test::read_by_name(held.file), "someone else's");
  EXPECT_EQ(test::read_by_name(moved), "pseudo");
  EXPECT_FALSE(test::entry_exists(held.directory));
  fs::remove_all(dir);
}

// Starts this program suspended, inheriting every inheritable handle: what a process that took
// the owner's handles would hold. Its process handle.
HANDLE start_inheriting_everything() {
  wchar_t program[MAX_PATH] = {};
  EXPECT_NE(::GetModuleFileNameW(nullptr, program, MAX_PATH), 0U);
  std::wstring command = L"\"" + std::wstring(program) + L"\" --gtest_list_tests";
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION child{};
  if (::CreateProcessW(program, command.data(), nullptr, nullptr, TRUE, CREATE_SUSPENDED, nullptr,
                       nullptr, &startup, &child) == 0) {
    ADD_FAILURE() << "CreateProcessW failed, error " << ::GetLastError();
    return nullptr;
  }
  ::CloseHandle(child.hThread);
  return child.hProcess;
}

// Whether `path` can be opened with no sharing at all: nobody else holds it open.
bool nobody_holds(const fs::path& path) {
  HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ, 0, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return false;
  }
  ::CloseHandle(handle);
  return true;
}

// The guardian inherits its three handles and nothing else of its owner's: a file the owner
// holds through an inheritable handle, unshared, is free again once the owner closes it, while
// a process that inherited everything holds it (the positive control).
TEST_F(WindowsGuardianTest, InheritsNoHandleOfItsOwner) {
  const fs::path held = scratch() / "held";
  test::create_by_name(held, "held");
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE handle = ::CreateFileW(held.c_str(), GENERIC_READ, 0, &inheritable, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(handle, INVALID_HANDLE_VALUE);
  HANDLE control = start_inheriting_everything();
  ASSERT_NE(control, nullptr);
  {
    ASSERT_EQ(os::guardian_status().pid, -1) << "a guardian of an earlier test still runs";
    const PseudoTemporaryDirectory directory;  // starts this process's guardian
    ASSERT_GT(os::guardian_status().pid, 0);
    ::CloseHandle(handle);
    EXPECT_FALSE(nobody_holds(held)) << "the control does not hold the file";
    ::TerminateProcess(control, 9);
    EXPECT_EQ(::WaitForSingleObject(control, 30000), WAIT_OBJECT_0);
    ::CloseHandle(control);
    EXPECT_TRUE(nobody_holds(held)) << "the guardian holds a handle of its owner's";
  }
  fs::remove(held);
}

TEST_F(WindowsGuardianTest, WithdrawnEntriesEndTheGuardianAndNothingElseIsTouched) {
  test::create_by_name(scratch() / "neighbour", "untouched");
  // cleanup(): removed by its owner, then withdrawn; the guardian ends with its last ticket.
  {
    PseudoTemporaryDirectory directory;
    test::create_by_name(directory.name() / "a.txt", "alpha");
    const os::GuardianStatus status = os::guardian_status();
    ASSERT_GT(status.pid, 0);
    EXPECT_EQ(status.tickets, 1U);
    HANDLE guardian = open_guardian(static_cast<DWORD>(status.pid));
    ASSERT_NE(guardian, nullptr);
    directory.cleanup();
    EXPECT_FALSE(test::entry_exists(directory.name()));
    EXPECT_TRUE(ends_cleanly(guardian));
    ::CloseHandle(guardian);
    EXPECT_EQ(os::guardian_status().pid, -1);
  }
  // keep(): withdrawn, so the guardian ends and the kept directory stays whole.
  fs::path kept;
  {
    PseudoTemporaryDirectory directory;
    test::create_by_name(directory.name() / "b.txt", "beta");
    HANDLE guardian = open_guardian(static_cast<DWORD>(os::guardian_status().pid));
    ASSERT_NE(guardian, nullptr);
    kept = directory.keep();
    EXPECT_TRUE(ends_cleanly(guardian));
    ::CloseHandle(guardian);
  }
  EXPECT_EQ(test::read_by_name(kept / "b.txt"), "beta");
  fs::remove_all(kept);
  // close(): a PseudoTemporaryFile removed by its owner, then withdrawn.
  {
    PseudoTemporaryFile file("w+b");
    file.write(std::string_view("gamma"));
    const fs::path name = file.name();
    EXPECT_EQ(name.parent_path(), scratch());
    HANDLE guardian = open_guardian(static_cast<DWORD>(os::guardian_status().pid));
    ASSERT_NE(guardian, nullptr);
    file.close();
    EXPECT_FALSE(test::entry_exists(name));
    EXPECT_TRUE(ends_cleanly(guardian));
    ::CloseHandle(guardian);
  }
  EXPECT_EQ(test::read_by_name(scratch() / "neighbour"), "untouched");
  fs::remove(scratch() / "neighbour");
}

}  // namespace
}  // namespace tempfile
