// SPDX-License-Identifier: MIT
// persist(), keep() and atomic_write() on Windows (run under wine in CI): MoveFileExW with and
// without replacing, what Windows refuses (a target held open without FILE_SHARE_DELETE, a
// read-only target, a directory, an existing name in no-clobber mode, a dangling symbolic link
// included), the object handed back usable after each refusal, Unicode names, and the mode
// option as the read-only attribute.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include "os/cleanup.hpp"
#include "support/scratch.hpp"
#include "support/windows_files.hpp"
#include "tempfile/atomic_write.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class WindowsPersistTest : public test::ScratchTest {
 protected:
  static bool is_read_only(const fs::path& path) {
    const DWORD attributes = ::GetFileAttributesW(path.c_str());
    EXPECT_NE(attributes, INVALID_FILE_ATTRIBUTES) << path;
    return (attributes & FILE_ATTRIBUTE_READONLY) != 0;
  }

  static void make_writable(const fs::path& path) {
    fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  }

  // The object still owns its temporary, under its own name, with `bytes`; it accepts more and
  // persists elsewhere: a refusal handed it back as it was.
  void expect_handed_back(NamedTemporaryFile& file, const fs::path& temporary,
                          const std::string& bytes) {
    EXPECT_EQ(file.name(), temporary);
    EXPECT_EQ(test::read_by_name(temporary), bytes);
    file.write(std::string_view("+more"));
    const fs::path elsewhere = scratch() / "elsewhere.txt";
    file.persist(elsewhere);
    EXPECT_EQ(test::read_by_name(elsewhere), bytes + "+more");
    EXPECT_FALSE(fs::exists(temporary));
    file.close();
    EXPECT_TRUE(fs::remove(elsewhere));
  }
};

TEST_F(WindowsPersistTest, NamedFileReplacesAnExistingTarget) {
  const fs::path target = scratch() / "target.txt";
  test::create_by_name(target, "old");
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("new"));
  file.persist(target);
  EXPECT_EQ(test::read_by_name(target), "new");
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_EQ(file.name(), target);
  EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"target.txt"});
  // Still open, on the persisted file.
  file.write(std::string_view("er"));
  file.flush();
  EXPECT_EQ(test::read_by_name(target), "newer");
  // Nothing removes it any more: not the exit handler, not the close, not the destructor.
  os::run_exit_cleanup();
  file.close();
  EXPECT_EQ(test::read_by_name(target), "newer");
  EXPECT_TRUE(fs::remove(target));
}

TEST_F(WindowsPersistTest, NamedFileMovesToANewNameDurably) {
  NamedTemporaryFile file({.delete_on_close = false});
  file.write(std::string_view("data"));
  const fs::path sub = make_subdir("out");
  file.persist(sub / "new.txt", {.overwrite = false, .durable = true});
  EXPECT_EQ(file.name(), sub / "new.txt");
  EXPECT_EQ(test::read_by_name(sub / "new.txt"), "data");
  EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"out"});
  file.close();
  EXPECT_TRUE(fs::remove(sub / "new.txt"));
  EXPECT_TRUE(fs::remove(sub));
}

TEST_F(WindowsPersistTest, RelativeTargetsFollowDirAndAbsoluteOnesIgnoreIt) {
  const fs::path sub = make_subdir("sub");
  NamedTemporaryFile first;
  first.persist("relative.txt", {.dir = sub});
  EXPECT_EQ(first.name(), sub / "relative.txt");
  EXPECT_TRUE(fs::exists(sub / "relative.txt"));
  NamedTemporaryFile second;
  second.persist(scratch() / "absolute.txt", {.dir = sub});
  EXPECT_EQ(second.name(), scratch() / "absolute.txt");
  EXPECT_TRUE(fs::exists(scratch() / "absolute.txt"));
  first.close();
  second.close();
  EXPECT_TRUE(fs::remove(sub / "relative.txt"));
  EXPECT_TRUE(fs::remove(sub));
  EXPECT_TRUE(fs::remove(scratch() / "absolute.txt"));
}

TEST_F(WindowsPersistTest, NoClobberRefusesAnExistingFileAndHandsTheObjectBack) {
  const fs::path target = scratch() / "taken.txt";
  test::create_by_name(target, "theirs");
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("mine"));
  EXPECT_TEMPFILE_ERROR(file.persist(target, {.overwrite = false}), std::errc::file_exists,
                        "rename (no replace) failed from");
  EXPECT_EQ(test::read_by_name(target), "theirs");
  std::error_code ec;
  EXPECT_FALSE(file.persist(target, {.overwrite = false}, ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::file_exists));
  expect_handed_back(file, temporary, "mine");
  EXPECT_EQ(test::read_by_name(target), "theirs");
  EXPECT_TRUE(fs::remove(target));
}

// No clobber means no clobber: a dangling symbolic link at the target is refused too, and
// nothing is created where it points. (Creating a symbolic link needs the privilege or
// Windows' developer mode: where the system refuses it, the test says so and is skipped.)
TEST_F(WindowsPersistTest, NoClobberRefusesADanglingSymbolicLink) {
  const fs::path link = scratch() / "link";
  const fs::path pointed = scratch() / "nowhere";
  if (::CreateSymbolicLinkW(link.c_str(), pointed.c_str(),
                            0x2 /* SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE */) == 0) {
    GTEST_SKIP() << "this system refuses to create a symbolic link, error " << ::GetLastError();
  }
  const DWORD attributes = ::GetFileAttributesW(link.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    // wine 8: CreateSymbolicLinkW says yes and makes nothing.
    GTEST_SKIP() << "this system said it made a symbolic link, and there is none";
  }
  ASSERT_NE(attributes & FILE_ATTRIBUTE_REPARSE_POINT, 0U);
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("mine"));
  EXPECT_TEMPFILE_ERROR(file.persist(link, {.overwrite = false}), std::errc::file_exists,
                        "rename (no replace) failed from");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_FALSE(fs::exists(pointed));
  // Positive control: overwrite replaces the link itself, never what it points to.
  file.persist(link);
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(test::read_by_name(link), "mine");
  EXPECT_FALSE(fs::exists(pointed));
  EXPECT_FALSE(fs::exists(temporary));
  file.close();
  EXPECT_TRUE(fs::remove(link));
}

TEST_F(WindowsPersistTest, ADirectoryTargetIsRefused) {
  const fs::path directory = make_subdir("directory");
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("mine"));
  EXPECT_TEMPFILE_ERROR(file.persist(directory), std::errc::is_a_directory, "rename failed from");
  EXPECT_TEMPFILE_ERROR(file.persist(directory, {.overwrite = false}), std::errc::file_exists,
                        "rename (no replace) failed from");
  EXPECT_TRUE(fs::is_directory(directory));
  EXPECT_TRUE(fs::is_empty(directory));
  expect_handed_back(file, temporary, "mine");
  EXPECT_TRUE(fs::remove(directory));
}

// Another process holds the target open without FILE_SHARE_DELETE (Python's open() on Windows
// does): Windows refuses to replace it while it is open. A clear error, and the object back.
TEST_F(WindowsPersistTest, ATargetHeldOpenWithoutShareDeleteIsRefusedWhileItIsOpen) {
  const fs::path target = scratch() / "held.txt";
  test::create_by_name(target, "theirs");
  HANDLE holder = ::CreateFileW(target.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(holder, INVALID_HANDLE_VALUE);
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("mine"));
  EXPECT_TEMPFILE_ERROR(file.persist(target), std::errc::permission_denied, "rename failed from");
  EXPECT_EQ(test::read_by_name(target), "theirs");
  EXPECT_EQ(file.name(), temporary);
  EXPECT_EQ(test::read_by_name(temporary), "mine");
  // Positive control: once the holder closes, the same call succeeds.
  ::CloseHandle(holder);
  file.persist(target);
  EXPECT_EQ(test::read_by_name(target), "mine");
  EXPECT_FALSE(fs::exists(temporary));
  file.close();
  EXPECT_TRUE(fs::remove(target));
}

// A target others hold open sharing deletion (as this library's own files are shared): POSIX
// rename semantics (Windows 10 1809 and later, on NTFS) replace it, as rename(2) does, and the
// holder keeps the old file; where the system has only the classic rename (older Windows, other
// file systems, wine), Windows refuses any open target: EACCES, and the object handed back.
TEST_F(WindowsPersistTest, ATargetHeldOpenSharingDeletionIsReplacedWhereWindowsCan) {
  const fs::path target = scratch() / "shared.txt";
  test::create_by_name(target, "theirs");
  HANDLE holder = ::CreateFileW(target.c_str(), GENERIC_READ,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(holder, INVALID_HANDLE_VALUE);
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("mine"));
  std::error_code ec;
  if (file.persist(target, {}, ec)) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(test::read_by_name(target), "mine");
    EXPECT_FALSE(fs::exists(temporary));
    std::string old(16, '\0');
    DWORD got = 0;
    EXPECT_NE(::ReadFile(holder, old.data(), static_cast<DWORD>(old.size()), &got, nullptr), 0);
    old.resize(got);
    EXPECT_EQ(old, "theirs");
  } else {
    EXPECT_EQ(ec, std::make_error_code(std::errc::permission_denied));
    EXPECT_EQ(test::read_by_name(target), "theirs");
    EXPECT_EQ(file.name(), temporary);
    EXPECT_EQ(test::read_by_name(temporary), "mine");
  }
  ::CloseHandle(holder);
  file.close();
  EXPECT_TRUE(fs::remove(target));
  EXPECT_FALSE(fs::exists(temporary));
}

// As Python's os.replace on Windows: a read-only target is not replaced (EACCES); its owner
// clears the attribute first if it is to be replaced.
TEST_F(WindowsPersistTest, AReadOnlyTargetIsRefused) {
  const fs::path target = scratch() / "read-only.txt";
  test::create_by_name(target, "theirs");
  fs::permissions(target, fs::perms::owner_write, fs::perm_options::remove);
  ASSERT_TRUE(is_read_only(target));
  NamedTemporaryFile file;
  const fs::path temporary = file.name();
  file.write(std::string_view("mine"));
  EXPECT_TEMPFILE_ERROR(file.persist(target), std::errc::permission_denied, "rename failed from");
  EXPECT_EQ(test::read_by_name(target), "theirs");
  EXPECT_TRUE(is_read_only(target));
  EXPECT_EQ(test::read_by_name(temporary), "mine");
  // preserve_target would copy the attribute: it is put back on the temporary after the refusal.
  EXPECT_TEMPFILE_ERROR(file.persist(target, {.mode = PersistMode::preserve_target()}),
                        std::errc::permission_denied, "rename failed from");
  EXPECT_FALSE(is_read_only(temporary));
  make_writable(target);
  file.persist(target);
  EXPECT_EQ(test::read_by_name(target), "mine");
  file.close();
  EXPECT_TRUE(fs::remove(target));
}

// The mode is the read-only attribute, as File::chmod and Python's os.chmod have it: without the
// owner's write bit the persisted file is read-only; umask_default (no umask on Windows) and
// preserve_target of a writable file leave it writable.
TEST_F(WindowsPersistTest, TheModeOptionIsTheReadOnlyAttribute) {
  const fs::path read_only = scratch() / "read-only.txt";
  NamedTemporaryFile first;
  first.persist(read_only, {.mode = PersistMode::exactly(fs::perms::owner_read)});
  EXPECT_TRUE(is_read_only(read_only));
  const fs::path writable = scratch() / "writable.txt";
  NamedTemporaryFile second;
  second.persist(writable, {.mode = PersistMode::umask_default()});
  EXPECT_FALSE(is_read_only(writable));
  second.close();
  NamedTemporaryFile third;
  third.persist(writable, {.mode = PersistMode::preserve_target()});
  EXPECT_FALSE(is_read_only(writable));
  first.close();
  third.close();
  make_writable(read_only);
  EXPECT_TRUE(fs::remove(read_only));
  EXPECT_TRUE(fs::remove(writable));
}

TEST_F(WindowsPersistTest, UnicodeTargetsAndTheirErrors) {
  const fs::path target = scratch() / fs::path(u8"t\u00ebst_\u65e5\u672c_\U0001F600.txt");
  NamedTemporaryFile file;
  file.write(std::string_view("unicode"));
  file.persist(target);
  EXPECT_EQ(file.name(), target);
  EXPECT_EQ(test::read_by_name(target), "unicode");
  NamedTemporaryFile other;
  // The message names the target in UTF-8, as every message of the library does.
  EXPECT_TEMPFILE_ERROR(other.persist(target, {.overwrite = false}), std::errc::file_exists,
                        "t\xc3\xabst_\xe6\x97\xa5\xe6\x9c\xac_\xf0\x9f\x98\x80.txt");
  other.close();
  file.close();
  EXPECT_TRUE(fs::remove(target));
  // atomic_write's named file is made beside a target in a Unicode directory, and published.
  const fs::path directory = scratch() / fs::path(u8"d\u00eer_\u65e5\u672c");
  ASSERT_TRUE(fs::create_directory(directory));
  atomic_write(directory / fs::path(u8"\U0001F600.json"), std::string_view("{}"));
  EXPECT_EQ(test::read_by_name(directory / fs::path(u8"\U0001F600.json")), "{}");
  EXPECT_EQ(test::list_dir(directory).size(), 1U);
  EXPECT_TRUE(fs::remove(directory / fs::path(u8"\U0001F600.json")));
  EXPECT_TRUE(fs::remove(directory));
}

// Across volumes: MoveFileExW without MOVEFILE_COPY_ALLOWED refuses (ERROR_NOT_SAME_DEVICE,
// EXDEV) and says what to do; cross_device copies beside the target and renames the copy there.
// A second volume is needed: under wine, Z:\dev\shm (a tmpfs) beside the scratch directory on
// disk; where there is none, the test says so and is skipped.
TEST_F(WindowsPersistTest, AcrossVolumesOnlyWithCrossDevice) {
  const fs::path other_volume = L"Z:\\dev\\shm";
  std::error_code ec;
  if (!fs::is_directory(other_volume, ec)) {
    GTEST_SKIP() << "no second volume here (" << other_volume << ")";
  }
  NamedTemporaryFile file({.dir = other_volume});
  const fs::path temporary = file.name();
  file.write(std::string_view("far"));
  const fs::path target = scratch() / "near.txt";
  EXPECT_FALSE(file.persist(target, {}, ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::cross_device_link));
  EXPECT_TEMPFILE_ERROR(file.persist(target), std::errc::cross_device_link,
                        "create the temporary file with `dir` on the target's file system");
  EXPECT_EQ(file.name(), temporary);
  EXPECT_TRUE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(target));
  file.persist(target, {.durable = true, .cross_device = true});
  EXPECT_EQ(file.name(), target);
  EXPECT_EQ(test::read_by_name(target), "far");
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"near.txt"});
  // The object is the file at the target now: its writes land there.
  file.write(std::string_view("ther"));
  file.close();
  EXPECT_EQ(test::read_by_name(target), "farther");
  EXPECT_TRUE(fs::remove(target));
}

TEST_F(WindowsPersistTest, KeepStopsEveryRemoval) {
  NamedTemporaryFile file;
  file.write(std::string_view("kept"));
  const fs::path kept = file.keep();
  EXPECT_EQ(kept, file.name());
  os::run_exit_cleanup();
  file.close();
  EXPECT_EQ(test::read_by_name(kept), "kept");
  EXPECT_TRUE(fs::remove(kept));
}

// Windows' TemporaryFile is delete-on-close: no name can ever reach it, so persist() says so
// (ENOTSUP) and leaves it as it was, as for a created-and-unlinked file on POSIX.
TEST_F(WindowsPersistTest, TemporaryFileCannotBeGivenAName) {
  TemporaryFile file;
  file.write(std::string_view("unnamed"));
  const fs::path target = scratch() / "target.txt";
  EXPECT_TEMPFILE_ERROR(file.persist(target), std::errc::not_supported, "use a NamedTemporaryFile");
  std::error_code ec;
  EXPECT_FALSE(file.persist(target, {}, ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::not_supported));
  EXPECT_FALSE(fs::exists(target));
  file.seek(0, SEEK_SET);
  EXPECT_EQ(file.read(), "unnamed");
  file.close();
}

TEST_F(WindowsPersistTest, AtomicWriteReplacesTheTarget) {
  const fs::path target = scratch() / "config.json";
  test::create_by_name(target, "old");
  atomic_write(target, std::string_view("new"));
  EXPECT_EQ(test::read_by_name(target), "new");
  atomic_write(target, [](File& file) { file.write(std::string_view("newer")); });
  EXPECT_EQ(test::read_by_name(target), "newer");
  // Text mode, and a new file: writable, as a file the program made itself.
  const fs::path fresh = scratch() / "fresh.txt";
  atomic_write(fresh, std::string_view("text"), {.mode = "w"});
  EXPECT_EQ(test::read_by_name(fresh), "text");
  EXPECT_FALSE(is_read_only(fresh));
  EXPECT_EQ(test::list_dir(scratch()), (std::set<std::string>{"config.json", "fresh.txt"}));
  EXPECT_TRUE(fs::remove(target));
  EXPECT_TRUE(fs::remove(fresh));
}

TEST_F(WindowsPersistTest, AtomicWriteFailuresLeaveTheTargetAndNoDebris) {
  const fs::path target = scratch() / "config.json";
  test::create_by_name(target, "old");
  EXPECT_THROW(atomic_write(target,
                            [](File& file) {
                              file.write(std::string_view("half"));
                              throw std::runtime_error("the writer failed");
                            }),
               std::runtime_error);
  EXPECT_EQ(test::read_by_name(target), "old");
  EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"config.json"});
  EXPECT_TEMPFILE_ERROR(atomic_write(target, std::string_view("new"), {.overwrite = false}),
                        std::errc::file_exists, "rename (no replace) failed from");
  EXPECT_EQ(test::read_by_name(target), "old");
  EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"config.json"});
  EXPECT_TRUE(fs::remove(target));
}

}  // namespace
}  // namespace tempfile
