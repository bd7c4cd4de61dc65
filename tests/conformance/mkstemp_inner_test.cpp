// SPDX-License-Identifier: MIT
// Port of CPython's TestMkstempInner, whose target (_mkstemp_inner) is create::create_unique
// here: names, many files at once, mode, close-on-exec, and retrying after a collision.
//
// not ported: test_basic_with_bytes_names — C++ has one path type; there is no str/bytes result
//   type to infer, nor any mixing of the two to reject.
// not ported: test_choose_directory's FakePath variant — std::filesystem::path is the only path
//   type; a relative directory is tested instead.
// not ported: test_textmode — Windows-only text mode (CPython skips it on POSIX too).
// The three TestBadTempdir tests CPython mixes in are in bad_tempdir_test.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "conformance/conformance_posix.hpp"
#include "create/create.hpp"
#include "create/names.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"

namespace tempfile::create {
namespace {

class MkstempInnerTest : public test::ScratchTest {};

// CPython's mkstemped helper: owns the created file, closing and removing it at scope exit.
struct CreatedFile {
  CreatedEntry entry;
  CreatedFile() = default;
  explicit CreatedFile(CreatedEntry created) : entry(std::move(created)) {}
  CreatedFile(const CreatedFile&) = delete;
  CreatedFile& operator=(const CreatedFile&) = delete;
  // A moved-from helper must not remove the file its successor now owns.
  CreatedFile(CreatedFile&& other) noexcept
      : entry{std::move(other.entry.fd), std::exchange(other.entry.path, {})} {}
  CreatedFile& operator=(CreatedFile&&) = delete;
  ~CreatedFile() {
    if (!entry.path.empty()) {
      std::error_code ignored;
      std::filesystem::remove(entry.path, ignored);
    }
  }
};

CreatedFile make_file(NameSource& names, const std::optional<std::filesystem::path>& dir,
                      const std::optional<std::string>& prefix = std::nullopt,
                      const std::optional<std::string>& suffix = std::nullopt) {
  return CreatedFile(create_unique(EntryKind::file, {"mkstemp", prefix, suffix, dir}, names));
}

TEST_F(MkstempInnerTest, Basic) {
  const std::vector<std::pair<std::string, std::string>> affixes = {
      {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
  RandomNames names;
  const std::filesystem::path dir = gettempdir();
  for (const auto& [prefix, suffix] : affixes) {
    SCOPED_TRACE(test::describe_affixes(prefix, suffix));
    const CreatedFile file = make_file(names, dir, prefix, suffix);
    EXPECT_TRUE(test::name_check(file.entry.path, dir, prefix, suffix));
    EXPECT_EQ(::write(file.entry.fd.get(), "blat", 4), 4);
  }
}

TEST_F(MkstempInnerTest, BasicMany) {
  RandomNames names;
  const std::filesystem::path dir = gettempdir();
  std::vector<CreatedFile> files;
  std::set<std::string> paths;
  for (int i = 0; i < 100; ++i) {
    files.push_back(make_file(names, dir, "", ""));
    EXPECT_TRUE(test::name_check(files.back().entry.path, dir, "", ""));
    EXPECT_TRUE(files.back().entry.fd.valid());
    paths.insert(files.back().entry.path);
  }
  EXPECT_EQ(paths.size(), 100U);
  EXPECT_EQ(test::list_dir(dir).size(), 100U);
}

TEST_F(MkstempInnerTest, ChooseDirectory) {
  const auto dir = make_subdir("chosen");
  RandomNames names;
  for (const std::filesystem::path& given : {dir, std::filesystem::path("chosen")}) {
    SCOPED_TRACE("dir " + given.string());
    const CreatedFile file = make_file(names, given);
    EXPECT_TRUE(test::name_check(file.entry.path, dir, "tmp", ""));
  }
  std::filesystem::remove(dir);
}

TEST_F(MkstempInnerTest, FileMode) {
  const test::ScopedUmask umask(022);
  RandomNames names;
  const CreatedFile file = make_file(names, std::nullopt);
  struct stat info {};
  ASSERT_EQ(::fstat(file.entry.fd.get(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600U);
}

TEST_F(MkstempInnerTest, Noinherit) {
  RandomNames names;
  const CreatedFile file = make_file(names, std::nullopt);
  const int fd = file.entry.fd.get();
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);

  // CPython's tf_inherit_check.py, as a shell: exit 0 only if it could write to descriptor fd.
  ASSERT_LE(fd, 9) << "dash (/bin/sh) can only redirect to descriptors 0-9";
  const std::string command = "{ echo x >&" + std::to_string(fd) + "; } 2>/dev/null";
  const auto exec_child_writes = [&](bool clear_cloexec) {
    return test::run_in_child([&] {
      if (clear_cloexec && ::fcntl(fd, F_SETFD, 0) != 0) {
        return 10;
      }
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      return 11;
    });
  };
  EXPECT_NE(exec_child_writes(false), 0);
  EXPECT_EQ(std::filesystem::file_size(file.entry.path), 0U);
  // The control: the same child does write once the flag is cleared, so the failure above comes
  // from the flag and not from the command.
  EXPECT_EQ(exec_child_writes(true), 0);
  EXPECT_EQ(std::filesystem::file_size(file.entry.path), 2U);
}

TEST_F(MkstempInnerTest, CollisionWithExistingFile) {
  test::ScriptedNames names({"aaa", "aaa", "bbb"});
  const std::filesystem::path dir = gettempdir();
  const CreatedFile first = make_file(names, dir);
  EXPECT_EQ(first.entry.path, (dir / "tmpaaa").string());
  const CreatedFile second = make_file(names, dir);
  EXPECT_EQ(second.entry.path, (dir / "tmpbbb").string());
  EXPECT_EQ(names.calls(), 3);
}

TEST_F(MkstempInnerTest, CollisionWithExistingDirectory) {
  test::ScriptedNames names({"aaa", "aaa", "bbb"});
  const std::filesystem::path dir = gettempdir();
  const std::optional<std::string> no_affix;
  const CreatedEntry directory =
      create_unique(EntryKind::directory, {"mkdtemp", no_affix, no_affix, dir}, names);
  EXPECT_EQ(directory.path, (dir / "tmpaaa").string());
  const CreatedFile file = make_file(names, dir);
  EXPECT_EQ(file.entry.path, (dir / "tmpbbb").string());
  EXPECT_TRUE(std::filesystem::is_directory(directory.path));
  std::filesystem::remove(directory.path);
}

}  // namespace
}  // namespace tempfile::create
