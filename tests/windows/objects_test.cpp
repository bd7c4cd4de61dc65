// SPDX-License-Identifier: MIT
// TemporaryFile, NamedTemporaryFile and SpooledTemporaryFile on Windows (run under wine in CI):
// an unnamed file that is gone when closed and when its process is killed, a named file other
// openers reach while it is open, Python 3.12's delete / delete_on_close, the exit-time removal,
// and a rollover into the unnamed file.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "os/cleanup.hpp"
#include "support/descriptor.hpp"
#include "support/scratch.hpp"
#include "support/windows_child.hpp"
#include "support/windows_files.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// The variable that makes WindowsChildProcess.HoldsATemporaryFile a child's work: the directory
// to make the file in.
constexpr const wchar_t* child_directory_variable = L"TEMPFILE_WINDOWS_CHILD_DIR";

class WindowsObjectsTest : public test::ScratchTest {};

TEST_F(WindowsObjectsTest, TemporaryFileReadsBackAndVanishesWhenClosed) {
  {
    TemporaryFile file("w+b");
    file.write(std::string("abc\n\x1a", 5));
    file.flush();
    EXPECT_EQ(test::descriptor_contents(file.fileno()), std::string("abc\n\x1a", 5));
    file.seek(0, SEEK_SET);
    EXPECT_EQ(file.read(), std::string("abc\n\x1a", 5));
    // Python's TemporaryFile name: the descriptor number.
    EXPECT_EQ(file.name(), fs::path(std::to_string(file.fileno())));
    // Where the system takes the name away at once (POSIX delete semantics), nothing is seen
    // even while it is open; elsewhere the name stays until the close.
    const std::set<std::string> while_open = test::list_dir(scratch());
    EXPECT_LE(while_open.size(), 1U);
    file.close();
  }
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

// The child's half of the next test: holds a TemporaryFile, says so, and waits to be killed.
TEST(WindowsChildProcess, HoldsATemporaryFile) {
  const char* directory = std::getenv("TEMPFILE_WINDOWS_CHILD_DIR");
  if (directory == nullptr) {
    GTEST_SKIP() << "run by WindowsObjectsTest.TemporaryFileVanishesWhenItsProcessIsKilled";
  }
  TemporaryFile file({.dir = fs::path(directory)});
  file.write(std::string(100000, 'x'));
  file.flush();
  std::FILE* ready = std::fopen((fs::path(directory) / "ready").string().c_str(), "wb");
  ASSERT_NE(ready, nullptr);
  std::fclose(ready);
  ::Sleep(INFINITE);
}

TEST_F(WindowsObjectsTest, TemporaryFileVanishesWhenItsProcessIsKilled) {
  const fs::path directory = make_subdir("child");
  ASSERT_NE(::SetEnvironmentVariableW(child_directory_variable, directory.c_str()), 0);
  HANDLE child = test::start_child_test(L"HoldsATemporaryFile");
  ::SetEnvironmentVariableW(child_directory_variable, nullptr);
  ASSERT_NE(child, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(directory / "ready") && std::chrono::steady_clock::now() < deadline &&
         ::WaitForSingleObject(child, 0) == WAIT_TIMEOUT) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(fs::exists(directory / "ready")) << "the child never made its file";
  // A kill, not an exit: no destructor and no exit handler runs in the child.
  ::TerminateProcess(child, 9);
  EXPECT_EQ(::WaitForSingleObject(child, 30000), WAIT_OBJECT_0);
  ::CloseHandle(child);
  // The system closed the child's handles, and the delete-on-close file went with them.
  std::set<std::string> left;
  for (int wait = 0; wait < 100; ++wait) {
    left = test::list_dir(directory);
    if (left.size() <= 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(left, std::set<std::string>{"ready"});
  fs::remove_all(directory);
}

TEST_F(WindowsObjectsTest, NamedTemporaryFileOpensByNameWhileOpenAndGoesOnClose) {
  NamedTemporaryFile file({.mode = "w+b", .suffix = ".txt"});
  const fs::path name = file.name();
  EXPECT_TRUE(name.is_absolute());
  EXPECT_EQ(name.parent_path(), scratch());
  EXPECT_EQ(name.extension(), ".txt");
  file.write(std::string("shared\r\n"));
  file.flush();
  EXPECT_EQ(test::read_by_name(name), "shared\r\n");
  // Another open of the name writes too, and this object reads what it wrote.
  {
    HANDLE other = ::CreateFileW(name.c_str(), GENERIC_WRITE,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                 OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    ASSERT_NE(other, INVALID_HANDLE_VALUE) << ::GetLastError();
    DWORD written = 0;
    EXPECT_NE(::WriteFile(other, "S", 1, &written, nullptr), 0);
    ::CloseHandle(other);
  }
  file.seek(0, SEEK_SET);
  EXPECT_EQ(file.read(), "Shared\r\n");
  // reopen(): a second object over the same file, by name.
  NamedTemporaryFile again = file.reopen();
  EXPECT_EQ(again.read(), "Shared\r\n");
  again.close();
  EXPECT_TRUE(fs::exists(name));  // the reopened object owes no removal
  file.close();                   // delete_on_close (the default): gone now
  EXPECT_FALSE(fs::exists(name));
}

// Python 3.12: delete_on_close=False keeps the file after close() until the object goes.
TEST_F(WindowsObjectsTest, DeleteOnCloseFalseKeepsTheFileUntilDestruction) {
  fs::path name;
  {
    NamedTemporaryFile file({.mode = "w", .delete_on_close = false});
    name = file.name();
    file.write("kept");
    file.close();
    ASSERT_TRUE(fs::exists(name));
    EXPECT_EQ(test::read_by_name(name), "kept");
  }
  EXPECT_FALSE(fs::exists(name));
}

TEST_F(WindowsObjectsTest, DeleteFalseKeepsTheFile) {
  fs::path name;
  {
    NamedTemporaryFile file({.delete_ = false});
    name = file.name();
  }
  EXPECT_TRUE(fs::exists(name));
  EXPECT_TRUE(fs::remove(name));
}

// chmod 0400 (the read-only attribute on Windows) must not make the file undeletable.
TEST_F(WindowsObjectsTest, ReadOnlyFileIsStillRemoved) {
  fs::path name;
  {
    NamedTemporaryFile file;
    name = file.name();
    file.chmod(fs::perms::owner_read);
    EXPECT_NE(::GetFileAttributesW(name.c_str()) & FILE_ATTRIBUTE_READONLY, 0U);
  }
  EXPECT_FALSE(fs::exists(name));
  if (fs::exists(name)) {  // leave the scratch directory removable
    fs::permissions(name, fs::perms::owner_write, fs::perm_options::add);
    fs::remove(name);
  }
}

// The exit handler's work removes every live named file of this process; the owner then finds
// the removal done and does nothing (its name may belong to someone else by then).
TEST_F(WindowsObjectsTest, ExitCleanupRemovesLiveNamedFiles) {
  NamedTemporaryFile file;
  const fs::path name = file.name();
  ASSERT_TRUE(fs::exists(name));
  os::run_exit_cleanup();
  // With POSIX delete semantics the name is gone now; where the system has only the classic
  // disposition (older Windows, wine), it goes when the last handle closes: at exit, the system
  // closes them. Either way the object's close finds the removal done, and reports no error.
  file.close();
  EXPECT_FALSE(fs::exists(name));
}

// A file that took the name of ours is not ours, and is left alone. (Ours is moved away rather
// than removed: a removed file's number may be given to the next one, which NTFS tells apart by
// the index's sequence number but wine, reporting the Linux inode number, cannot.)
TEST_F(WindowsObjectsTest, ANameThatNowRefersToAnotherFileIsLeft) {
  fs::path name;
  fs::path moved;
  {
    NamedTemporaryFile file({.delete_on_close = false});
    name = file.name();
    moved = name;
    moved += ".moved";
    file.close();
    fs::rename(name, moved);
    std::FILE* other = ::_wfopen(name.c_str(), L"wb");
    ASSERT_NE(other, nullptr);
    std::fclose(other);
  }  // the destructor owes the removal, finds another file under the name, and leaves it
  EXPECT_TRUE(fs::exists(name));
  EXPECT_TRUE(fs::remove(name));
  EXPECT_TRUE(fs::remove(moved));
}

// SpooledTemporaryFile rolls over into TemporaryFile's file (Windows has no memfd: memfd=true
// falls back to it too), with every byte, and leaves nothing once closed.
TEST_F(WindowsObjectsTest, SpooledTemporaryFileRollsOverIntoADeleteOnCloseFile) {
  for (const bool memfd : {false, true}) {
    SCOPED_TRACE(memfd);
    SpooledTemporaryFile file({.max_size = 10, .memfd = memfd});
    file.write(std::string("01234"));
    EXPECT_FALSE(file.rolled());
    EXPECT_TRUE(test::list_dir(scratch()).empty());  // in memory: nothing on disk
    file.write(std::string("56789\nabc"));
    ASSERT_TRUE(file.rolled());
    EXPECT_EQ(file.name(), fs::path(std::to_string(file.fileno())));
    file.flush();
    EXPECT_EQ(test::descriptor_contents(file.fileno()), "0123456789\nabc");
    file.seek(3, SEEK_SET);
    EXPECT_EQ(file.read(4), "3456");
    EXPECT_LE(test::list_dir(scratch()).size(), 1U);
    file.close();
    EXPECT_TRUE(test::list_dir(scratch()).empty());
  }
}

}  // namespace
}  // namespace tempfile
