// SPDX-License-Identifier: MIT
// Port of CPython's TestBadTempdir mixin, run (as CPython does) for file creation (mkstemp) and
// for directory creation (mkdtemp): a default directory that is read-only, missing, or a
// regular file makes creation fail at once with that errno, leaving nothing behind.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "conformance/conformance_helpers.hpp"
#include "conformance/conformance_posix.hpp"
#include "create/create.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

using create::EntryKind;

class BadTempdirTest : public test::ScratchTest, public ::testing::WithParamInterface<EntryKind> {};

// CPython's make_temp: one entry in the default directory through the public API. Reached past
// the throw only when the test is failing; the entry is removed then so nothing leaks.
void make_temp(EntryKind kind) {
  if (kind == EntryKind::file) {
    const auto [fd, path] = tempfile::mkstemp();
    ::close(fd);
    std::filesystem::remove(path);
  } else {
    std::filesystem::remove(tempfile::mkdtemp());
  }
}

TEST_P(BadTempdirTest, ReadOnlyDirectory) {
  const auto dir = make_subdir("read-only");
  std::filesystem::permissions(scratch(), std::filesystem::perms(0755));
  std::filesystem::permissions(dir, std::filesystem::perms(0555));
  const EntryKind kind = GetParam();
  // Root ignores the missing write bit, so the attempt runs as an unprivileged user.
  const int status = test::run_in_child([&] {
    if (!test::become_unprivileged()) {
      return 10;
    }
    set_tempdir(dir);
    return test::child_expects_error([&] { make_temp(kind); }, std::errc::permission_denied,
                                     "'" + dir.string() + "': Permission denied");
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::permissions(dir, std::filesystem::perms(0700));
  std::filesystem::remove(dir);
}

TEST_P(BadTempdirTest, NonexistingDirectory) {
  const auto dir = scratch() / "nonexistent";
  const test::ScopedTempdir missing(dir);
  EXPECT_TEMPFILE_ERROR(make_temp(GetParam()), std::errc::no_such_file_or_directory,
                        "'" + dir.string() + "': No such file or directory");
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_P(BadTempdirTest, NonDirectory) {
  const auto file = scratch() / "regular-file";
  std::ofstream(file) << "not a directory";
  {
    const test::ScopedTempdir not_a_directory(file);
    EXPECT_TEMPFILE_ERROR(make_temp(GetParam()), std::errc::not_a_directory,
                          "'" + file.string() + "': Not a directory");
  }
  EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"regular-file"});
  std::filesystem::remove(file);
}

INSTANTIATE_TEST_SUITE_P(MkstempAndMkdtemp, BadTempdirTest,
                         ::testing::Values(EntryKind::file, EntryKind::directory),
                         [](const ::testing::TestParamInfo<EntryKind>& param_info) {
                           return param_info.param == EntryKind::file ? "Mkstemp" : "Mkdtemp";
                         });

}  // namespace
}  // namespace tempfile
