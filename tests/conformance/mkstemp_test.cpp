// SPDX-License-Identifier: MIT
// Port of CPython's TestMkstemp: the public mkstemp names files as nameCheck expects, in the
// default directory, a chosen one, or ".", and always returns an absolute path.
//
// not ported: test_basic_with_bytes_names — C++ has one path type; there is no bytes/str result
//   type to infer, nor any mixing of the two to reject.
// not ported: test_choose_directory's FakePath variant — std::filesystem::path is the only path
//   type; a relative directory is tested instead.
// not ported: test_for_tempdir_is_bytes_issue40701_api_warts — a bytes tempdir flipping the
//   result type has no C++ counterpart: tempdir is always a std::filesystem::path.
#include "tempfile/mkstemp.hpp"

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"

// Each conformance file keeps CPython's helper names (do_create, ...) in a namespace of its own.
namespace tempfile::mkstemp_conformance {
namespace {

class MkstempTest : public test::ScratchTest {};

// CPython's do_create: creates, checks the name (and that its directory is abspath(dir)),
// then closes and removes the file.
void do_create(const std::optional<std::filesystem::path>& dir, const std::string& prefix,
               const std::string& suffix) {
  const auto [fd, path] = mkstemp({.suffix = suffix, .prefix = prefix, .dir = dir});
  EXPECT_GE(fd, 0);
  EXPECT_TRUE(path.is_absolute()) << path;
  EXPECT_TRUE(test::name_check(path, dir.value_or(gettempdir()), prefix, suffix));
  ::close(fd);
  EXPECT_TRUE(std::filesystem::remove(path)) << path;
}

TEST_F(MkstempTest, Basic) {
  const std::vector<std::pair<std::string, std::string>> affixes = {
      {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
  for (const auto& [prefix, suffix] : affixes) {
    SCOPED_TRACE(test::describe_affixes(prefix, suffix));
    do_create(std::nullopt, prefix, suffix);
  }
  do_create(".", "", "");
}

TEST_F(MkstempTest, DotDirectoryGivesTheCurrentDirectoryAbsolute) {
  const auto [fd, path] = mkstemp({.dir = "."});
  EXPECT_EQ(path.parent_path(), std::filesystem::current_path());
  EXPECT_EQ(path.parent_path(), scratch());
  ::close(fd);
  std::filesystem::remove(path);
}

TEST_F(MkstempTest, ChooseDirectory) {
  const auto dir = make_subdir("chosen");
  do_create(dir, "tmp", "");
  do_create(std::filesystem::path("chosen"), "tmp", "");
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::remove(dir);
}

}  // namespace
}  // namespace tempfile::mkstemp_conformance
