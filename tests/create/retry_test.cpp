// SPDX-License-Identifier: MIT
// The creation loop's retry rule: only EEXIST is retried, at most TMP_MAX times, and running
// out of names gives EEXIST with Python's message for files, directories and mktemp.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "conformance/conformance_helpers.hpp"
#include "conformance/conformance_posix.hpp"
#include "create/create.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/options.hpp"

namespace tempfile::create {
namespace {

class RetryTest : public test::ScratchTest {
 protected:
  std::optional<std::string> prefix_ = "x";
  std::optional<std::string> no_suffix_;
  std::optional<std::filesystem::path> dir_;
  void SetUp() override {
    ScratchTest::SetUp();
    dir_ = scratch();
  }
};

TEST_F(RetryTest, FileNamesExhaustedAfterTmpMaxAttempts) {
  std::ofstream(scratch() / "xtaken") << "";
  test::RepeatingName names("taken");
  EXPECT_TEMPFILE_ERROR(
      create_unique(EntryKind::file, {"mkstemp", prefix_, no_suffix_, dir_}, names),
      std::errc::file_exists,
      "tempfile: cannot create file in '" + scratch().string() +
          "': No usable temporary file name found");
  EXPECT_EQ(names.calls(), TMP_MAX);
  std::filesystem::remove(scratch() / "xtaken");
}

TEST_F(RetryTest, DirectoryNamesExhaustedAfterTmpMaxAttempts) {
  std::filesystem::create_directory(scratch() / "xtaken");
  test::RepeatingName names("taken");
  EXPECT_TEMPFILE_ERROR(
      create_unique(EntryKind::directory, {"mkdtemp", prefix_, no_suffix_, dir_}, names),
      std::errc::file_exists,
      "tempfile: cannot create directory in '" + scratch().string() +
          "': No usable temporary directory name found");
  EXPECT_EQ(names.calls(), TMP_MAX);
  std::filesystem::remove(scratch() / "xtaken");
}

TEST_F(RetryTest, MktempNamesExhaustedAfterTmpMaxAttempts) {
  // mktemp only looks: a dangling symbolic link is an existing name too.
  std::filesystem::create_symlink("nowhere", scratch() / "xtaken");
  test::RepeatingName names("taken");
  const MktempOptions options{.prefix = "x", .dir = scratch()};
  EXPECT_TEMPFILE_ERROR(unused_name(options, names), std::errc::file_exists,
                        "No usable temporary filename found");
  EXPECT_EQ(names.calls(), TMP_MAX);
  std::filesystem::remove(scratch() / "xtaken");
}

TEST_F(RetryTest, EveryKindOfExistingEntryIsRetried) {
  std::ofstream(scratch() / "xfile") << "";
  std::filesystem::create_directory(scratch() / "xdir");
  std::filesystem::create_symlink("nowhere", scratch() / "xdangling");
  for (const EntryKind kind : {EntryKind::file, EntryKind::directory}) {
    test::ScriptedNames names({"file", "dir", "dangling", "fresh"});
    const CreatedEntry created = create_unique(kind, {"mkstemp", prefix_, no_suffix_, dir_}, names);
    EXPECT_EQ(created.path, (scratch() / "xfresh").string());
    EXPECT_EQ(names.calls(), 4);
    std::filesystem::remove(created.path);
  }
  EXPECT_FALSE(std::filesystem::exists(scratch() / "nowhere"));  // the link was not followed
  std::filesystem::remove(scratch() / "xfile");
  std::filesystem::remove(scratch() / "xdir");
  std::filesystem::remove(scratch() / "xdangling");
}

TEST_F(RetryTest, MissingDirectoryFailsAfterOneAttempt) {
  dir_ = scratch() / "missing";
  for (const EntryKind kind : {EntryKind::file, EntryKind::directory}) {
    test::CountingRandomNames names;
    EXPECT_TEMPFILE_ERROR(create_unique(kind, {"mkstemp", prefix_, no_suffix_, dir_}, names),
                          std::errc::no_such_file_or_directory, "No such file or directory");
    EXPECT_EQ(names.calls(), 1);
  }
}

TEST_F(RetryTest, NotADirectoryFailsAfterOneAttempt) {
  std::ofstream(scratch() / "file") << "";
  dir_ = scratch() / "file";
  for (const EntryKind kind : {EntryKind::file, EntryKind::directory}) {
    test::CountingRandomNames names;
    EXPECT_TEMPFILE_ERROR(create_unique(kind, {"mkstemp", prefix_, no_suffix_, dir_}, names),
                          std::errc::not_a_directory, "Not a directory");
    EXPECT_EQ(names.calls(), 1);
  }
  std::filesystem::remove(scratch() / "file");
}

TEST_F(RetryTest, PermissionDeniedFailsAfterOneAttempt) {
  const auto locked = make_subdir("locked");
  std::filesystem::permissions(scratch(), std::filesystem::perms(0755));
  std::filesystem::permissions(locked, std::filesystem::perms(0555));
  dir_ = locked;
  const int status = test::run_in_child([&] {
    if (!test::become_unprivileged()) {
      return 10;
    }
    test::CountingRandomNames names;
    const int result = test::child_expects_error(
        [&] {
          static_cast<void>(
              create_unique(EntryKind::file, {"mkstemp", prefix_, no_suffix_, dir_}, names));
        },
        std::errc::permission_denied, "Permission denied");
    return result != 0 ? result : (names.calls() == 1 ? 0 : 20);
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(test::list_dir(locked).empty());
  std::filesystem::permissions(locked, std::filesystem::perms(0700));
  std::filesystem::remove(locked);
}

TEST_F(RetryTest, NameTooLongFailsAfterOneAttempt) {
  prefix_ = std::string(300, 'p');
  test::CountingRandomNames names;
  EXPECT_TEMPFILE_ERROR(
      create_unique(EntryKind::file, {"mkstemp", prefix_, no_suffix_, dir_}, names),
      std::errc::filename_too_long, "File name too long");
  // Refused before the first name is drawn: no system call at all.
  EXPECT_EQ(names.calls(), 0);
}

}  // namespace
}  // namespace tempfile::create
