// SPDX-License-Identifier: MIT
// Held directories on Windows (run under wine in CI): what is created in a Directory lands in the
// directory held, even after its path was renamed (the held handle shares deletion, and every
// call goes through it); std::filesystem::remove_all of a live TemporaryDirectory and an outer
// one's removal with an inner one alive; persist() and atomic_write() into a held directory; a
// creation in progress waited for by the console handler's walk; directories whose paths are
// longer than MAX_PATH, and the \\?\ prefix the library gives such paths.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>
#include <io.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "os/windows_console.hpp"
#include "os/windows_error.hpp"
#include "os/windows_path.hpp"
#include "support/scratch.hpp"
#include "support/windows_child.hpp"
#include "support/windows_files.hpp"
#include "tempfile/atomic_write.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// `path` with the \\?\ prefix: how a test reaches what is longer than MAX_PATH by itself.
fs::path long_form(const fs::path& path) {
  return fs::path(L"\\\\?\\" + path.wstring());
}

// Whether the system takes a name away at once when it is deleted while other handles are open
// (FileDispositionInfoEx with POSIX semantics: NTFS on Windows 10 1709 and later). Elsewhere
// (wine, FAT, older Windows) the name stays, pending deletion, until the last handle closes.
bool deletes_names_at_once(const fs::path& scratch) {
  const fs::path probe = scratch / "posix-delete-probe";
  test::create_by_name(probe, "");
  HANDLE other = ::CreateFileW(probe.c_str(), GENERIC_READ,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                               OPEN_EXISTING, 0, nullptr);
  HANDLE deleting =
      ::CreateFileW(probe.c_str(), DELETE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    nullptr, OPEN_EXISTING, 0, nullptr);
  struct {
    DWORD flags;
  } posix{0x1 | 0x2};  // FILE_DISPOSITION_FLAG_DELETE | FILE_DISPOSITION_FLAG_POSIX_SEMANTICS
  const bool set =
      ::SetFileInformationByHandle(deleting, static_cast<FILE_INFO_BY_HANDLE_CLASS>(21), &posix,
                                   sizeof posix) != 0;
  const bool gone = set && !test::entry_exists(probe);
  if (!set) {
    FILE_DISPOSITION_INFO classic{};
    classic.DeleteFile = TRUE;
    ::SetFileInformationByHandle(deleting, FileDispositionInfo, &classic, sizeof classic);
  }
  ::CloseHandle(deleting);
  ::CloseHandle(other);
  return gone;
}

using WindowsHeldTest = test::ScratchTest;

// The held handle shares deletion, so the directory can be renamed while held (the positive
// control: the rename happens, and another directory takes the old name); what is made in it
// afterwards goes through the handle, into the renamed directory, never to the old path.
TEST_F(WindowsHeldTest, CreationLandsInTheHeldDirectoryAfterItsPathIsRenamed) {
  const fs::path old_path = make_subdir("held");
  const fs::path renamed = scratch() / "renamed";
  {
    const Directory held(old_path);
    ASSERT_NE(::MoveFileW(old_path.c_str(), renamed.c_str()), 0) << ::GetLastError();
    ASSERT_FALSE(test::entry_exists(old_path));
    ASSERT_TRUE(test::entry_exists(renamed));
    ASSERT_NE(::CreateDirectoryW(old_path.c_str(), nullptr), 0);  // another one under the name
    const auto [fd, path] = mkstemp({.suffix = ".bin", .dir = held});
    EXPECT_EQ(::_write(fd, "made", 4), 4);
    ::_close(fd);
    const fs::path made = mkdtemp({.dir = held});
    {
      os::FileDescriptor created;
      ASSERT_EQ(os::create_file_exclusive(held.native_handle(), "os_file", os::file_mode, created),
                0);
    }
    ASSERT_EQ(os::create_directory(held.native_handle(), "os_directory", os::directory_mode), 0);
    // The names the library reports are the held directory's path joined with them (as on
    // POSIX, where a renamed directory's held descriptor works the same way).
    EXPECT_EQ(fs::path(path).parent_path(), old_path);
    EXPECT_EQ(test::list_dir(renamed),
              (std::set<std::string>{fs::path(path).filename().string(), made.filename().string(),
                                     "os_directory", "os_file"}));
    EXPECT_EQ(test::read_by_name(renamed / fs::path(path).filename()), "made");
    EXPECT_TRUE(test::list_dir(old_path).empty());
    // (Queries of an entry opened through the renamed directory, entry_status and removal
    // among them, are not tested here: wine answers them with the path the directory had when
    // it was opened, and fails them; docs/windows.md.)
  }
  fs::remove_all(renamed);
  EXPECT_TRUE(fs::remove(old_path));
}

// A held TemporaryDirectory can be removed by name by others, as on POSIX: remove_all of its
// name succeeds, and its own cleanup then finds nothing left to do.
TEST_F(WindowsHeldTest, RemoveAllOfALiveTemporaryDirectorySucceeds) {
  fs::path name;
  {
    TemporaryDirectory directory;
    name = directory.name();
    test::create_by_name(name / "a.txt", "a");
    ASSERT_TRUE(fs::create_directory(name / "sub"));
    test::create_by_name(name / "sub" / "b.txt", "b");
    std::error_code ec;
    EXPECT_GT(fs::remove_all(name, ec), 0U);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_NO_THROW(directory.cleanup());
  }
  EXPECT_FALSE(test::entry_exists(name));
}

// An outer TemporaryDirectory is removed while an inner one made in it is alive: the inner
// one's handle shares deletion, so it is no obstacle to the outer removal.
TEST_F(WindowsHeldTest, OuterTemporaryDirectoryIsRemovedWhileAnInnerOneLives) {
  if (!deletes_names_at_once(scratch())) {
    // The inner directory's name stays, pending deletion, while its handle is open, and keeps
    // the outer one from being empty (wine's classic disposition also "succeeds" on a directory
    // that is not empty, and then removes nothing).
    GTEST_SKIP() << "this system has no POSIX delete semantics (wine, FAT, Windows before 10 "
                    "1709): a directory held open keeps its name until its handle closes; "
                    "docs/windows.md lists this test";
  }
  fs::path outer_name;
  fs::path inner_name;
  {
    TemporaryDirectory outer;
    outer_name = outer.name();
    TemporaryDirectory inner({.dir = outer});
    inner_name = inner.name();
    test::create_by_name(inner_name / "in.txt", "in");
    EXPECT_NO_THROW(outer.cleanup());
    EXPECT_FALSE(test::entry_exists(inner_name));
    EXPECT_FALSE(test::entry_exists(outer_name));
  }  // the inner one's removal finds nothing left
  EXPECT_FALSE(test::entry_exists(outer_name));
}

TEST_F(WindowsHeldTest, PersistIntoAHeldDirectoryReplacesAndRefusesToClobber) {
  const fs::path sub = make_subdir("target");
  test::create_by_name(sub / "t.txt", "old");
  const Directory held(sub);
  NamedTemporaryFile file;
  file.write(std::string_view("new"));
  file.persist("t.txt", {.dir = held});
  EXPECT_EQ(file.name(), sub / "t.txt");
  EXPECT_EQ(test::read_by_name(sub / "t.txt"), "new");
  file.close();
  // No clobber: EEXIST, both intact, and the object handed back (it persists elsewhere).
  NamedTemporaryFile second;
  const fs::path temporary = second.name();
  second.write(std::string_view("mine"));
  EXPECT_TEMPFILE_ERROR(second.persist("t.txt", {.overwrite = false, .dir = held}),
                        std::errc::file_exists, "rename (no replace) failed from");
  EXPECT_EQ(test::read_by_name(sub / "t.txt"), "new");
  EXPECT_EQ(second.name(), temporary);
  EXPECT_EQ(test::read_by_name(temporary), "mine");
  second.persist("other.txt", {.overwrite = false, .dir = held});
  EXPECT_EQ(test::read_by_name(sub / "other.txt"), "mine");
  EXPECT_FALSE(test::entry_exists(temporary));
  second.close();
  // A directory is no target to replace.
  ASSERT_TRUE(fs::create_directory(sub / "dir"));
  NamedTemporaryFile third;
  EXPECT_TEMPFILE_ERROR(third.persist("dir", {.dir = held}), std::errc::is_a_directory,
                        "rename failed from");
  third.close();
  EXPECT_EQ(test::list_dir(sub), (std::set<std::string>{"dir", "other.txt", "t.txt"}));
  fs::remove_all(sub);  // while held: it shares deletion
}

TEST_F(WindowsHeldTest, AtomicWriteIntoAHeldDirectory) {
  const fs::path sub = make_subdir("aw");
  const Directory held(sub);
  atomic_write("config.json", std::string_view("first"), {.dir = held});
  EXPECT_EQ(test::read_by_name(sub / "config.json"), "first");
  atomic_write("config.json", std::string_view("second"), {.dir = held});
  EXPECT_EQ(test::read_by_name(sub / "config.json"), "second");
  EXPECT_TEMPFILE_ERROR(
      atomic_write("config.json", std::string_view("third"), {.overwrite = false, .dir = held}),
      std::errc::file_exists, "rename (no replace) failed from");
  EXPECT_EQ(test::read_by_name(sub / "config.json"), "second");
  EXPECT_EQ(test::list_dir(sub), std::set<std::string>{"config.json"});  // no debris
  fs::remove_all(sub);  // while held: it shares deletion
}

// The variable that makes WindowsChildProcess.CreatesWhileTheHandlerWalks a child's work: the
// directory to create in.
constexpr const wchar_t* race_variable = L"TEMPFILE_WINDOWS_CHILD_RACE";

// The child's half of the test below (in a process of its own: once a handler has run, every
// later creation of the process waits for the end). A thread creates a file and registers it
// 300 ms later, inside its creation window, while the console handler runs on another thread:
// the handler waits for the window to close, then removes the file.
TEST(WindowsChildProcess, CreatesWhileTheHandlerWalks) {
  const char* directory = std::getenv("TEMPFILE_WINDOWS_CHILD_RACE");
  if (directory == nullptr) {
    GTEST_SKIP() << "run by WindowsHeldTest.ConsoleHandlerWaitsForACreationInProgress";
  }
  os::count_cleanup_windows();  // as cleanup_on_signals() does
  std::atomic<bool> created{false};
  std::atomic<bool> registered{false};
  fs::path path;
  os::CleanupRegistration registration;
  std::thread creator([&] {
    const os::CleanupWindow window;
    const auto [fd, name] = mkstemp({.dir = fs::path(directory)});
    path = name;
    os::EntryIdentity identity;
    ASSERT_EQ(os::identify_fd(fd, identity), 0);
    ::_close(fd);
    created.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    registration =
        os::CleanupRegistration::add(os::CleanupKind::file, os::from_path(path), identity);
    registered.store(true);
  });
  while (!created.load()) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(test::entry_exists(path));  // there, and not registered yet, when the handler starts
  EXPECT_FALSE(registered.load());
  std::thread([] { static_cast<void>(os::windows::console_cleanup_handler(CTRL_C_EVENT)); }).join();
  EXPECT_TRUE(registered.load());  // the handler waited for the window
  EXPECT_FALSE(test::entry_exists(path));
  creator.join();
}

TEST_F(WindowsHeldTest, ConsoleHandlerWaitsForACreationInProgress) {
  ASSERT_NE(::SetEnvironmentVariableW(race_variable, scratch().c_str()), 0);
  HANDLE child = test::start_child_test(L"CreatesWhileTheHandlerWalks");
  ::SetEnvironmentVariableW(race_variable, nullptr);
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(::WaitForSingleObject(child, 60000), WAIT_OBJECT_0);
  DWORD status = 1;
  EXPECT_NE(::GetExitCodeProcess(child, &status), 0);
  ::CloseHandle(child);
  EXPECT_EQ(status, 0U);                           // the child's expectations held
  EXPECT_TRUE(test::list_dir(scratch()).empty());  // and its file was removed
}

// Should SetConsoleCtrlHandler fail, cleanup_on_signals() says what it could not install in
// Windows' words (the text comes from the OS layer), not POSIX signals.
TEST(WindowsEventCleanupText, NamesConsoleEvents) {
  const os::SignalCleanupText text = os::signal_cleanup_text();
  EXPECT_STREQ(text.action, "cannot install a console control handler for");
  EXPECT_STREQ(text.events, "console events (Ctrl+C, Ctrl+Break, close, logoff, shutdown)");
}

// A `dir` whose path is longer than MAX_PATH, given as a plain path: the library adds the
// \\?\ prefix where it widens it. Files and directories are made in it and removed, and rmtree
// removes it.
TEST_F(WindowsHeldTest, DirectoriesLongerThanMaxPathWork) {
  fs::path deep = scratch() / "long";
  ASSERT_NE(::CreateDirectoryW(deep.c_str(), nullptr), 0);
  for (int level = 0; level < 4; ++level) {
    deep /= "level_" + std::to_string(level) + "_" + std::string(70, 'x');
    ASSERT_NE(::CreateDirectoryW(long_form(deep).c_str(), nullptr), 0) << ::GetLastError();
  }
  ASSERT_GT(deep.native().size(), static_cast<std::size_t>(MAX_PATH));
  {
    const auto [fd, path] = mkstemp({.dir = deep});
    EXPECT_EQ(::_write(fd, "long", 4), 4);
    ::_close(fd);
    EXPECT_EQ(fs::path(path).parent_path(), deep);
    EXPECT_EQ(test::read_by_name(long_form(path)), "long");
    NamedTemporaryFile named({.dir = deep});
    named.write(std::string_view("named"));
    named.persist(deep / "persisted.txt");
    named.close();
    EXPECT_EQ(test::read_by_name(long_form(deep / "persisted.txt")), "named");
    fs::path inner;
    {
      TemporaryDirectory directory({.dir = deep});
      inner = directory.name();
      test::create_by_name(long_form(inner / "f.txt"), "f");
      NamedTemporaryFile in_held({.dir = directory});
      in_held.write(std::string_view("x"));
    }
    EXPECT_FALSE(test::entry_exists(long_form(inner)));
    const fs::path made = mkdtemp({.dir = deep});
    EXPECT_TRUE(test::entry_exists(long_form(made)));
    EXPECT_TRUE(test::entry_exists(long_form(path)));
  }
  rmtree(deep.parent_path());
  EXPECT_FALSE(test::entry_exists(long_form(deep.parent_path())));
  rmtree(scratch() / "long");
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

// Wine takes long paths without the prefix (the test above passes there either way); Windows
// without its long-path setting does not. So what the library passes to the system is checked
// here: the prefix on every path whose full form reaches the limit, none on shorter ones.
TEST(WindowsLongPath, WidenedPathsGetThePrefixFromTheLimitOn) {
  std::wstring out;
  ASSERT_EQ(os::windows::widen_path("C:\\short\\path", out), 0);
  EXPECT_EQ(out, L"C:\\short\\path");
  const std::string long_name(300, 'a');
  ASSERT_EQ(os::windows::widen_path("C:\\dir/" + long_name + "/./x", out), 0);
  EXPECT_EQ(out, L"\\\\?\\C:\\dir\\" + std::wstring(300, L'a') + L"\\x");  // made full
  ASSERT_EQ(os::windows::widen_path("\\\\server\\share\\" + long_name, out), 0);
  EXPECT_EQ(out, L"\\\\?\\UNC\\server\\share\\" + std::wstring(300, L'a'));
  ASSERT_EQ(os::windows::widen_path("\\\\?\\C:\\" + long_name, out), 0);
  EXPECT_EQ(out, L"\\\\?\\C:\\" + std::wstring(300, L'a'));  // prefixed already: as it is
  // A short relative path whose full form is long: the current directory counts.
  std::wstring current(MAX_PATH, L'\0');
  current.resize(::GetCurrentDirectoryW(MAX_PATH, current.data()));
  const std::string relative(MAX_PATH - 1 - current.size(), 'r');
  ASSERT_EQ(os::windows::widen_path(relative, out), 0);
  EXPECT_EQ(out.rfind(L"\\\\?\\", 0), 0U) << os::windows::narrow(out);
  EXPECT_EQ(os::windows::widen_path("bad\xff", out), EILSEQ);
}

}  // namespace
}  // namespace tempfile
