// SPDX-License-Identifier: MIT
// The cleaner lock on NamedTemporaryFile, and tempfile::sweep() telling dead owners' leftovers
// from live ones by it, in real processes (fork, SIGKILL) with real symbolic links and FIFOs.
#include "tempfile/sweep.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/options_builder.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// Whether another process can take an exclusive flock on `path` right now (what a tmp cleaner
// and sweep() try): 0 if it can, else the errno (EWOULDBLOCK while someone holds a lock).
int exclusive_lock_errno_in_child(const fs::path& path) {
  return test::run_in_child([&] {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      return 99;
    }
    const int result = ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
    ::close(fd);
    return result;
  });
}

void write_file(const fs::path& path) {
  std::ofstream(path) << "x";
}

// Dates `path` (never following a symbolic link) `age` into the past.
void make_old(const fs::path& path, seconds age) {
  const auto then = std::chrono::system_clock::now() - age;
  const timespec when{static_cast<time_t>(std::chrono::system_clock::to_time_t(then)), 0};
  const timespec times[2] = {when, when};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

std::vector<std::string> names_of(const std::vector<SweptEntry>& entries) {
  std::vector<std::string> names;
  for (const SweptEntry& entry : entries) {
    names.push_back(entry.path.filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

const LeftEntry* find_left(const SweepResult& result, const fs::path& path) {
  for (const LeftEntry& entry : result.left) {
    if (entry.path == path) {
      return &entry;
    }
  }
  return nullptr;
}

class CleanerLockTest : public test::ScratchTest {};

TEST_F(CleanerLockTest, B2_NamedTemporaryFileHoldsASharedFlockWhileOpen) {
  NamedTemporaryFile file({.dir = scratch(), .delete_ = false});
  const fs::path name = file.name();
  EXPECT_EQ(exclusive_lock_errno_in_child(name), EWOULDBLOCK);  // a cleaner's lock fails
  file.close();                                                 // the lock goes with the file
  EXPECT_EQ(exclusive_lock_errno_in_child(name), 0);
  fs::remove(name);
}

TEST_F(CleanerLockTest, B2_NamedTemporaryFileLockFalseTakesNone) {
  const NamedTemporaryFile file({.dir = scratch(), .lock = false});
  EXPECT_EQ(exclusive_lock_errno_in_child(file.name()), 0);
  const NamedTemporaryFileOptions built = options().dir(scratch()).lock(false);
  EXPECT_FALSE(built.lock);
  const NamedTemporaryFile from_builder(built);
  EXPECT_EQ(exclusive_lock_errno_in_child(from_builder.name()), 0);
}

class SweepTest : public test::ScratchTest {
 protected:
  const SweepOptions now{.min_age = seconds(0)};
};

TEST_F(SweepTest, D2_ASigkilledOwnersFileAndDirectoryAreSwept) {
  const fs::path dir = make_subdir("d");
  const int status = test::run_in_child([&] {
    const NamedTemporaryFile file({.dir = dir});
    const TemporaryDirectory directory({.dir = dir});
    write_file(directory.name() / "inside");
    fs::create_directory(directory.name() / "sub");
    write_file(directory.name() / "sub" / "deeper");
    ::raise(SIGKILL);  // no destructor, no handler runs: the objects' entries stay behind
    return 0;
  });
  ASSERT_EQ(status, 128 + SIGKILL);
  ASSERT_EQ(test::list_dir(dir).size(), 2U);  // positive control: the leftovers exist
  const SweepResult result = sweep(dir, now);
  EXPECT_EQ(result.removed.size(), 2U);
  EXPECT_TRUE(result.left.empty());
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove(dir);
}

TEST_F(SweepTest, B2_ThisProcessesLiveObjectsAreLeft) {
  const fs::path dir = make_subdir("d");
  {
    const NamedTemporaryFile file({.dir = dir});
    const TemporaryDirectory directory({.dir = dir});
    write_file(directory.name() / "inside");
    const SweepResult result = sweep(dir, now);
    EXPECT_TRUE(result.removed.empty());
    ASSERT_EQ(result.left.size(), 2U);
    for (const LeftEntry& left : result.left) {
      EXPECT_EQ(left.reason, SweepReason::in_use) << left.path;
      EXPECT_EQ(left.error, std::errc::operation_would_block) << left.path;
    }
    EXPECT_TRUE(fs::exists(file.name()));
    EXPECT_TRUE(fs::exists(directory.name() / "inside"));
  }
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove(dir);
}

TEST_F(SweepTest, B2_AnotherLiveProcesssObjectsAreLeftAndSweptOnceItDies) {
  const fs::path dir = make_subdir("d");
  int ready[2];
  int go[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const NamedTemporaryFile file({.dir = dir});
    const TemporaryDirectory directory({.dir = dir});
    char byte = 'r';
    static_cast<void>(::write(ready[1], &byte, 1));
    static_cast<void>(::read(go[0], &byte, 1));  // until the parent has swept
    ::_exit(0);  // no destructor: only the lock's end tells the owner is gone
  }
  ::close(ready[1]);
  ::close(go[0]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  const SweepResult live = sweep(dir, now);
  EXPECT_TRUE(live.removed.empty());
  EXPECT_EQ(live.left.size(), 2U);
  EXPECT_EQ(test::list_dir(dir).size(), 2U);
  ASSERT_EQ(::write(go[1], &byte, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::close(ready[0]);
  ::close(go[1]);
  const SweepResult dead = sweep(dir, now);
  EXPECT_EQ(dead.removed.size(), 2U);
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove(dir);
}

TEST_F(SweepTest, OnlyNamesOfThePatternAreTouched) {
  const fs::path dir = make_subdir("d");
  for (const char* name : {"tmpabc", "tmpABCDEFGH", "tmpabcdefgh.txt", "xyzabcdefgh",
                           "tmpabcdefghi", "tmpab-defgh", "tmp_123456"}) {
    write_file(dir / name);
  }
  write_file(dir / "tmpab_d0fgh");
  const SweepResult result = sweep(dir, now);
  EXPECT_EQ(names_of(result.removed), std::vector<std::string>{"tmpab_d0fgh"});
  EXPECT_TRUE(result.left.empty());
  EXPECT_EQ(test::list_dir(dir).size(), 7U);
  // A prefix and a suffix of one's own.
  const SweepResult own = sweep(dir, {.prefix = "tmp", .suffix = ".txt", .min_age = seconds(0)});
  EXPECT_EQ(names_of(own.removed), std::vector<std::string>{"tmpabcdefgh.txt"});
  const SweepResult xyz = sweep(dir, {.prefix = "xyz", .min_age = seconds(0)});
  EXPECT_EQ(names_of(xyz.removed), std::vector<std::string>{"xyzabcdefgh"});
  EXPECT_EQ(test::list_dir(dir).size(), 5U);
  fs::remove_all(dir);
}

TEST_F(SweepTest, C1_AnOldSymbolicLinkUnderThePatternIsNeverFollowedNorRemoved) {
  const fs::path dir = make_subdir("d");
  const fs::path outside = make_subdir("outside");
  write_file(outside / "precious");
  write_file(outside / "tmpprecious");
  fs::create_directory_symlink(outside, dir / "tmpaaaaaaaa");
  fs::create_symlink(outside / "precious", dir / "tmpbbbbbbbb");
  make_old(dir / "tmpaaaaaaaa", seconds(3 * 86400));
  make_old(dir / "tmpbbbbbbbb", seconds(3 * 86400));
  make_old(outside, seconds(3 * 86400));
  make_old(outside / "precious", seconds(3 * 86400));
  const SweepResult result = sweep(dir);
  EXPECT_TRUE(result.removed.empty());
  ASSERT_EQ(result.left.size(), 2U);
  for (const LeftEntry& left : result.left) {
    EXPECT_EQ(left.reason, SweepReason::not_ours) << left.path;
    EXPECT_EQ(left.error, std::errc::too_many_symbolic_link_levels) << left.path;
  }
  EXPECT_TRUE(fs::is_symlink(dir / "tmpaaaaaaaa"));
  EXPECT_EQ(test::list_dir(outside), (std::set<std::string>{"precious", "tmpprecious"}));
  fs::remove_all(dir);
  fs::remove_all(outside);
}

TEST_F(SweepTest, C12_AFifoUnderThePatternIsLeftAndNeverOpened) {
  const fs::path dir = make_subdir("d");
  ASSERT_EQ(::mkfifo((dir / "tmpfifofifo").c_str(), 0600), 0);
  const SweepResult result = sweep(dir, now);  // would hang if it opened the FIFO blocking
  EXPECT_TRUE(result.removed.empty());
  ASSERT_EQ(result.left.size(), 1U);
  EXPECT_EQ(result.left[0].reason, SweepReason::not_ours);
  EXPECT_TRUE(fs::is_fifo(dir / "tmpfifofifo"));
  fs::remove_all(dir);
}

TEST_F(SweepTest, C1_ASweptDirectorysSymbolicLinksAreUnlinkedNotFollowed) {
  const fs::path dir = make_subdir("d");
  const fs::path outside = make_subdir("outside");
  write_file(outside / "precious");
  fs::create_directory(dir / "tmpdeaddead");
  fs::create_directory_symlink(outside, dir / "tmpdeaddead" / "link");
  const SweepResult result = sweep(dir, now);
  EXPECT_EQ(names_of(result.removed), std::vector<std::string>{"tmpdeaddead"});
  EXPECT_TRUE(result.removed[0].directory);
  EXPECT_TRUE(fs::exists(outside / "precious"));
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove_all(dir);
  fs::remove_all(outside);
}

TEST_F(SweepTest, AHardLinkedFileIsLeft) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "tmplinkedxx");
  fs::create_hard_link(dir / "tmplinkedxx", scratch() / "other-name");
  const SweepResult result = sweep(dir, now);
  EXPECT_TRUE(result.removed.empty());
  ASSERT_EQ(result.left.size(), 1U);
  EXPECT_EQ(result.left[0].reason, SweepReason::hard_linked);
  fs::remove(scratch() / "other-name");
  EXPECT_EQ(sweep(dir, now).removed.size(), 1U);  // positive control: with one name it goes
  fs::remove(dir);
}

TEST_F(SweepTest, DryRunRemovesNothingAndReportsWhatItWould) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "tmpdryrun00");
  fs::create_directory(dir / "tmpdryrun01");
  {
    const NamedTemporaryFile live({.dir = dir});
    const SweepResult result = sweep(dir, {.min_age = seconds(0), .dry_run = true});
    EXPECT_EQ(names_of(result.removed), (std::vector<std::string>{"tmpdryrun00", "tmpdryrun01"}));
    ASSERT_NE(find_left(result, live.name()), nullptr);
    EXPECT_EQ(find_left(result, live.name())->reason, SweepReason::in_use);
    EXPECT_EQ(test::list_dir(dir).size(), 3U);
    EXPECT_EQ(sweep(dir, now).removed.size(), 2U);  // the same call, for real
  }
  fs::remove(dir);
}

TEST_F(SweepTest, EntriesYoungerThanMinAgeAreLeft) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "tmpyoung000");
  write_file(dir / "tmpold00000");
  fs::create_directory(dir / "tmpolddir00");
  make_old(dir / "tmpold00000", seconds(2 * 86400));
  make_old(dir / "tmpolddir00", seconds(2 * 86400));
  const SweepResult result = sweep(dir);  // the default: a day
  EXPECT_EQ(names_of(result.removed), (std::vector<std::string>{"tmpold00000", "tmpolddir00"}));
  ASSERT_EQ(result.left.size(), 1U);
  EXPECT_EQ(result.left[0].reason, SweepReason::too_young);
  EXPECT_FALSE(result.left[0].error);
  const SweepResult hour = sweep(dir, {.min_age = std::chrono::hours(1)});
  EXPECT_TRUE(hour.removed.empty());
  make_old(dir / "tmpyoung000", seconds(7200));
  EXPECT_EQ(sweep(dir, {.min_age = std::chrono::hours(1)}).removed.size(), 1U);
  fs::remove(dir);
}

// Another user's sweep() of a shared sticky directory (as /tmp) cannot remove your leftovers:
// it may not even open them to lock them (0600), and the sticky bit would refuse the unlink.
// Run as uid 65534 in a child, since root bypasses both checks; the positive control is the
// owner's own sweep, which removes them.
TEST_F(SweepTest, A5_AnotherUsersSweepLeavesYourLeftoversInAStickyDirectory) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root: the leftovers must belong to another user than the sweeper's";
  }
  ASSERT_EQ(::chmod(scratch().c_str(), 0711), 0);  // let the other user reach the directory
  const fs::path sticky = scratch() / "tmp";
  ASSERT_EQ(::mkdir(sticky.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(sticky.c_str(), 01777), 0);
  const int killed = test::run_in_child([&] {
    const NamedTemporaryFile file({.dir = sticky});
    const TemporaryDirectory directory({.dir = sticky});
    ::raise(SIGKILL);
    return 0;
  });
  ASSERT_EQ(killed, 128 + SIGKILL);
  const int status = test::run_in_child([&] {
    if (!test::become_unprivileged()) {
      return 2;
    }
    const SweepResult result = sweep(sticky, now);
    if (!result.removed.empty()) {
      return 3;
    }
    if (result.left.size() != 2) {
      return 4;
    }
    for (const LeftEntry& left : result.left) {
      if (left.reason != SweepReason::failed || left.error != std::errc::permission_denied) {
        return 5;
      }
    }
    return 0;
  });
  EXPECT_EQ(status, 0) << "2: could not drop privileges; 3: removed; 4/5: not reported EACCES";
  EXPECT_EQ(test::list_dir(sticky).size(), 2U);
  EXPECT_EQ(sweep(sticky, now).removed.size(), 2U);  // the owner's (root's) own sweep
  EXPECT_TRUE(test::list_dir(sticky).empty());
  fs::remove(sticky);
  ::chmod(scratch().c_str(), 0700);
}

TEST_F(SweepTest, AMissingDirectoryIsAnError) {
  std::error_code ec;
  const SweepResult result = sweep(scratch() / "missing", {}, ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_TRUE(result.removed.empty() && result.left.empty());
  EXPECT_THROW(static_cast<void>(sweep(scratch() / "missing")), error);
}

TEST_F(SweepTest, TheDirectoryItselfMayBeASymbolicLink) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "tmpthrough0");
  fs::create_directory_symlink(dir, scratch() / "link");
  EXPECT_EQ(sweep(scratch() / "link", now).removed.size(), 1U);
  EXPECT_TRUE(test::list_dir(dir).empty());
  fs::remove(scratch() / "link");
  fs::remove(dir);
}

}  // namespace
}  // namespace tempfile
