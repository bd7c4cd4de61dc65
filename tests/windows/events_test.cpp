// SPDX-License-Identifier: MIT
// Cleanup on console events and at std::terminate on Windows (run under wine in CI): a child
// process that holds a NamedTemporaryFile and is ended by Ctrl+C (a real console event, from its
// own console) or by std::terminate, with and without the opt-in; and each console event the
// handler takes, given to it as Windows gives it (on a thread of its own), for the events wine
// cannot deliver (Ctrl+Break, close, logoff, shutdown).
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "os/windows_console.hpp"
#include "support/scratch.hpp"
#include "support/windows_child.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// What makes WindowsChildProcess.EndsWithAnEvent a child's work: the directory to make the file
// in, the opt-in to call ("signals", "terminate" or "none") and how to end ("ctrl-c" or
// "terminate").
constexpr const wchar_t* directory_variable = L"TEMPFILE_EVENTS_CHILD_DIR";
constexpr const wchar_t* cleanup_variable = L"TEMPFILE_EVENTS_CHILD_CLEANUP";
constexpr const wchar_t* end_variable = L"TEMPFILE_EVENTS_CHILD_END";
// The child's exit status when the event did not end it.
constexpr int still_alive = 77;
constexpr int event_refused = 78;
// What msvcrt's abort() (the end of libstdc++'s terminate handler) exits with.
constexpr DWORD abort_status = 3;

// The child's half of the tests below. It never returns from the test (gtest would exit 0).
TEST(WindowsChildProcess, EndsWithAnEvent) {
  const char* directory = std::getenv("TEMPFILE_EVENTS_CHILD_DIR");
  const char* cleanup = std::getenv("TEMPFILE_EVENTS_CHILD_CLEANUP");
  const char* end = std::getenv("TEMPFILE_EVENTS_CHILD_END");
  if (directory == nullptr || cleanup == nullptr || end == nullptr) {
    GTEST_SKIP() << "run by the WindowsEventsTest tests";
  }
  if (std::string(cleanup) == "signals") {
    cleanup_on_signals();
  } else if (std::string(cleanup) == "terminate") {
    cleanup_on_terminate();
  }
  NamedTemporaryFile file({.dir = fs::path(directory)});
  file.write("held");
  file.flush();
  {
    std::ofstream name(fs::path(directory) / "name", std::ios::binary);
    name << file.name().string();
  }
  if (std::string(end) == "terminate") {
    std::terminate();
  }
  // Ctrl+C processing is an attribute a process inherits: make sure it is on, then send the
  // event to every process of this console (this one alone: it has a console of its own).
  ::SetConsoleCtrlHandler(nullptr, FALSE);
  if (::GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0) == 0) {
    std::fprintf(stderr, "GenerateConsoleCtrlEvent failed, error %lu\n", ::GetLastError());
    std::_Exit(event_refused);
  }
  ::Sleep(30000);
  std::_Exit(still_alive);
}

class WindowsEventsTest : public test::ScratchTest {
 protected:
  struct Outcome {
    DWORD status = 0;
    fs::path name;  // the child's NamedTemporaryFile
  };

  // Runs the child with `cleanup` and `end` in a console of its own (hidden), waits for it, and
  // reads the name of the file it made.
  [[nodiscard]] Outcome run_child(const fs::path& directory, const wchar_t* cleanup,
                                  const wchar_t* end) const {
    Outcome outcome;
    EXPECT_NE(::SetEnvironmentVariableW(directory_variable, directory.c_str()), 0);
    EXPECT_NE(::SetEnvironmentVariableW(cleanup_variable, cleanup), 0);
    EXPECT_NE(::SetEnvironmentVariableW(end_variable, end), 0);
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESHOWWINDOW;
    startup.wShowWindow = SW_HIDE;
    HANDLE child = test::start_child_test(L"EndsWithAnEvent", CREATE_NEW_CONSOLE, &startup);
    ::SetEnvironmentVariableW(directory_variable, nullptr);
    ::SetEnvironmentVariableW(cleanup_variable, nullptr);
    ::SetEnvironmentVariableW(end_variable, nullptr);
    if (child == nullptr) {
      return outcome;
    }
    if (::WaitForSingleObject(child, 60000) != WAIT_OBJECT_0) {
      ADD_FAILURE() << "the child did not end";
      ::TerminateProcess(child, 9);
      ::WaitForSingleObject(child, 10000);
    }
    EXPECT_NE(::GetExitCodeProcess(child, &outcome.status), 0);
    ::CloseHandle(child);
    std::ifstream name(directory / "name", std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(name), std::istreambuf_iterator<char>()};
    EXPECT_FALSE(text.empty()) << "the child never made its file";
    outcome.name = fs::path(text);
    return outcome;
  }

  // The console's default action: ExitProcess(STATUS_CONTROL_C_EXIT) on Windows; wine's
  // default handler exits with 0 (a child that was not ended exits with still_alive, and one
  // whose event was refused with event_refused).
  static void expect_ended_by_the_console(DWORD status) {
    EXPECT_TRUE(status == static_cast<DWORD>(STATUS_CONTROL_C_EXIT) || status == 0)
        << "exit status " << status;
  }
};

TEST_F(WindowsEventsTest, CtrlCRemovesTheFileAfterCleanupOnSignals) {
  const fs::path directory = make_subdir("child");
  const Outcome outcome = run_child(directory, L"signals", L"ctrl-c");
  expect_ended_by_the_console(outcome.status);
  EXPECT_EQ(outcome.name.parent_path(), directory);
  EXPECT_FALSE(fs::exists(outcome.name));
  EXPECT_EQ(test::list_dir(directory), std::set<std::string>{"name"});
  fs::remove_all(directory);
}

// The positive control: the same end without the opt-in leaves the file (no exit handler runs).
TEST_F(WindowsEventsTest, CtrlCLeavesTheFileWithoutCleanupOnSignals) {
  const fs::path directory = make_subdir("child");
  const Outcome outcome = run_child(directory, L"none", L"ctrl-c");
  expect_ended_by_the_console(outcome.status);
  EXPECT_EQ(outcome.name.parent_path(), directory);
  EXPECT_TRUE(fs::exists(outcome.name));
  fs::remove_all(directory);
}

TEST_F(WindowsEventsTest, TerminateRemovesTheFileAfterCleanupOnTerminate) {
  const fs::path directory = make_subdir("child");
  const Outcome outcome = run_child(directory, L"terminate", L"terminate");
  EXPECT_EQ(outcome.status, abort_status);  // the previous handler ran: abort()
  EXPECT_EQ(outcome.name.parent_path(), directory);
  EXPECT_FALSE(fs::exists(outcome.name));
  EXPECT_EQ(test::list_dir(directory), std::set<std::string>{"name"});
  fs::remove_all(directory);
}

// The positive control: std::terminate aborts without unwinding; nothing removes the file.
TEST_F(WindowsEventsTest, TerminateLeavesTheFileWithoutCleanupOnTerminate) {
  const fs::path directory = make_subdir("child");
  const Outcome outcome = run_child(directory, L"none", L"terminate");
  EXPECT_EQ(outcome.status, abort_status);
  EXPECT_EQ(outcome.name.parent_path(), directory);
  EXPECT_TRUE(fs::exists(outcome.name));
  fs::remove_all(directory);
}

// Windows calls a console control handler on a thread it makes for the event: so does this
// test, with each event the handler takes. Wine delivers only CTRL_C_EVENT (the child tests
// above); these are the others, and Ctrl+C again in this process.
TEST_F(WindowsEventsTest, EachConsoleEventRemovesTheRegisteredFiles) {
  for (const int event :
       {CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT}) {
    SCOPED_TRACE("event " + std::to_string(event));
    // Open (and owed its removal at destruction only), so that nothing but the handler removes
    // it at close().
    NamedTemporaryFile open({.delete_on_close = false});
    NamedTemporaryFile closed({.mode = "w", .delete_on_close = false});
    closed.write("text");
    closed.close();  // closed, still owed a removal
    NamedTemporaryFile kept({.delete_ = false});
    int answer = -1;
    std::thread([&] {
      answer = os::windows::console_cleanup_handler(static_cast<DWORD>(event));
    }).join();
    EXPECT_EQ(answer, FALSE);  // not handled: the default action ends the process
    EXPECT_FALSE(fs::exists(closed.name()));
    EXPECT_TRUE(fs::exists(kept.name()));  // never registered
    // Where Windows takes a name away at once (POSIX delete semantics) the open file's is gone
    // already; elsewhere (wine, FAT) it goes with the last handle: here at close(), and in a
    // process that the event ends, with the process.
    open.close();
    EXPECT_FALSE(fs::exists(open.name()));
    kept.close();
    fs::remove(kept.name());
  }
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

// The handler runs while other threads register, remove and withdraw files (holding the
// registry's lock for moments): it waits for them rather than deadlocking or walking a list
// being changed, and every file ends removed exactly once, by the handler or by its owner.
TEST_F(WindowsEventsTest, HandlerDuringChurnWaitsForTheLockAndLeavesNothing) {
  std::atomic<bool> stop{false};
  std::atomic<int> made{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t) {
    workers.emplace_back([&] {
      while (!stop.load()) {
        NamedTemporaryFile file;
        file.write("churn");
        made.fetch_add(1);
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    while (made.load() < round * 5) {
      std::this_thread::yield();
    }
    std::thread([] {
      static_cast<void>(os::windows::console_cleanup_handler(CTRL_C_EVENT));
    }).join();
  }
  stop.store(true);
  for (std::thread& worker : workers) {
    worker.join();
  }
  EXPECT_GE(made.load(), 95);
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

// Any other value is not an event the handler takes: nothing is removed (the positive control
// of the test above).
TEST_F(WindowsEventsTest, OtherValuesRemoveNothing) {
  fs::path name;
  {
    NamedTemporaryFile file({.delete_on_close = false});
    name = file.name();
    int answer = -1;
    std::thread([&] { answer = os::windows::console_cleanup_handler(3); }).join();
    EXPECT_EQ(answer, FALSE);
    EXPECT_TRUE(fs::exists(name));
    file.close();
    EXPECT_TRUE(fs::exists(name));  // what the test above sees gone
  }
  EXPECT_FALSE(fs::exists(name));  // the owner's removal, at destruction
}

}  // namespace
}  // namespace tempfile
