// SPDX-License-Identifier: MIT
// TemporaryDirectory, Directory and rmtree on Windows (run under wine in CI): trees removed by
// cleanup(), the destructor, rmtree and the exit handler; read-only entries removed; a file held
// open without FILE_SHARE_DELETE reported, and removed once let go; links inside a tree removed as
// themselves, their targets untouched; a held directory that may be renamed, and the OS layer's
// calls relative to one; Unicode names; a PseudoTemporaryDirectory made and cleaned up.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>
#include <io.h>
#include <winioctl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "support/scratch.hpp"
#include "support/windows_child.hpp"
#include "support/windows_files.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// The variable that makes WindowsChildProcess.ExitsWithLiveTemporaryDirectories a child's work:
// the directory to make them in.
constexpr const wchar_t* tree_variable = L"TEMPFILE_WINDOWS_CHILD_TREE";

// Makes a file with `bytes` through the wide API (the name may be any Unicode).
void make_file(const fs::path& path, const std::string& bytes) {
  HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(handle, INVALID_HANDLE_VALUE) << "cannot make " << path << ": " << ::GetLastError();
  DWORD written = 0;
  EXPECT_NE(::WriteFile(handle, bytes.data(), static_cast<DWORD>(bytes.size()), &written, nullptr),
            0);
  ::CloseHandle(handle);
}

std::string read_file(const fs::path& path) {
  // Shared as the library's own files are: a NamedTemporaryFile's is open for writing.
  HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return "<missing>";
  }
  std::string bytes(256, '\0');
  DWORD got = 0;
  ::ReadFile(handle, bytes.data(), static_cast<DWORD>(bytes.size()), &got, nullptr);
  ::CloseHandle(handle);
  bytes.resize(got);
  return bytes;
}

// A tree of files and nested directories under `root`.
void fill(const fs::path& root) {
  make_file(root / "a.txt", "alpha");
  ASSERT_NE(::CreateDirectoryW((root / "d1").c_str(), nullptr), 0);
  ASSERT_NE(::CreateDirectoryW((root / "d1" / "d2").c_str(), nullptr), 0);
  ASSERT_NE(::CreateDirectoryW((root / "d1" / "d2" / "d3").c_str(), nullptr), 0);
  ASSERT_NE(::CreateDirectoryW((root / "empty").c_str(), nullptr), 0);
  make_file(root / "d1" / "b.bin", std::string(70000, 'b'));
  make_file(root / "d1" / "d2" / "c", "");
  make_file(root / "d1" / "d2" / "d3" / "deep.txt", "deep");
}

using WindowsDirectoryTest = test::ScratchTest;

TEST_F(WindowsDirectoryTest, CleanupRemovesFilesAndNestedDirectories) {
  TemporaryDirectory directory;
  const fs::path name = directory.name();
  EXPECT_EQ(name.parent_path(), scratch());
  fill(name);
  EXPECT_EQ(read_file(name / "d1" / "d2" / "d3" / "deep.txt"), "deep");  // the tree is there
  directory.cleanup();
  EXPECT_FALSE(test::entry_exists(name));
  EXPECT_TRUE(test::list_dir(scratch()).empty());
  directory.cleanup();  // a second cleanup() does nothing
}

TEST_F(WindowsDirectoryTest, DestructorRemovesTheTree) {
  fs::path name;
  {
    TemporaryDirectory directory({.suffix = "_post", .prefix = "pre_"});
    name = directory.name();
    EXPECT_EQ(name.filename().wstring().rfind(L"pre_", 0), 0U);
    fill(name);
    EXPECT_TRUE(test::entry_exists(name / "d1" / "b.bin"));
  }
  EXPECT_FALSE(test::entry_exists(name));
}

TEST_F(WindowsDirectoryTest, ReadOnlyFilesAndDirectoriesInsideAreRemoved) {
  TemporaryDirectory directory;
  const fs::path name = directory.name();
  fill(name);
  make_file(name / "readonly.txt", "r");
  ASSERT_NE(::SetFileAttributesW((name / "readonly.txt").c_str(), FILE_ATTRIBUTE_READONLY), 0);
  ASSERT_NE(::SetFileAttributesW((name / "d1" / "d2" / "c").c_str(), FILE_ATTRIBUTE_READONLY), 0);
  ASSERT_NE(::SetFileAttributesW((name / "d1" / "d2").c_str(), FILE_ATTRIBUTE_READONLY), 0);
  ASSERT_NE(::SetFileAttributesW((name / "empty").c_str(), FILE_ATTRIBUTE_READONLY), 0);
  // The positive control: the attribute really keeps a plain deletion out.
  EXPECT_EQ(::DeleteFileW((name / "readonly.txt").c_str()), 0);
  EXPECT_EQ(::GetLastError(), static_cast<DWORD>(ERROR_ACCESS_DENIED));
  directory.cleanup();
  EXPECT_FALSE(test::entry_exists(name));
}

TEST_F(WindowsDirectoryTest, ReadOnlyRootIsRemoved) {
  TemporaryDirectory directory;
  const fs::path name = directory.name();
  make_file(name / "f", "x");
  ASSERT_NE(::SetFileAttributesW(name.c_str(), FILE_ATTRIBUTE_READONLY), 0);
  directory.cleanup();
  EXPECT_FALSE(test::entry_exists(name));
}

// A file opened elsewhere without FILE_SHARE_DELETE (as Python's open() opens files) cannot be
// removed while it is open: cleanup() waits a bounded time, reports it, and succeeds once it is
// let go.
TEST_F(WindowsDirectoryTest, FileHeldOpenFailsCleanupUntilItIsClosed) {
  TemporaryDirectory directory;
  const fs::path name = directory.name();
  make_file(name / "held.txt", "held");
  make_file(name / "free.txt", "free");
  HANDLE holder = ::CreateFileW((name / "held.txt").c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                                OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(holder, INVALID_HANDLE_VALUE);
  const auto started = std::chrono::steady_clock::now();
  try {
    directory.cleanup();
    ADD_FAILURE() << "cleanup() removed a file held open without FILE_SHARE_DELETE";
  } catch (const cleanup_error& e) {
    ASSERT_EQ(e.failures().size(), 1U) << e.what();
    EXPECT_EQ(e.failures()[0].path, name / "held.txt");
    EXPECT_EQ(e.failures()[0].code, std::make_error_code(std::errc::permission_denied));
    EXPECT_EQ(e.path1(), name);
    EXPECT_NE(std::string(e.what()).find("held.txt"), std::string::npos) << e.what();
  }
  // Bounded: the retries wait well under a second for one entry.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(test::entry_exists(name / "held.txt"));
  EXPECT_FALSE(test::entry_exists(name / "free.txt"));  // the rest went
  EXPECT_EQ(read_file(name / "held.txt"), "held");
  ::CloseHandle(holder);
  directory.cleanup();  // a retry, now that it is let go
  EXPECT_FALSE(test::entry_exists(name));
}

TEST_F(WindowsDirectoryTest, IgnoreCleanupErrorsToleratesAFileHeldOpen) {
  fs::path name;
  HANDLE holder = INVALID_HANDLE_VALUE;
  {
    TemporaryDirectory directory({.ignore_cleanup_errors = true});
    name = directory.name();
    make_file(name / "held.txt", "held");
    holder = ::CreateFileW((name / "held.txt").c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    ASSERT_NE(holder, INVALID_HANDLE_VALUE);
    EXPECT_NO_THROW(directory.cleanup());
    EXPECT_TRUE(test::entry_exists(name / "held.txt"));
    ::CloseHandle(holder);
    EXPECT_NO_THROW(directory.cleanup());
    EXPECT_FALSE(test::entry_exists(name));
  }
  EXPECT_FALSE(test::entry_exists(name));
}

// The project's first promise: nothing outside the tree is touched. A link inside the tree to a
// directory outside goes as a link; the directory it points to keeps its files.
TEST_F(WindowsDirectoryTest, DirectoryLinkInsideIsRemovedAsALink) {
  const fs::path outside = make_subdir("outside");
  make_file(outside / "keep.txt", "kept");
  ASSERT_NE(::CreateDirectoryW((outside / "inner").c_str(), nullptr), 0);
  make_file(outside / "inner" / "keep2.txt", "kept too");
  std::string how;
  {
    TemporaryDirectory directory;
    const fs::path name = directory.name();
    ASSERT_NE(::CreateDirectoryW((name / "sub").c_str(), nullptr), 0);
    if (!test::make_directory_link(name / "sub" / "link", outside, how)) {
      directory.cleanup();
      fs::remove_all(outside);
      GTEST_SKIP() << "this system makes neither directory symbolic links nor junctions (wine "
                      "8: CreateSymbolicLinkW makes nothing, FSCTL_SET_REPARSE_POINT is not "
                      "supported); docs/windows.md lists this test";
    }
    // The link leads outside: the positive control that removal through it would reach there.
    EXPECT_EQ(read_file(name / "sub" / "link" / "keep.txt"), "kept") << how;
    directory.cleanup();
    EXPECT_FALSE(test::entry_exists(name)) << how;
  }
  EXPECT_EQ(read_file(outside / "keep.txt"), "kept") << how;
  EXPECT_EQ(read_file(outside / "inner" / "keep2.txt"), "kept too") << how;
  fs::remove_all(outside);
}

// What wine can make of a link: a hard link inside the tree to a file outside goes as a name;
// the file keeps its other name and its bytes.
TEST_F(WindowsDirectoryTest, HardLinkInsideIsRemovedAsAName) {
  const fs::path outside = scratch() / "outside.txt";
  make_file(outside, "kept");
  {
    TemporaryDirectory directory;
    const fs::path name = directory.name();
    ASSERT_NE(::CreateHardLinkW((name / "link.txt").c_str(), outside.c_str(), nullptr), 0)
        << ::GetLastError();
    EXPECT_EQ(read_file(name / "link.txt"), "kept");  // the same file
    directory.cleanup();
    EXPECT_FALSE(test::entry_exists(name));
  }
  EXPECT_EQ(read_file(outside), "kept");
  ASSERT_NE(::DeleteFileW(outside.c_str()), 0);
}

TEST_F(WindowsDirectoryTest, RmtreeRemovesAPath) {
  const fs::path root = make_subdir("tree");
  fill(root);
  ASSERT_NE(::SetFileAttributesW((root / "a.txt").c_str(), FILE_ATTRIBUTE_READONLY), 0);
  rmtree(root);
  EXPECT_FALSE(test::entry_exists(root));
  // A relative path is relative to the current directory (the scratch directory here).
  ASSERT_NE(::CreateDirectoryW(L"relative", nullptr), 0);
  make_file(scratch() / "relative" / "x", "x");
  rmtree(fs::path("relative"));
  EXPECT_FALSE(test::entry_exists(scratch() / "relative"));
}

TEST_F(WindowsDirectoryTest, RmtreeReportsAMissingPathAndRefusesAFile) {
  EXPECT_THROW(rmtree(scratch() / "missing"), cleanup_error);
  try {
    rmtree(scratch() / "missing");
  } catch (const cleanup_error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::no_such_file_or_directory)) << e.what();
  }
  EXPECT_NO_THROW(rmtree(scratch() / "missing", true));
  make_file(scratch() / "file", "not a directory");
  EXPECT_THROW(rmtree(scratch() / "file"), cleanup_error);
  EXPECT_EQ(read_file(scratch() / "file"), "not a directory");
  ASSERT_NE(::DeleteFileW((scratch() / "file").c_str()), 0);
}

// A Directory holds its directory by handle: objects are created in it, and while it is held
// nobody can rename it away (the path names joined to it keep meaning it).
TEST_F(WindowsDirectoryTest, HeldDirectoryTakesObjectsAndMayBeRenamed) {
  const fs::path sub = make_subdir("held");
  const fs::path moved = scratch() / "moved";
  {
    const Directory held(sub);
    EXPECT_EQ(held.path(), sub);
    NamedTemporaryFile file({.suffix = ".txt", .dir = held});
    EXPECT_EQ(file.name().parent_path(), sub);
    file.write(std::string("in held"));
    file.flush();
    EXPECT_EQ(read_file(file.name()), "in held");
    {
      TemporaryDirectory inner({.dir = held});
      EXPECT_EQ(inner.name().parent_path(), sub);
      // A directory held by a TemporaryDirectory takes objects too.
      NamedTemporaryFile nested({.dir = inner});
      EXPECT_EQ(nested.name().parent_path(), inner.name());
      const auto [fd, path] = mkstemp({.dir = inner});
      EXPECT_EQ(fs::path(path).parent_path(), inner.name());
      ::_close(fd);
      fill(inner.name());
      // Listed by others while held (FindFirstFileW does not share deletion under wine: the
      // held handle has no DELETE access to refuse it).
      EXPECT_EQ(test::list_dir(inner.name()).size(), 5U);
    }  // removed with everything in it, the open NamedTemporaryFile's name included
    EXPECT_EQ(test::list_dir(sub).size(), 1U);
    file.close();
    // The held handle shares deletion, as a POSIX descriptor holds a directory: it can be
    // renamed while held (Windows still refuses while a file below it is open).
    EXPECT_NE(::MoveFileW(sub.c_str(), moved.c_str()), 0) << ::GetLastError();
    EXPECT_FALSE(test::entry_exists(sub));
    EXPECT_NE(::MoveFileW(moved.c_str(), sub.c_str()), 0) << ::GetLastError();
  }
  EXPECT_TRUE(test::list_dir(sub).empty());
  ASSERT_NE(::RemoveDirectoryW(sub.c_str()), 0);
}

// Every entry is opened relative to its directory's handle, so depth is no limit: a tree whose
// paths are far longer than MAX_PATH (260) is removed, although a plain path (without `\\?\`)
// cannot reach its deepest entries on a Windows without long-path support.
TEST_F(WindowsDirectoryTest, TreeDeeperThanMaxPathIsRemoved) {
  TemporaryDirectory directory;
  const fs::path name = directory.name();
  std::wstring path = L"\\\\?\\" + name.wstring();
  for (int level = 0; level < 20; ++level) {
    path += L"\\level_" + std::to_wstring(level) + L"_abcdefghijklmnopqrstuvwxyz";
    ASSERT_NE(::CreateDirectoryW(path.c_str(), nullptr), 0) << level << " " << ::GetLastError();
  }
  ASSERT_GT(path.size(), 2U * MAX_PATH);
  const std::wstring file = path + L"\\deep.txt";
  make_file(fs::path(file), "deep");
  EXPECT_EQ(read_file(fs::path(file)), "deep");
  directory.cleanup();
  EXPECT_FALSE(test::entry_exists(name));
}

// The OS layer's calls relative to a held directory, and its listing through the handle.
TEST_F(WindowsDirectoryTest, OsFunctionsWorkRelativeToAHeldDirectory) {
  const fs::path sub = make_subdir(std::string("os_\xc3\xa9"));
  make_file(sub / "file", "f");
  os::FileDescriptor held;
  ASSERT_EQ(os::open_directory(os::current_directory_fd, os::from_path(sub).c_str(), held), 0);
  // A file is not a directory, a missing name is missing.
  os::FileDescriptor refused;
  EXPECT_EQ(os::open_directory(held.get(), "file", refused), ENOTDIR);
  EXPECT_EQ(os::open_directory(held.get(), "missing", refused), ENOENT);
  {
    os::FileDescriptor created;
    ASSERT_EQ(os::create_file_exclusive(held.get(), "n\xc3\xa9w", os::file_mode, created), 0);
    EXPECT_EQ(os::create_file_exclusive(held.get(), "n\xc3\xa9w", os::file_mode, refused), EEXIST);
  }
  EXPECT_EQ(read_file(sub / fs::path(L"n\u00e9w")), "");
  // A rooted name names nothing inside the held directory: refused, never taken apart into one.
  EXPECT_EQ(os::create_file_exclusive(held.get(), "\\rooted", os::file_mode, refused), EINVAL);
  EXPECT_EQ(os::create_directory(held.get(), "C:rooted", os::directory_mode), EINVAL);
  ASSERT_EQ(os::create_directory(held.get(), "d", os::directory_mode), 0);
  bool found = false;
  ASSERT_EQ(os::entry_exists(held.get(), "d", found), 0);
  EXPECT_TRUE(found);
  os::EntryStatus status;
  ASSERT_EQ(os::entry_status(held.get(), "d", status), 0);
  EXPECT_EQ(status.kind, os::EntryStatus::Kind::directory);
  ASSERT_EQ(os::entry_status(held.get(), "file", status), 0);
  EXPECT_EQ(status.kind, os::EntryStatus::Kind::file);
  EXPECT_EQ(status.links, 1U);
  std::vector<std::string> names;
  ASSERT_EQ(os::entry_names(held.get(), names), 0);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"d", "file", "n\xc3\xa9w"}));
  EXPECT_EQ(os::remove_directory(held.get(), "d"), 0);
  EXPECT_EQ(os::remove_file(held.get(), "n\xc3\xa9w"), 0);
  EXPECT_EQ(os::remove_file(held.get(), "file"), 0);
  ASSERT_EQ(os::entry_names(held.get(), names), 0);
  EXPECT_TRUE(names.empty());
  held = os::FileDescriptor();
  rmtree(sub);
}

TEST_F(WindowsDirectoryTest, UnicodeNames) {
  const fs::path parent = scratch() / fs::path(L"t\u00ebst_\u65e5\u672c_\U0001F600");
  ASSERT_NE(::CreateDirectoryW(parent.c_str(), nullptr), 0);
  fs::path name;
  {
    TemporaryDirectory directory(
        {.suffix = "_\xc3\xbc", .prefix = "\xe6\x97\xa5\xe6\x9c\xac_", .dir = parent});
    name = directory.name();
    EXPECT_EQ(name.parent_path(), parent);
    EXPECT_EQ(name.filename().wstring().rfind(L"\u65e5\u672c_", 0), 0U);
    const fs::path deep = name / fs::path(L"\u00e9t\u00e9") / fs::path(L"\u0416");
    ASSERT_NE(::CreateDirectoryW((name / fs::path(L"\u00e9t\u00e9")).c_str(), nullptr), 0);
    ASSERT_NE(::CreateDirectoryW(deep.c_str(), nullptr), 0);
    make_file(deep / fs::path(L"\U0001F600.txt"), "smile");
    EXPECT_EQ(read_file(deep / fs::path(L"\U0001F600.txt")), "smile");
    // Created in a held directory with a Unicode path.
    NamedTemporaryFile file({.dir = directory});
    EXPECT_EQ(file.name().parent_path(), name);
  }
  EXPECT_FALSE(test::entry_exists(name));
  make_file(parent / fs::path(L"\u00fc.txt"), "u");
  rmtree(parent);
  EXPECT_FALSE(test::entry_exists(parent));
}

// The guardian runs on Windows (tests/windows/guardian_test.cpp): a PseudoTemporaryDirectory is
// made, holds a tree, and goes with cleanup() as a TemporaryDirectory does.
TEST_F(WindowsDirectoryTest, PseudoTemporaryDirectoryWorks) {
  fs::path name;
  {
    PseudoTemporaryDirectory directory;
    name = directory.name();
    EXPECT_EQ(name.parent_path(), scratch());
    fill(name);
    EXPECT_EQ(read_file(name / "a.txt"), "alpha");
    EXPECT_NO_THROW(directory.cleanup());
    EXPECT_FALSE(test::entry_exists(name));
  }
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

// The exit handler's work removes a live TemporaryDirectory's tree; the owner then has
// nothing left to do. Where the system keeps a removed directory's name until its last handle
// closes (the classic disposition: older Windows, wine), the name goes with the owner's handle.
TEST_F(WindowsDirectoryTest, ExitCleanupRemovesLiveDirectories) {
  fs::path name;
  {
    TemporaryDirectory directory;
    name = directory.name();
    fill(name);
    os::run_exit_cleanup();
    EXPECT_FALSE(test::entry_exists(name / "d1")) << "the exit handler left the contents";
    EXPECT_NO_THROW(directory.cleanup());
  }
  EXPECT_FALSE(test::entry_exists(name));
}

// The console handler's and the terminate handler's walk removes a live TemporaryDirectory's
// tree too, and its owner then removes nothing.
TEST_F(WindowsDirectoryTest, TerminateCleanupRemovesLiveDirectories) {
  fs::path name;
  {
    TemporaryDirectory directory;
    name = directory.name();
    fill(name);
    os::run_terminate_cleanup();
    EXPECT_FALSE(test::entry_exists(name / "d1")) << "the terminate cleanup left the contents";
    EXPECT_FALSE(test::entry_exists(name / "a.txt"));
    EXPECT_NO_THROW(directory.cleanup());
  }
  EXPECT_FALSE(test::entry_exists(name));
}

// The child's half of the next test: makes a TemporaryDirectory with a tree and one kept
// (delete_ = false), records their names, and exits normally while both objects are alive.
TEST(WindowsChildProcess, ExitsWithLiveTemporaryDirectories) {
  const char* directory = std::getenv("TEMPFILE_WINDOWS_CHILD_TREE");
  if (directory == nullptr) {
    GTEST_SKIP() << "run by WindowsDirectoryTest.TreeIsRemovedWhenItsProcessExits";
  }
  // Leaked on purpose: only the exit handler can remove them.
  auto* removed = new TemporaryDirectory({.dir = fs::path(directory)});
  auto* kept = new TemporaryDirectory({.dir = fs::path(directory), .delete_ = false});
  fill(removed->name());
  make_file(kept->name() / "k", "k");
  make_file(fs::path(directory) / "removed.name", removed->name().filename().string());
  make_file(fs::path(directory) / "kept.name", kept->name().filename().string());
  std::exit(0);
}

TEST_F(WindowsDirectoryTest, TreeIsRemovedWhenItsProcessExits) {
  const fs::path directory = make_subdir("child");
  ASSERT_NE(::SetEnvironmentVariableW(tree_variable, directory.c_str()), 0);
  HANDLE child = test::start_child_test(L"ExitsWithLiveTemporaryDirectories");
  ::SetEnvironmentVariableW(tree_variable, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(::WaitForSingleObject(child, 60000), WAIT_OBJECT_0);
  DWORD status = 1;
  ::GetExitCodeProcess(child, &status);
  ::CloseHandle(child);
  EXPECT_EQ(status, 0U);
  const std::string removed = read_file(directory / "removed.name");
  const std::string kept = read_file(directory / "kept.name");
  ASSERT_EQ(removed.size(), 11U) << removed;  // "tmp" and 8 random characters
  ASSERT_EQ(kept.size(), 11U) << kept;
  EXPECT_FALSE(test::entry_exists(directory / removed));
  // The positive control: the one made with delete_ = false is still there, with its file.
  EXPECT_EQ(read_file(directory / kept / "k"), "k");
  rmtree(directory);
}

}  // namespace
}  // namespace tempfile
