// SPDX-License-Identifier: MIT
// Port of CPython's TestMkdtemp: directory names as nameCheck expects, many at once, mode
// 0700, retrying after a collision, and an absolute result even for a relative dir (3.12+).
//
// not ported: test_basic_with_bytes_names — C++ has one path type; there is no bytes/str result
//   type to infer, nor any mixing of the two to reject.
// not ported: test_choose_directory's FakePath variant — std::filesystem::path is the only path
//   type; a relative directory is tested instead.
// not ported: test_mode_win32 — Windows ACLs.
// not ported: test_for_tempdir_is_bytes_issue40701_api_warts — a bytes tempdir flipping the
//   result type has no C++ counterpart: tempdir is always a std::filesystem::path.
// The three TestBadTempdir tests CPython mixes in are in bad_tempdir_test.cpp.

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "create/create.hpp"
#include "create/names.hpp"
#include "support/portable_files.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"

// Each conformance file keeps CPython's helper names (do_create, ...) in a namespace of its own.
namespace tempfile::mkdtemp_conformance {
namespace {

class MkdtempTest : public test::ScratchTest {};

// CPython's do_create for mkdtemp: creates and checks the name; the caller removes it.
std::filesystem::path do_create(const std::optional<std::filesystem::path>& dir,
                                const std::string& prefix, const std::string& suffix) {
  std::filesystem::path created = mkdtemp({.suffix = suffix, .prefix = prefix, .dir = dir});
  EXPECT_TRUE(test::name_check(created, dir.value_or(gettempdir()), prefix, suffix));
  EXPECT_TRUE(std::filesystem::is_directory(created)) << created;
  return created;
}

TEST_F(MkdtempTest, Basic) {
  const std::vector<std::pair<std::string, std::string>> affixes = {
      {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
  for (const auto& [prefix, suffix] : affixes) {
    SCOPED_TRACE(test::describe_affixes(prefix, suffix));
    std::filesystem::remove(do_create(std::nullopt, prefix, suffix));
  }
}

TEST_F(MkdtempTest, BasicMany) {
  std::set<std::filesystem::path> created;
  for (int i = 0; i < 100; ++i) {
    created.insert(do_create(std::nullopt, "", ""));
  }
  EXPECT_EQ(created.size(), 100U);
  EXPECT_EQ(test::list_dir(gettempdir()).size(), 100U);
  for (const auto& dir : created) {
    std::filesystem::remove(dir);
  }
}

TEST_F(MkdtempTest, ChooseDirectory) {
  const auto dir = make_subdir("chosen");
  std::filesystem::remove(do_create(dir, "tmp", ""));
  std::filesystem::remove(do_create(std::filesystem::path("chosen"), "tmp", ""));
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::remove(dir);
}

TEST_F(MkdtempTest, Mode) {
  const test::ScopedUmask umask(022);
  const std::filesystem::path dir = do_create(std::nullopt, "tmp", "");
  EXPECT_EQ(std::filesystem::status(dir).permissions(), test::private_directory_perms());
  std::filesystem::remove(dir);
}

// CPython makes these collisions through the public functions with a mocked name iterator;
// here the same iterator feeds create_unique, which mkdtemp and mkstemp are built on.
TEST_F(MkdtempTest, CollisionWithExistingFile) {
  test::ScriptedNames names({"aaa", "aaa", "bbb"});
  const std::optional<std::filesystem::path> dir = gettempdir();
  const std::optional<std::string> no_affix;
  const create::CreatedEntry file =
      create::create_unique(create::EntryKind::file, {"mkstemp", no_affix, no_affix, dir}, names);
  EXPECT_EQ(file.path, (*dir / "tmpaaa").string());
  const create::CreatedEntry directory = create::create_unique(
      create::EntryKind::directory, {"mkdtemp", no_affix, no_affix, dir}, names);
  EXPECT_EQ(directory.path, (*dir / "tmpbbb").string());
  EXPECT_TRUE(std::filesystem::is_directory(directory.path));
  std::filesystem::remove(file.path);
  std::filesystem::remove(directory.path);
}

TEST_F(MkdtempTest, CollisionWithExistingDirectory) {
  test::ScriptedNames names({"aaa", "aaa", "bbb"});
  const std::optional<std::filesystem::path> dir = gettempdir();
  const std::optional<std::string> no_affix;
  const create::CreatedEntry first = create::create_unique(
      create::EntryKind::directory, {"mkdtemp", no_affix, no_affix, dir}, names);
  EXPECT_EQ(first.path, (*dir / "tmpaaa").string());
  const create::CreatedEntry second = create::create_unique(
      create::EntryKind::directory, {"mkdtemp", no_affix, no_affix, dir}, names);
  EXPECT_EQ(second.path, (*dir / "tmpbbb").string());
  std::filesystem::remove(first.path);
  std::filesystem::remove(second.path);
}

TEST_F(MkdtempTest, PathIsAbsolute) {
  const std::filesystem::path dir = mkdtemp({.dir = "."});
  EXPECT_TRUE(dir.is_absolute()) << dir;
  EXPECT_EQ(dir.parent_path(), scratch());
  std::filesystem::remove(dir);
}

}  // namespace
}  // namespace tempfile::mkdtemp_conformance
