// SPDX-License-Identifier: MIT
// security.md C3, C5, C9: the tree remover against an attacker who swaps directories for
// symbolic links to a victim while it runs (racing, and at exact steps), and against mounts
// inside the tree. A deliberately naive remover in the same harness is the positive control.
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"
#include "os/fd.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using os::RemovalFailure;
using os::RemovalObserver;

std::string describe(const std::vector<RemovalFailure>& failures) {
  std::string text;
  for (const RemovalFailure& failure : failures) {
    text += " '" + failure.path + "' (" + std::strerror(failure.error) + ")";
  }
  return text.empty() ? " none" : text;
}

bool has_failure(const std::vector<RemovalFailure>& failures, const std::string& path, int err) {
  for (const RemovalFailure& failure : failures) {
    if (failure.path == path && failure.error == err) {
      return true;
    }
  }
  return false;
}

// Gives the processor away before each of the remover's steps, so the attacker also runs
// inside the remover's windows on one core (where threads interleave only when one gives way).
class YieldingObserver final : public RemovalObserver {
 public:
  void before(Step /*step*/, const std::string& /*path*/) noexcept override { ::sched_yield(); }
};

void library_remove(const fs::path& path) {
  std::vector<RemovalFailure> failures;
  YieldingObserver yielding;
  static_cast<void>(os::remove_tree(os::current_directory_fd, path.c_str(), failures, &yielding));
}

// One round of the subtree-swap race (security.md 1.4, C5) against `remover`: `base`/tree/a/<sub>
// holds `files` files, `base`/victim/<sub> the same names (harness.hpp). Returns the files lost.
std::size_t race_round(const fs::path& base, const std::string& sub, int files,
                       const std::function<void(const fs::path&)>& remover) {
  return subtree_swap_round(base / "tree", base / "victim", sub, files, 0, remover);
}

class RemoveTreeAttackTest : public ScratchTest {};

// C5 with 300 rounds: the remover never deletes a victim file. Then the positive control: the
// naive remover, same harness, must lose victim files (else the harness proves nothing).
TEST_F(RemoveTreeAttackTest, C5_SubtreeSwapRaceNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  std::size_t lost = 0;
  int damaged_rounds = 0;
  for (int round = 0; round < 300; ++round) {
    const std::size_t round_lost = race_round(fast.path(), ".", 50, library_remove);
    lost += round_lost;
    damaged_rounds += round_lost > 0 ? 1 : 0;
  }
  EXPECT_EQ(lost, 0U) << "victim files deleted in " << damaged_rounds << "/300 rounds";

  const ControlRun control =
      run_until_first_loss([&] { return race_round(fast.path(), ".", 50, naive_remove) > 0; });
  EXPECT_TRUE(control.lost) << "positive control: the naive remover survived " << control.rounds
                            << " rounds, so this harness cannot tell a safe remover apart";
  std::printf("naive remover lost victim files after %d round(s)\n", control.rounds);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// The same race with a subtree deeper than the descriptor window, so the remover climbs back
// through closed ancestors and re-opens them by name while `a` is being swapped.
TEST_F(RemoveTreeAttackTest, C5_SubtreeSwapRaceDuringReopening) {
  const FastDirectory fast(scratch());
  std::string deep;
  for (std::size_t level = 0; level < os::removal_descriptor_limit * 2; ++level) {
    deep += (deep.empty() ? "" : "/") + std::string("l");
  }
  std::size_t lost = 0;
  for (int round = 0; round < 100; ++round) {
    lost += race_round(fast.path(), deep, 10, library_remove);
  }
  EXPECT_EQ(lost, 0U);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

class Hook final : public RemovalObserver {
 public:
  explicit Hook(std::function<void(Step, const std::string&)> action)
      : action_(std::move(action)) {}
  void before(Step step, const std::string& path) noexcept override { action_(step, path); }

 private:
  std::function<void(Step, const std::string&)> action_;
};

// Deterministic C5 at the re-walk: when the remover is about to re-open a closed ancestor by
// name, that ancestor is replaced, by a symbolic link to a victim that mirrors the tree, or by
// another directory. Either way it reports the level and abandons it; the victim is intact.
TEST_F(RemoveTreeAttackTest, C5_AncestorReplacedBeforeReopeningIsAbandoned) {
  for (const bool with_symlink : {true, false}) {
    SCOPED_TRACE(with_symlink ? "replaced by a symbolic link" : "replaced by a directory");
    std::string deep = "l";
    for (std::size_t level = 1; level < os::removal_descriptor_limit * 3; ++level) {
      deep += "/l";
    }
    fill_victim_files(scratch() / "tree" / deep, 3);
    fill_victim_files(scratch() / "victim" / deep, 3);
    std::string replaced;
    Hook hook([&](RemovalObserver::Step step, const std::string& path) {
      if (step != RemovalObserver::Step::reopen || !replaced.empty()) {
        return;
      }
      replaced = path;
      const fs::path target = scratch() / "tree" / path;
      fs::rename(target, scratch() / "tree" / "moved");
      if (with_symlink) {
        fs::create_directory_symlink(scratch() / "victim" / path, target);
      } else {
        fs::create_directory(target);
        fs::create_directory(target / "l");
      }
    });
    std::vector<RemovalFailure> failures;
    const int err = os::remove_tree(os::current_directory_fd, "tree", failures, &hook);
    ASSERT_FALSE(replaced.empty()) << "no ancestor was re-opened";
    EXPECT_EQ(err, os::removal_replaced);
    EXPECT_TRUE(has_failure(failures, replaced, os::removal_replaced))
        << "replaced " << replaced << ", failures:" << describe(failures);
    EXPECT_EQ(count_files(scratch() / "victim"), 3U);
    force_remove_all(scratch() / "tree");
    force_remove_all(scratch() / "victim");
  }
}

// gh-157579 and C3, deterministic: at the moment the remover fixes a directory's mode, an
// ancestor is replaced by a symbolic link to a victim tree of the same shape (whose directories
// have the same restrictive modes). The fix and the removal still go to the original entries:
// no victim file is removed, no victim mode changed. Runs as uid 65534, where modes apply.
TEST_F(RemoveTreeAttackTest, C3_SwapDuringModeFixNeverReachesTheVictim) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0);
  const ChildRun child = run_child([&](std::string& out) {
    if (permissions_are_bypassed() && !become_unprivileged()) {
      out = std::string("become_unprivileged: ") + std::strerror(errno);
      return 1;
    }
    if (::chdir(work.c_str()) != 0) {
      return 1;
    }
    // b: 0500 (the fix is an fchmod of an open directory); c: 000 (the fix goes through O_PATH).
    for (const char* root : {"tree/a", "victim"}) {
      fill_victim_files(fs::path(root) / "b", 2);
      fill_victim_files(fs::path(root) / "c", 2);
      ::chmod((fs::path(root) / "b").c_str(), 0500);
      ::chmod((fs::path(root) / "c").c_str(), 0);
    }
    int swaps = 0;
    Hook hook([&](RemovalObserver::Step step, const std::string& path) {
      if (step == RemovalObserver::Step::fix_mode && (path == "a/b" || path == "a/c")) {
        ::rename("tree/a", ("tree/moved" + std::to_string(swaps)).c_str());
        ::symlink((work / "victim").c_str(), "tree/a");
        ++swaps;
      }
    });
    std::vector<RemovalFailure> failures;
    const int err = os::remove_tree(os::current_directory_fd, "tree", failures, &hook);
    struct stat b_info {};
    struct stat c_info {};
    ::stat("victim/b", &b_info);
    ::stat("victim/c", &c_info);
    ::chmod("victim/b", 0700);
    ::chmod("victim/c", 0700);
    add_fact(out, "swaps", std::to_string(swaps));
    add_fact(out, "victim_files", std::to_string(count_files("victim")));
    add_fact(out, "victim_modes",
             std::to_string(b_info.st_mode & 0777U) + " " + std::to_string(c_info.st_mode & 0777U));
    add_fact(out, "error", std::to_string(err));
    add_fact(out, "failures", describe(failures));
    force_remove_all("tree");
    force_remove_all("victim");
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "swaps"), "2") << child.output;
  EXPECT_EQ(fact(child.output, "victim_files"), "4") << child.output;
  EXPECT_EQ(fact(child.output, "victim_modes"), std::to_string(0500) + " 0") << child.output;
  EXPECT_TRUE(list_dir(work).empty());
  fs::remove(work);
}

// C9: a bind mount of a victim directory (same file system: same st_dev, another mount id) and
// a tmpfs inside the tree, in a private mount namespace. Neither is entered nor removed; each
// is reported with removal_other_mount; everything else in the tree goes.
TEST_F(RemoveTreeAttackTest, C9_MountPointsInsideTheTreeAreNotCrossed) {
  fill_victim_files(scratch() / "victim", 5);
  fill_victim_files(scratch() / "tree" / "sub", 5);
  fs::create_directories(scratch() / "tree" / "bind");
  fs::create_directories(scratch() / "tree" / "sub" / "tmpfs");
  const bool bind_detectable = os::linux_fast_paths;  // portable builds compare st_dev only
  const ChildRun child = run_child([&](std::string& out) {
    const fs::path tmpfs = scratch() / "tree" / "sub" / "tmpfs";
    if (const int status = mount_private_tmpfs(tmpfs, 0, "size=64k", out); status != 0) {
      return status;
    }
    write_file(tmpfs / "on_tmpfs", "other file system");
    if (bind_detectable &&
        ::mount((scratch() / "victim").c_str(), (scratch() / "tree" / "bind").c_str(), nullptr,
                MS_BIND, nullptr) != 0) {
      out = std::string("mount --bind: ") + std::strerror(errno);
      return errno == EPERM ? child_capability_missing : 1;
    }
    std::vector<RemovalFailure> failures;
    const int err = os::remove_tree(os::current_directory_fd, "tree", failures);
    add_fact(out, "error", std::to_string(err));
    add_fact(out, "failures", describe(failures));
    add_fact(out, "tmpfs_reported",
             has_failure(failures, "sub/tmpfs", os::removal_other_mount) ? "yes" : "no");
    add_fact(out, "bind_reported",
             has_failure(failures, "bind", os::removal_other_mount) ? "yes" : "no");
    add_fact(out, "failure_count", std::to_string(failures.size()));
    add_fact(out, "tmpfs_file", fs::exists(tmpfs / "on_tmpfs") ? "kept" : "lost");
    return 0;
  });
  if (child.status == child_capability_missing) {
    force_remove_all(scratch() / "tree");
    force_remove_all(scratch() / "victim");
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "error"), std::to_string(os::removal_other_mount));
  EXPECT_EQ(fact(child.output, "tmpfs_reported"), "yes") << child.output;
  EXPECT_EQ(fact(child.output, "tmpfs_file"), "kept");
  if (bind_detectable) {
    EXPECT_EQ(fact(child.output, "bind_reported"), "yes") << child.output;
    EXPECT_EQ(fact(child.output, "failure_count"), "2") << child.output;
  }
  EXPECT_EQ(count_files(scratch() / "victim"), 5U);
  // Only the mount points (now plain empty directories again) and their ancestors are left.
  const std::set<std::string> left =
      bind_detectable ? std::set<std::string>{"bind", "sub"} : std::set<std::string>{"sub"};
  EXPECT_EQ(list_dir(scratch() / "tree"), left);
  EXPECT_EQ(list_dir(scratch() / "tree" / "sub"), std::set<std::string>{"tmpfs"});
  force_remove_all(scratch() / "tree");
  force_remove_all(scratch() / "victim");
}

}  // namespace
}  // namespace tempfile::test
