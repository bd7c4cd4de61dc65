// SPDX-License-Identifier: MIT
// objects::OwnedEntry on its own: a removal is owed once, a moved-from entry owes nothing, a
// forked child removes nothing, and a retry is owed again only when asked for.
#include "objects/owned_entry.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/fd.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::objects {
namespace {

namespace fs = std::filesystem;

class OwnedEntryTest : public test::ScratchTest {
 protected:
  [[nodiscard]] fs::path make_file(const char* name) const {
    const fs::path path = scratch() / name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    if (fd >= 0) {
      ::close(fd);
    }
    return path;
  }
  [[nodiscard]] static os::EntryIdentity identity_of(const fs::path& path) {
    os::EntryIdentity identity;
    EXPECT_EQ(os::identify_name(AT_FDCWD, path.c_str(), identity), 0);
    return identity;
  }
};

// Removed once; a file that later takes the same name is never touched by the same entry.
TEST_F(OwnedEntryTest, AFileIsRemovedOnceAndANewFileUnderItsNameSurvives) {
  const fs::path path = make_file("f");
  OwnedEntry entry = OwnedEntry::file(path, identity_of(path), true);
  std::vector<os::RemovalFailure> failures;
  EXPECT_EQ(entry.remove(path, failures), 0);
  EXPECT_FALSE(fs::exists(path));
  static_cast<void>(make_file("f"));
  EXPECT_EQ(entry.remove(path, failures), 0);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(failures.empty());
  fs::remove(path);
}

TEST_F(OwnedEntryTest, AMovedFromEntryOwesNothing) {
  const fs::path path = make_file("f");
  OwnedEntry entry = OwnedEntry::file(path, identity_of(path), false);
  OwnedEntry taken = std::move(entry);
  std::vector<os::RemovalFailure> failures;
  EXPECT_EQ(entry.remove(path, failures), 0);  // NOLINT(bugprone-use-after-move): the point
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(taken.remove(path, failures), 0);
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(OwnedEntryTest, AForkedChildRemovesNothing) {
  const fs::path path = make_file("f");
  OwnedEntry entry = OwnedEntry::file(path, identity_of(path), true);
  const int status = test::run_in_child([&] {
    std::vector<os::RemovalFailure> failures;
    return entry.in_creating_process() || entry.remove(path, failures) != 0 ? 1 : 0;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(entry.in_creating_process());
  std::vector<os::RemovalFailure> failures;
  EXPECT_EQ(entry.remove(path, failures), 0);
  EXPECT_FALSE(fs::exists(path));
}

// A directory goes through the held root; a failure is reported with its path relative to
// the root, and retry_later makes the removal owed again.
TEST_F(OwnedEntryTest, ADirectoryIsRemovedThroughItsRootAndRetriedWhenAsked) {
  const fs::path path = scratch() / "d";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  os::FileDescriptor root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(root.valid());
  os::EntryIdentity identity;
  ASSERT_EQ(os::identify_fd(root.get(), identity), 0);
  OwnedEntry entry = OwnedEntry::directory(path.native(), root.get(), identity, true);
  std::vector<os::RemovalFailure> failures;
  // The root's name is replaced by a file: the entry is left and reported.
  const fs::path aside = scratch() / "aside";
  fs::rename(path, aside);
  static_cast<void>(make_file("d"));
  EXPECT_NE(entry.remove(path, failures), 0);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.front().path, "");
  EXPECT_TRUE(fs::is_regular_file(path));
  // Not owed any more until retry_later.
  fs::remove(path);
  fs::rename(aside, path);
  failures.clear();
  EXPECT_EQ(entry.remove(path, failures), 0);
  EXPECT_TRUE(fs::exists(path));
  entry.retry_later(path.native(), true);
  EXPECT_EQ(entry.remove(path, failures), 0);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(failures.empty());
}

}  // namespace
}  // namespace tempfile::objects
