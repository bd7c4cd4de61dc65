// SPDX-License-Identifier: MIT
// security.md 1.1, C1, C3, C5, C6, C9, C10-C12 through TemporaryDirectory itself: links out of
// the tree, racing swaps, a replaced root, FIFOs, mounts, a 10,000-deep tree with 64 descriptors.
// A naive path-based remover in the same race harness is the positive control.
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "os/fd.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

// One round of the subtree-swap race (security.md 1.4, C5) on a TemporaryDirectory in `base`:
// its a/ holds `files` files, `base`/victim the same names. An attacker thread keeps replacing
// a/ with a symbolic link to the victim (rename away, symlink, unlink, rename back) while
// `remove` removes the directory. Returns how many victim files were lost.
std::size_t race_round(const fs::path& base, int files,
                       const std::function<void(TemporaryDirectory&)>& remove) {
  const fs::path victim = base / "victim";
  fill_victim_files(victim, files);
  std::size_t left = 0;
  {
    TemporaryDirectory tree({.dir = base, .ignore_cleanup_errors = true});
    fill_victim_files(tree / "a", files);
    {
      const SubtreeSwapper attacker(tree / "a", victim);
      remove(tree);
    }
    left = count_files(victim);
  }  // the destructor finishes what the race left (the symlink, a.moved), again without harm
  const std::size_t after_destructor = count_files(victim);
  force_remove_all(victim);
  return static_cast<std::size_t>(files) - std::min(left, after_destructor);
}

class TemporaryDirectoryAttackTest : public ScratchTest {};

// 1.1 / C1 / C2: links to a directory, a file, a relative path, a dangling target, itself and
// each other, and a hard link to a victim file, with the tree's directories made read-only.
// cleanup() removes the links and the tree; every victim entry keeps its content and mode.
TEST_F(TemporaryDirectoryAttackTest, C1_SymbolicLinksOutOfTheTreeAreNeverFollowed) {
  fill_victim_files(scratch() / "victim" / "sub", 3);
  write_file(scratch() / "victim" / "file", "victim file");
  ASSERT_EQ(::chmod((scratch() / "victim" / "sub").c_str(), 0500), 0);
  const auto before = snapshot_tree(scratch() / "victim");
  fs::path name;
  {
    TemporaryDirectory dir;
    name = dir.name();
    fs::create_directories(dir / "inner" / "deeper");
    fs::create_directory_symlink(scratch() / "victim", dir / "to_dir");
    fs::create_directory_symlink(scratch() / "victim" / "sub", dir / "inner" / "to_sub");
    fs::create_symlink(scratch() / "victim" / "file", dir / "inner" / "to_file");
    fs::create_directory_symlink("../../../victim", dir / "inner" / "deeper" / "relative");
    fs::create_symlink(scratch() / "victim" / "missing", dir / "dangling");
    fs::create_symlink("self", dir / "self");
    fs::create_symlink("cycle_b", dir / "cycle_a");
    fs::create_symlink("cycle_a", dir / "cycle_b");
    fs::create_hard_link(scratch() / "victim" / "file", dir / "inner" / "hard");
    ASSERT_EQ(count_files(dir / "inner" / "deeper" / "relative"), 4U) << "the link must resolve";
    ::chmod((dir / "inner" / "deeper").c_str(), 0500);
    ::chmod((dir / "inner").c_str(), 0500);
    dir.cleanup();
    EXPECT_FALSE(exists_no_follow(name));
  }
  auto after = snapshot_tree(scratch() / "victim");
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EntrySnapshot expected = before[i].second;
    if (before[i].first == "file") {
      EXPECT_EQ(after[i].second.links, 1U);  // the hard link in the tree was removed
      expected.links = 1;
      expected.modified = after[i].second.modified;
    }
    EXPECT_EQ(after[i].first, before[i].first);
    EXPECT_TRUE(after[i].second == expected)
        << before[i].first << ": " << describe(expected) << " became " << describe(after[i].second);
  }
  force_remove_all(scratch() / "victim");
}

// C5 through TemporaryDirectory, 200 rounds (a few seconds on tmpfs): no victim file is ever
// removed. Positive control: a naive path-based remover in the same harness loses victim files.
TEST_F(TemporaryDirectoryAttackTest, C5_SubtreeSwapRaceDuringCleanupNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  const auto started = std::chrono::steady_clock::now();
  std::size_t lost = 0;
  int damaged_rounds = 0;
  int rounds = 0;
  for (; rounds < 200; ++rounds) {
    const std::size_t round_lost =
        race_round(fast.path(), 50, [](TemporaryDirectory& tree) { tree.cleanup(); });
    lost += round_lost;
    damaged_rounds += round_lost > 0 ? 1 : 0;
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(6)) {
      break;
    }
  }
  EXPECT_EQ(lost, 0U) << "victim files deleted in " << damaged_rounds << "/" << rounds << " rounds";
  EXPECT_GE(rounds, 20) << "too few rounds to mean anything";

  const ControlRun control = run_until_first_loss([&] {
    return race_round(fast.path(), 50,
                      [](TemporaryDirectory& tree) { naive_remove(tree.name()); }) > 0;
  });
  EXPECT_TRUE(control.lost) << "positive control: the naive remover survived " << control.rounds
                            << " rounds, so this harness cannot tell a safe remover apart";
  std::printf("%d library rounds; the naive remover lost victim files after %d round(s)\n", rounds,
              control.rounds);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// test_cleanup_with_symlink_race / gh-157579 as a race, as uid 65534: a/dir1 is 0500 (its file
// can only go after a mode fix) and an attacker keeps swapping a/ for a link to a victim of the
// same shape (victim/dir1 0500 with a file). The victim's file and mode survive every round.
TEST_F(TemporaryDirectoryAttackTest, C3_SwapDuringModeFixRaceNeverReachesTheVictim) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0) << errno_text(errno);
  const ChildRun child = run_child(
      [&](std::string& out) {
        if (permissions_are_bypassed() && !become_unprivileged()) {
          out = std::string("become_unprivileged: ") + errno_text(errno);
          return 1;
        }
        fill_victim_files(work / "victim" / "dir1", 2);
        ::chmod((work / "victim" / "dir1").c_str(), 0500);
        int damaged = 0;
        int rounds = 0;
        // 2 s of rounds, and at least the 20 the check below needs even on a loaded machine
        // (the child's own limit is 30 s).
        const auto started = std::chrono::steady_clock::now();
        const auto enough = [&] {
          const auto spent = std::chrono::steady_clock::now() - started;
          return rounds >= 300 || (spent >= std::chrono::seconds(2) && rounds >= 20) ||
                 spent >= std::chrono::seconds(20);
        };
        for (; !enough(); ++rounds) {
          TemporaryDirectory tree({.dir = work, .ignore_cleanup_errors = true});
          fill_victim_files(tree / "a" / "dir1", 2);
          ::chmod((tree / "a" / "dir1").c_str(), 0500);
          {
            const SubtreeSwapper attacker(tree / "a", work / "victim");
            tree.cleanup();
          }
          struct stat info {};
          ::stat((work / "victim" / "dir1").c_str(), &info);
          if (count_files(work / "victim") != 2 || (info.st_mode & 07777U) != 0500) {
            ++damaged;
            fill_victim_files(work / "victim" / "dir1", 2);
            ::chmod((work / "victim" / "dir1").c_str(), 0500);
          }
        }
        add_fact(out, "rounds", std::to_string(rounds));
        add_fact(out, "damaged", std::to_string(damaged));
        force_remove_all(work / "victim");
        return 0;
      },
      30);
  ASSERT_EQ(child.status, 0) << child.output;
  std::printf("%s rounds of the mode-fix race\n",
              fact(child.output, "rounds").value_or("?").c_str());
  EXPECT_EQ(fact(child.output, "damaged"), "0") << child.output;
  EXPECT_GE(std::stoi(fact(child.output, "rounds").value_or("0")), 20) << child.output;
  EXPECT_TRUE(list_dir(work).empty());
  force_remove_all(work);
}

// C6: before cleanup, the root is renamed away and its name becomes a symbolic link to a victim
// directory. Nothing of the victim is touched, the link stays, the error reports the root as
// replaced (ESTALE); the original tree, held by its descriptor, is emptied. With
// ignore_cleanup_errors, the same without an exception.
TEST_F(TemporaryDirectoryAttackTest, C6_RootReplacedBySymbolicLinkIsLeftAndReported) {
  for (const bool ignore : {false, true}) {
    SCOPED_TRACE(ignore ? "ignore_cleanup_errors" : "default");
    fill_victim_files(scratch() / "victim" / "sub", 4);
    const auto before = snapshot_tree(scratch() / "victim");
    TemporaryDirectory dir({.ignore_cleanup_errors = ignore});
    fill_victim_files(dir / "sub", 4);
    const fs::path moved = scratch() / "moved";
    fs::rename(dir.name(), moved);
    fs::create_directory_symlink(scratch() / "victim", dir.name());
    bool raised = false;
    try {
      dir.cleanup();
    } catch (const cleanup_error& failure) {
      raised = true;
      EXPECT_TRUE(reports(failure, dir.name(), os::removal_replaced)) << describe(failure);
      EXPECT_EQ(failure.code().value(), ESTALE);
    }
    EXPECT_EQ(raised, !ignore);
    EXPECT_TRUE(fs::is_symlink(dir.name()));
    EXPECT_TRUE(snapshot_tree(scratch() / "victim") == before) << "the victim was changed";
    EXPECT_TRUE(list_dir(moved).empty()) << "the original tree was not emptied";
    fs::remove(dir.name());
    fs::remove(moved);
    force_remove_all(scratch() / "victim");
  }
}

// C6 with another directory in the root's place: a non-empty one is never touched (its files
// stay), and the root is reported as replaced. An empty one may be removed by the final rmdir
// (the documented window between the identity check and unlinkat); it is reported all the same.
TEST_F(TemporaryDirectoryAttackTest, C6_RootReplacedByAnotherDirectoryIsLeftAndReported) {
  for (const bool empty_impostor : {false, true}) {
    SCOPED_TRACE(empty_impostor ? "empty impostor" : "non-empty impostor");
    TemporaryDirectory dir;
    fill_victim_files(dir / "sub", 3);
    const fs::path moved = scratch() / "moved";
    fs::rename(dir.name(), moved);
    fs::create_directory(dir.name());
    if (!empty_impostor) {
      fill_victim_files(dir.name() / "impostor", 3);
    }
    const auto before = snapshot_tree(dir.name());
    try {
      dir.cleanup();
      ADD_FAILURE() << "no cleanup_error";
    } catch (const cleanup_error& failure) {
      EXPECT_TRUE(reports(failure, dir.name(), os::removal_replaced)) << describe(failure);
    }
    if (empty_impostor) {
      EXPECT_TRUE(!exists_no_follow(dir.name()) || list_dir(dir.name()).empty());
    } else {
      EXPECT_TRUE(snapshot_tree(dir.name()) == before) << "the impostor was changed";
      EXPECT_EQ(count_files(dir.name()), 3U);
    }
    EXPECT_TRUE(fs::is_directory(moved));
    force_remove_all(dir.name());
    force_remove_all(moved);
    EXPECT_NO_THROW(dir.cleanup());
  }
}

// The root replaced by a regular file: the file is kept, the root reported as replaced.
TEST_F(TemporaryDirectoryAttackTest, C6_RootReplacedByAFileIsLeftAndReported) {
  TemporaryDirectory dir;
  fill_victim_files(dir / "sub", 2);
  const fs::path moved = scratch() / "moved";
  fs::rename(dir.name(), moved);
  write_file(dir.name(), "not ours");
  try {
    dir.cleanup();
    ADD_FAILURE() << "no cleanup_error";
  } catch (const cleanup_error& failure) {
    EXPECT_TRUE(reports(failure, dir.name(), os::removal_replaced)) << describe(failure);
  }
  EXPECT_EQ(snapshot(dir.name()).content, "not ours");
  fs::remove(dir.name());
  force_remove_all(moved);
}

// C4/C6 racing: while cleanup() runs on a tree of 300 files, an attacker renames the root away
// and puts a symbolic link to a victim (or a non-empty directory) in its place, at a varying
// moment. Whatever the timing, the victim and the impostor keep every file.
TEST_F(TemporaryDirectoryAttackTest, C4_C6_RootReplacedDuringCleanupNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  fill_victim_files(fast.path() / "victim", 20);
  int reported = 0;
  int rounds = 0;
  for (; rounds < 60; ++rounds) {
    const bool with_symlink = rounds % 2 == 0;
    TemporaryDirectory dir({.dir = fast.path(), .ignore_cleanup_errors = false});
    for (int sub = 0; sub < 6; ++sub) {
      fill_victim_files(dir / ("d" + std::to_string(sub)), 50);
    }
    const fs::path name = dir.name();
    const fs::path moved = fast.path() / "moved";
    std::atomic<bool> go{false};
    std::thread attacker([&] {
      while (!go.load()) {
      }
      for (int spin = 0; spin < (rounds % 10) * 200; ++spin) {
        std::atomic_signal_fence(std::memory_order_seq_cst);
      }
      if (::rename(name.c_str(), moved.c_str()) != 0) {
        return;  // too late: already removed
      }
      if (with_symlink) {
        ::symlink((fast.path() / "victim").c_str(), name.c_str());
      } else {
        fill_victim_files(name / "impostor", 5);
      }
    });
    go.store(true);
    try {
      dir.cleanup();
    } catch (const cleanup_error& failure) {
      ++reported;
      EXPECT_TRUE(reports(failure, name, os::removal_replaced)) << describe(failure);
    }
    attacker.join();
    EXPECT_EQ(count_files(fast.path() / "victim"), 20U) << "round " << rounds;
    if (!with_symlink && exists_no_follow(moved)) {
      EXPECT_EQ(count_files(name / "impostor"), 5U) << "round " << rounds;
    }
    ::unlink(name.c_str());
    force_remove_all(name);
    force_remove_all(moved);
  }
  std::printf("%d/%d rounds reported a replaced root\n", reported, rounds);
  force_remove_all(fast.path() / "victim");
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// C12: FIFOs (and a socket) in the tree are unlinked without being opened: cleanup() does not
// block (the child's deadline would end it with SIGALRM).
TEST_F(TemporaryDirectoryAttackTest, C12_FifosAreRemovedWithoutBlocking) {
  const fs::path work = make_subdir("work");
  const ChildRun child = run_child([&](std::string& out) {
    TemporaryDirectory dir({.dir = work});
    fs::create_directories(dir / "sub");
    if (::mkfifo((dir / "fifo").c_str(), 0600) != 0 ||
        ::mkfifo((dir / "sub" / "fifo").c_str(), 0000) != 0) {
      out = std::string("mkfifo: ") + errno_text(errno);
      return 1;
    }
    const os::FileDescriptor sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string socket_path = "sub/socket";
    if (::chdir(dir.name().c_str()) != 0) {
      return 1;
    }
    std::strcpy(address.sun_path, socket_path.c_str());  // NOLINT: fits, the API wants an array
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      out = std::string("bind: ") + errno_text(errno);
      return 1;
    }
    if (::chdir(work.c_str()) != 0) {
      return 1;
    }
    dir.cleanup();
    add_fact(out, "gone", exists_no_follow(dir.name()) ? "no" : "yes");
    return 0;
  });
  ASSERT_NE(child.status, child_hit_deadline) << "cleanup() blocked on a FIFO";
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "gone"), "yes");
  EXPECT_TRUE(list_dir(work).empty());
  fs::remove(work);
}

// C9: a bind mount of a victim directory and a tmpfs inside the tree, in a private mount
// namespace: neither is entered nor removed, each is reported (EXDEV) by cleanup_error, the
// rest goes. Skips where unshare/mount is refused. Portable builds compare st_dev only and so
// cannot see a same-file-system bind mount: there only the tmpfs half is checked.
//
// Twice: with the TemporaryDirectory created inside the new namespace, and created before
// unshare(). Its descriptor then belongs to the old namespace's mount, where the mount points
// are plain empty directories that the kernel refuses to remove (EBUSY): still reported,
// still not crossed.
TEST_F(TemporaryDirectoryAttackTest, C9_MountPointsInsideTheTreeAreNotCrossed) {
  fill_victim_files(scratch() / "victim", 5);
  const fs::path work = make_subdir("work");
  fs::create_directory(work / "namespace-tmpfs");
  const bool bind_detectable = os::linux_fast_paths;
  for (const bool created_in_namespace : {true, false}) {
    SCOPED_TRACE(created_in_namespace ? "created in the namespace" : "created before unshare");
    const ChildRun child = run_child([&](std::string& out) {
      std::optional<TemporaryDirectory> dir;
      if (!created_in_namespace) {
        dir.emplace(TemporaryDirectoryOptions{.dir = work});
      }
      // unshare(CLONE_NEWNS) with a tmpfs outside the tree, just to enter the namespace.
      std::string why;
      if (const int status = mount_private_tmpfs(work / "namespace-tmpfs", 0, "size=64k", why);
          status != 0) {
        out += why;
        return status;
      }
      if (created_in_namespace) {
        dir.emplace(TemporaryDirectoryOptions{.dir = work});
      }
      fill_victim_files(*dir / "sub", 5);
      fs::create_directories(*dir / "bind");
      fs::create_directories(*dir / "sub" / "tmpfs");
      if (::mount("tmpfs", (*dir / "sub" / "tmpfs").c_str(), "tmpfs", 0, "size=64k") != 0) {
        out += std::string("mount tmpfs: ") + errno_text(errno);
        return errno == EPERM ? child_capability_missing : 1;
      }
      write_file(*dir / "sub" / "tmpfs" / "on_tmpfs", "other file system");
      if (bind_detectable && ::mount((scratch() / "victim").c_str(), (*dir / "bind").c_str(),
                                     nullptr, MS_BIND, nullptr) != 0) {
        out += std::string("mount --bind: ") + errno_text(errno);
        return errno == EPERM ? child_capability_missing : 1;
      }
      const int expected = created_in_namespace ? os::removal_other_mount : EBUSY;
      try {
        dir->cleanup();
        add_fact(out, "raised", "no");
      } catch (const cleanup_error& failure) {
        add_fact(out, "raised", "yes");
        add_fact(out, "failures", describe(failure));
        add_fact(out, "failure_count", std::to_string(failure.failures().size()));
        add_fact(out, "tmpfs_reported",
                 reports(failure, *dir / "sub" / "tmpfs", expected) ? "yes" : "no");
        add_fact(out, "bind_reported", reports(failure, *dir / "bind", expected) ? "yes" : "no");
      }
      add_fact(out, "tmpfs_file",
               exists_no_follow(*dir / "sub" / "tmpfs" / "on_tmpfs") ? "kept" : "lost");
      add_fact(out, "victim_files", std::to_string(count_files(*dir / "bind")));
      add_fact(out, "sub_files", std::to_string(count_files(*dir / "sub")));
      return 0;
    });
    if (child.status == child_capability_missing) {
      force_remove_all(work);
      force_remove_all(scratch() / "victim");
      GTEST_SKIP() << "no private mount namespace here: " << child.output;
    }
    ASSERT_EQ(child.status, 0) << child.output;
    EXPECT_EQ(fact(child.output, "raised"), "yes") << child.output;
    EXPECT_EQ(fact(child.output, "tmpfs_reported"), "yes") << child.output;
    EXPECT_EQ(fact(child.output, "tmpfs_file"), "kept") << child.output;
    EXPECT_EQ(fact(child.output, "sub_files"), "1") << "only the tmpfs file" << child.output;
    if (bind_detectable) {
      EXPECT_EQ(fact(child.output, "bind_reported"), "yes") << child.output;
      EXPECT_EQ(fact(child.output, "failure_count"), "2") << child.output;
      EXPECT_EQ(fact(child.output, "victim_files"), "5") << child.output;
    }
    EXPECT_EQ(count_files(scratch() / "victim"), 5U);
    // Left: the namespace's mount point and the tree (mount points and their ancestors).
    EXPECT_EQ(list_dir(work).size(), 2U);
    for (const std::string& entry : list_dir(work)) {
      if (entry != "namespace-tmpfs") {
        force_remove_all(work / entry);
      }
    }
  }
  force_remove_all(work);
  force_remove_all(scratch() / "victim");
}

// C10/C11: a TemporaryDirectory holding a 10,000-deep chain (paths of 170,000 characters),
// cleaned up by a process limited to 64 descriptors (RLIMIT_NOFILE).
TEST_F(TemporaryDirectoryAttackTest, C10_C11_TenThousandDeepTreeUnderUlimit64) {
  const FastDirectory fast(scratch());
  const ChildRun child = run_child(
      [&](std::string& out) {
        TemporaryDirectory dir({.dir = fast.path()});
        os::FileDescriptor current(::open(dir.name().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        const std::string name(16, 'd');
        for (int level = 0; level < 10000; ++level) {
          if (::mkdirat(current.get(), name.c_str(), 0700) != 0) {
            out = std::string("mkdirat: ") + errno_text(errno);
            return 1;
          }
          os::FileDescriptor next(
              ::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
          current = std::move(next);
        }
        const os::FileDescriptor file(
            ::openat(current.get(), "bottom", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!file.valid()) {
          out = std::string("bottom: ") + errno_text(errno);
          return 1;
        }
        current = os::FileDescriptor();
        if (!limit_open_files(64)) {
          out = std::string("setrlimit: ") + errno_text(errno);
          return 1;
        }
        try {
          dir.cleanup();
        } catch (const cleanup_error& failure) {
          out = failure.what();
          return 1;
        }
        add_fact(out, "gone", exists_no_follow(dir.name()) ? "no" : "yes");
        return 0;
      },
      60);
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "gone"), "yes");
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

}  // namespace
}  // namespace tempfile::test
