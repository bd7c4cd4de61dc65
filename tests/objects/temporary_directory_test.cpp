// SPDX-License-Identifier: MIT
// TemporaryDirectory and rmtree() as C++ objects and functions: move semantics, operator/,
// absolute names, cleanup_error's contents and text, fork safety, rmtree's reports.
#include "tempfile/temporary_directory.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "support/files.hpp"
#include "support/immutable.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using test::exists_no_follow;

// errno's text (std::strerror is not thread-safe).
using ::testing::HasSubstr;

class TemporaryDirectoryObjectTest : public test::ScratchTest {};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(TemporaryDirectoryObjectTest, MoveConstructionTransfersTheDirectory) {
  TemporaryDirectory first;
  const fs::path name = first.name();
  write_text(first / "file", "kept");
  TemporaryDirectory second(std::move(first));
  EXPECT_EQ(second.name(), name);
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): the moved-from state
  EXPECT_TRUE(first.name().empty());
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(first.path().empty());
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): does nothing
  first.cleanup();
  EXPECT_EQ(read_text(name / "file"), "kept");
  { const TemporaryDirectory third(std::move(second)); }
  EXPECT_FALSE(exists_no_follow(name));
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): moved-from, does nothing
  second.cleanup();
}

TEST_F(TemporaryDirectoryObjectTest, MovedFromDestructorDoesNothing) {
  fs::path name;
  std::optional<TemporaryDirectory> kept;
  {
    TemporaryDirectory original;
    name = original.name();
    kept.emplace(std::move(original));
  }
  EXPECT_TRUE(fs::is_directory(name)) << "the moved-from object's destructor removed it";
  kept.reset();
  EXPECT_FALSE(exists_no_follow(name));
}

TEST_F(TemporaryDirectoryObjectTest, MoveAssignmentCleansUpTheOldDirectory) {
  TemporaryDirectory target;
  const fs::path old_name = target.name();
  write_text(target / "old", "old");
  TemporaryDirectory source;
  const fs::path new_name = source.name();
  target = std::move(source);
  EXPECT_FALSE(exists_no_follow(old_name)) << "the directory held before was not removed";
  EXPECT_EQ(target.name(), new_name);
  EXPECT_TRUE(fs::is_directory(new_name));
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(source.name().empty());

  // Into a moved-from object: nothing to clean up first.
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  source = std::move(target);
  EXPECT_EQ(source.name(), new_name);
  EXPECT_TRUE(fs::is_directory(new_name));

  // Self-assignment keeps the directory.
  TemporaryDirectory& alias = source;
  source = std::move(alias);
  EXPECT_EQ(source.name(), new_name);
  EXPECT_TRUE(fs::is_directory(new_name));
}

// "As the destructor would": an old directory with delete_ = false is kept; one whose cleanup
// fails does not make the assignment throw.
TEST_F(TemporaryDirectoryObjectTest, MoveAssignmentFollowsTheOldObjectsDuty) {
  TemporaryDirectory target({.delete_ = false});
  const fs::path kept = target.name();
  target = TemporaryDirectory();
  EXPECT_TRUE(fs::is_directory(kept));
  fs::remove(kept);

  const fs::path old_name = target.name();
  fs::create_directories(target / "sub");
  write_text(target / "sub" / "locked", "locked");
  test::Immutable lock(target / "sub" / "locked");
  if (!lock.refused().empty()) {
    GTEST_SKIP() << lock.refused();
  }
  target = TemporaryDirectory();  // the old cleanup fails: swallowed, as in the destructor
  EXPECT_EQ(read_text(old_name / "sub" / "locked"), "locked");
  lock.unlock();
  rmtree(old_name);
  EXPECT_FALSE(exists_no_follow(old_name));
}

TEST_F(TemporaryDirectoryObjectTest, SlashOperator) {
  const TemporaryDirectory dir;
  EXPECT_EQ(dir / "x", dir.name() / "x");
  EXPECT_EQ(dir.path() / "x", dir.name() / "x");
  EXPECT_EQ(dir / "a" / "b.txt", dir.name() / "a" / "b.txt");
  EXPECT_EQ((dir / fs::path("x")).parent_path(), dir.name());
  write_text(dir / "x", "through operator/");
  EXPECT_EQ(read_text(dir.path() / "x"), "through operator/");
}

TEST_F(TemporaryDirectoryObjectTest, NameIsAbsoluteEvenWithARelativeDir) {
  const fs::path sub = make_subdir("sub");
  for (const fs::path& relative : {fs::path("."), fs::path("sub"), fs::path("./sub"),
                                   fs::path("sub/../sub"), fs::path("sub/")}) {
    SCOPED_TRACE(relative.string());
    const TemporaryDirectory dir({.dir = relative});
    EXPECT_TRUE(dir.name().is_absolute()) << dir.name();
    EXPECT_EQ(dir.name().parent_path(), relative == "." ? scratch() : sub) << dir.name();
    EXPECT_TRUE(fs::is_directory(dir.name()));
    EXPECT_EQ(dir.name(), dir.name().lexically_normal());
  }
  // Still right after the working directory changes (the name is fixed at creation).
  TemporaryDirectory dir({.dir = "sub"});
  fs::current_path(sub);
  EXPECT_EQ(dir.name().parent_path(), sub);
  dir.cleanup();
  EXPECT_FALSE(exists_no_follow(dir.name()));
  fs::current_path(scratch());
  fs::remove(sub);
}

TEST_F(TemporaryDirectoryObjectTest, CleanupWithDeleteFalseStillRemoves) {
  TemporaryDirectory dir({.delete_ = false});
  write_text(dir / "file", "x");
  dir.cleanup();
  EXPECT_FALSE(exists_no_follow(dir.name()));
  dir.cleanup();
}

TEST_F(TemporaryDirectoryObjectTest, RemovedBehindItsBackIsNoError) {
  TemporaryDirectory dir;
  fs::remove(dir.name());
  EXPECT_NO_THROW(dir.cleanup());
}

// cleanup_error: code() and path1() from the first failure and the directory, failures() with
// absolute paths, what() naming the directory and each entry with its reason.
TEST_F(TemporaryDirectoryObjectTest, CleanupErrorNamesTheDirectoryAndEachEntry) {
  TemporaryDirectory dir;
  const fs::path name = dir.name();
  fs::create_directories(dir / "a");
  write_text(dir / "a" / "one", "1");
  write_text(dir / "two", "2");
  write_text(dir / "gone", "3");
  test::Immutable one(dir / "a" / "one");
  if (!one.refused().empty()) {
    GTEST_SKIP() << one.refused();
  }
  test::Immutable two(dir / "two");
  ASSERT_TRUE(two.refused().empty()) << two.refused();
  try {
    dir.cleanup();
    ADD_FAILURE() << "no cleanup_error";
  } catch (const cleanup_error& failure) {
    const std::string what = failure.what();
    EXPECT_EQ(failure.code(), std::errc::operation_not_permitted);
    EXPECT_EQ(failure.path1(), name);
    std::set<fs::path> paths;
    for (const cleanup_error::failure& each : failure.failures()) {
      EXPECT_TRUE(each.path.is_absolute()) << each.path;
      EXPECT_EQ(each.code, std::errc::operation_not_permitted) << each.path;
      paths.insert(each.path);
    }
    EXPECT_EQ(paths, (std::set<fs::path>{name / "a" / "one", name / "two"}));
    EXPECT_THAT(what, HasSubstr("tempfile: cannot remove temporary directory '" + name.string() +
                                "': 2 entries left: "));
    EXPECT_THAT(what,
                HasSubstr("'" + (name / "a" / "one").string() + "' (Operation not permitted)"));
    EXPECT_THAT(what, HasSubstr("'" + (name / "two").string() + "' (Operation not permitted)"));
    // Catchable as the standard types too.
    const std::filesystem::filesystem_error& as_std = failure;
    EXPECT_EQ(as_std.code(), std::errc::operation_not_permitted);
  }
  EXPECT_FALSE(exists_no_follow(dir / "gone"));
  one.unlock();
  two.unlock();
  dir.cleanup();  // a failed cleanup is retried by the next one
  EXPECT_FALSE(exists_no_follow(name));
}

// One entry, singular, needing no privilege: the root moved away and replaced by a symbolic
// link is reported with ESTALE, explained in words ("Stale file handle" would not), and the link
// left alone.
TEST_F(TemporaryDirectoryObjectTest, CleanupErrorForAReplacedRoot) {
  TemporaryDirectory dir;
  const fs::path name = dir.name();
  const fs::path moved = make_subdir("moved-parent") / "moved";
  fs::rename(name, moved);
  fs::create_directory_symlink(moved, name);
  try {
    dir.cleanup();
    ADD_FAILURE() << "no cleanup_error";
  } catch (const cleanup_error& failure) {
    ASSERT_EQ(failure.failures().size(), 1U) << failure.what();
    EXPECT_EQ(failure.failures()[0].path, name);
    EXPECT_EQ(failure.failures()[0].code.value(), ESTALE);
    EXPECT_EQ(failure.code().value(), ESTALE);
    EXPECT_EQ(std::string(failure.what()), "tempfile: cannot remove temporary directory '" +
                                               name.string() + "': 1 entry left: '" +
                                               name.string() +
                                               "' (the directory was moved away: its name no "
                                               "longer refers to it (its contents were removed))");
  }
  EXPECT_TRUE(fs::is_symlink(name));
  fs::remove(name);
  fs::remove_all(moved.parent_path());
  EXPECT_NO_THROW(dir.cleanup());  // the name is gone now: nothing left to do
}

TEST_F(TemporaryDirectoryObjectTest, IgnoreCleanupErrorsNeverThrows) {
  TemporaryDirectory dir({.ignore_cleanup_errors = true});
  const fs::path name = dir.name();
  const fs::path moved = scratch() / "moved";
  fs::rename(name, moved);
  fs::create_directory_symlink(moved, name);
  EXPECT_NO_THROW(dir.cleanup());
  EXPECT_TRUE(fs::is_symlink(name));
  EXPECT_TRUE(fs::is_directory(moved));
  fs::remove(name);
  fs::remove(moved);
}

// Only the creating process removes: a fork()ed child whose copy dies (destructor) or that
// exits (exit cleanup) leaves the parent's directory alone.
TEST_F(TemporaryDirectoryObjectTest, D1_ForkedChildNeverRemovesTheParentsDirectory) {
  std::optional<TemporaryDirectory> dir;
  dir.emplace();
  write_text(*dir / "file", "parent's");
  const int destructor_status = test::run_in_child([&] {
    dir.reset();
    return 0;
  });
  EXPECT_EQ(destructor_status, 0);
  EXPECT_EQ(read_text(*dir / "file"), "parent's");
  const int exit_status = test::run_in_child([] {
    std::exit(0);  // NOLINT(concurrency-mt-unsafe): a one-thread child
    return 1;
  });
  EXPECT_EQ(exit_status, 0);
  EXPECT_EQ(read_text(*dir / "file"), "parent's");
  const fs::path name = dir->name();
  dir.reset();
  EXPECT_FALSE(exists_no_follow(name));
}

TEST_F(TemporaryDirectoryObjectTest, RmtreeRemovesATree) {
  fs::create_directories("tree/a/b/c");
  fs::create_directories("tree/d");
  write_text("tree/a/b/c/file", "x");
  write_text("tree/d/file", "x");
  write_text("tree/file", "x");
  fs::create_symlink("file", "tree/link");
  ASSERT_EQ(::mkfifo("tree/a/fifo", 0600), 0);
  ASSERT_EQ(::chmod("tree/a/b", 0500), 0);
  rmtree("tree");  // relative to the working directory, as Python's
  EXPECT_FALSE(exists_no_follow("tree"));

  const fs::path absolute = make_subdir("absolute");
  write_text(absolute / "file", "x");
  rmtree(absolute);
  EXPECT_FALSE(exists_no_follow(absolute));
}

// The twin of mkdtemp(): what it returns, rmtree() removes.
TEST_F(TemporaryDirectoryObjectTest, RmtreeAfterMkdtemp) {
  const fs::path made = mkdtemp();
  fs::create_directories(made / "sub");
  write_text(made / "sub" / "file", "x");
  rmtree(made);
  EXPECT_FALSE(exists_no_follow(made));
}

TEST_F(TemporaryDirectoryObjectTest, RmtreeOnAMissingPathReportsEnoent) {
  const fs::path missing = scratch() / "missing";
  try {
    rmtree(missing);
    ADD_FAILURE() << "no cleanup_error";
  } catch (const cleanup_error& failure) {
    EXPECT_EQ(failure.code(), std::errc::no_such_file_or_directory);
    EXPECT_EQ(failure.path1(), missing);
    ASSERT_EQ(failure.failures().size(), 1U) << failure.what();
    EXPECT_EQ(failure.failures()[0].path, missing);
    EXPECT_EQ(failure.failures()[0].code, std::errc::no_such_file_or_directory);
    EXPECT_THAT(failure.what(),
                HasSubstr("'" + missing.string() + "' (No such file or directory)"));
  }
  EXPECT_NO_THROW(rmtree(missing, true));
}

// Python's "Cannot call rmtree on a symbolic link": a link to a directory is reported (ENOTDIR)
// and neither it nor anything it points to is touched; also spelled with a trailing slash,
// which would make the kernel follow it.
TEST_F(TemporaryDirectoryObjectTest, RmtreeNeverFollowsASymbolicLink) {
  fs::create_directories("target/inner");
  write_text("target/inner/file", "victim");
  write_text("target/file", "victim");
  fs::create_directory_symlink(scratch() / "target", "link");
  for (const fs::path& path : {fs::path("link"), scratch() / "link", fs::path("link/")}) {
    SCOPED_TRACE(path.string());
    try {
      rmtree(path);
      ADD_FAILURE() << "no cleanup_error";
    } catch (const cleanup_error& failure) {
      EXPECT_EQ(failure.code(), std::errc::not_a_directory) << failure.what();
      ASSERT_EQ(failure.failures().size(), 1U) << failure.what();
      EXPECT_EQ(failure.failures()[0].code, std::errc::not_a_directory);
    }
    EXPECT_NO_THROW(rmtree(path, true));
    EXPECT_TRUE(fs::is_symlink("link"));
    EXPECT_EQ(read_text("target/file"), "victim");
    EXPECT_EQ(read_text("target/inner/file"), "victim");
  }
  // A file is not a tree either.
  EXPECT_THROW(rmtree("target/file"), cleanup_error);
  EXPECT_EQ(read_text("target/file"), "victim");
  fs::remove("link");
  fs::remove_all("target");
}

// ignore_errors: what can go goes, what cannot stays, nothing is thrown.
TEST_F(TemporaryDirectoryObjectTest, RmtreeIgnoreErrors) {
  fs::create_directories("tree/keep");
  write_text("tree/keep/locked", "locked");
  write_text("tree/keep/other", "x");
  write_text("tree/other", "x");
  test::Immutable lock("tree/keep/locked");
  if (!lock.refused().empty()) {
    fs::remove_all("tree");
    GTEST_SKIP() << lock.refused();
  }
  try {
    rmtree("tree");
    ADD_FAILURE() << "no cleanup_error";
  } catch (const cleanup_error& failure) {
    ASSERT_EQ(failure.failures().size(), 1U) << failure.what();
    EXPECT_EQ(failure.failures()[0].path, fs::path("tree") / "keep" / "locked");
    EXPECT_EQ(failure.failures()[0].code, std::errc::operation_not_permitted);
  }
  EXPECT_NO_THROW(rmtree("tree", true));
  EXPECT_EQ(test::list_dir("tree"), std::set<std::string>{"keep"});
  EXPECT_EQ(test::list_dir("tree/keep"), std::set<std::string>{"locked"});
  lock.unlock();
  rmtree("tree", true);
  EXPECT_FALSE(exists_no_follow("tree"));
}

// security.md D1: an explicit cleanup() in a fork()ed child removes nothing of its parent's.
TEST_F(TemporaryDirectoryObjectTest, D1_CleanupInAForkedChildIsRefused) {
  TemporaryDirectory dir({.dir = scratch()});
  std::ofstream(dir / "f") << "parent's";
  TemporaryDirectory quiet({.dir = scratch(), .ignore_cleanup_errors = true});
  const int status = test::run_in_child([&] {
    try {
      dir.cleanup();
      return 1;  // it must throw
    } catch (const tempfile::error& e) {
      if (e.code() != std::errc::operation_not_permitted) {
        return 2;
      }
    }
    quiet.cleanup();  // ignore_cleanup_errors: nothing, and no exception
    return 0;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "f"));
  EXPECT_TRUE(std::filesystem::exists(quiet.name()));
}

}  // namespace
}  // namespace tempfile
