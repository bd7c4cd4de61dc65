// SPDX-License-Identifier: MIT
// Port of CPython's TestGetTempDir: the default directory exists, is absolute and writable, is
// the same on every call, and keeps the case of the name found in $TMPDIR.
//
// not ported: test_same_thing's gettempdirb() half — there is no bytes variant in C++.
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <system_error>

#include "conformance/conformance_helpers.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

class GetTempDirTest : public test::ScratchTest {};

TEST_F(GetTempDirTest, DirectoryExists) {
  // Both the directory the fixture set and one found by a real search.
  EXPECT_TRUE(gettempdir().is_absolute());
  EXPECT_TRUE(std::filesystem::is_directory(gettempdir()));
  const test::ScopedTempdir restore(std::nullopt);
  const std::filesystem::path searched = gettempdir();
  EXPECT_TRUE(searched.is_absolute()) << searched;
  EXPECT_TRUE(std::filesystem::is_directory(searched)) << searched;
}

TEST_F(GetTempDirTest, DirectoryWritable) {
  // CPython writes through NamedTemporaryFile(); mkstemp is the creation layer's equivalent.
  const auto [fd, path] = mkstemp();
  EXPECT_EQ(path.parent_path(), gettempdir());
  EXPECT_EQ(::write(fd, "blat", 4), 4);
  ::close(fd);
  std::filesystem::remove(path);
}

TEST_F(GetTempDirTest, SameThing) {
  const std::filesystem::path first = gettempdir();
  EXPECT_EQ(gettempdir(), first);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  EXPECT_EQ(gettempdir(ec), first);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(tempdir(), first);
}

TEST_F(GetTempDirTest, CaseSensitive) {
  const std::filesystem::path case_dir = mkdtemp({.suffix = "-Temp"});
  {
    const test::ScopedEnvironmentVariable tmpdir("TMPDIR", case_dir.string());
    const test::ScopedTempdir restore(std::nullopt);
    EXPECT_EQ(gettempdir().native(), case_dir.native());
  }
  std::filesystem::remove(case_dir);
}

}  // namespace
}  // namespace tempfile
