// SPDX-License-Identifier: MIT
// The guardian process's removal under the attacks the tree remover gets, each on the tree of an
// owner killed with SIGKILL: links out of the tree, racing subtree and root swaps (a naive
// remover in the same harness as positive control), a replaced or recreated root, forbidding
// modes as uid 65534, locked entries, mounts, FIFOs and devices, deep and huge trees, many
// directories and descriptor limits.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "os/entry_identity.hpp"
#include "os/fd.hpp"
#include "os/guardian.hpp"
#include "os/sys.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "support/swap.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// How long a guardian may take to finish after its owner died: every tree here goes in well
// under a second; a guardian still running after this is stuck (a FIFO opened, say).
constexpr milliseconds guardian_deadline{10'000};

// Polls until `pid` has ended or `deadline` passed; true when it ended.
bool await_end(pid_t pid, milliseconds deadline) {
  return eventually([pid] { return process_ended(pid); }, deadline);
}

// Polls until process `pid` is in `state` (as /proc/<pid>/stat shows it: 'T' for stopped).
bool await_state(pid_t pid, char state) {
  const auto until = steady_clock::now() + guardian_deadline;
  for (;;) {
    std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!stat_file || !std::getline(stat_file, text)) {
      return false;
    }
    const std::size_t close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == state) {
      return true;
    }
    if (steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
}

// Given to an owner's body: ready() sends what the body wrote (and the guardian's pid) to the
// test, then waits for the SIGKILL with every object of the body still alive.
class Ready {
 public:
  explicit Ready(int fd) : fd_(fd) {}
  // The report's descriptor: a process the body forks closes it, so the report ends.
  [[nodiscard]] int fd() const { return fd_; }

  [[noreturn]] void operator()(std::string& out) const {
    add_fact(out, "guardian", std::to_string(os::guardian_status().pid));
    add_fact(out, "ready", "yes");
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t wrote = ::write(fd_, out.data() + sent, out.size() - sent);
      if (wrote < 0 && errno == EINTR) {
        continue;
      }
      if (wrote <= 0) {
        break;
      }
      sent += static_cast<std::size_t>(wrote);
    }
    ::close(fd_);
    for (;;) {
      ::pause();  // until the test's SIGKILL (or the deadline's SIGALRM)
    }
  }

 private:
  int fd_;
};

using OwnerBody = std::function<int(std::string&, const Ready&)>;

// A child process that makes guarded directories and dies of SIGKILL.
struct Owner {
  pid_t pid = -1;
  std::string output;  // the body's facts
  int status = -1;     // how it ended when it never got ready (a failure in the body)
  pid_t guardian = -1;
  bool ready = false;
  bool guardian_ended = false;
};

// Forks the owner; returns once it is ready (its body called ready()) or has ended.
Owner start_owner(const OwnerBody& body, unsigned deadline_seconds = 30) {
  Owner owner;
  std::array<int, 2> pipe_fds{-1, -1};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    owner.output = "pipe2: " + errno_text(errno);
    return owner;
  }
  static_cast<void>(std::fflush(nullptr));
  owner.pid = ::fork();
  if (owner.pid == 0) {
    ::close(pipe_fds[0]);
    ::alarm(deadline_seconds);  // a forgotten owner dies; its guardian then cleans up
    std::string out;
    int code = 100;
    try {
      code = body(out, Ready(pipe_fds[1]));
    } catch (const std::exception& failure) {
      out += std::string("\nowner threw: ") + failure.what();
    }
    static_cast<void>(::write(pipe_fds[1], out.data(), out.size()));
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  if (owner.pid < 0) {
    owner.output = "fork: " + errno_text(errno);
    ::close(pipe_fds[0]);
    return owner;
  }
  owner.output = read_to_end(pipe_fds[0]);
  ::close(pipe_fds[0]);
  owner.ready = fact(owner.output, "ready") == "yes";
  owner.guardian = std::stoi(fact(owner.output, "guardian").value_or("-1"));
  if (!owner.ready) {
    int status = 0;
    while (::waitpid(owner.pid, &status, 0) < 0 && errno == EINTR) {
    }
    owner.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    owner.pid = -1;
  }
  return owner;
}

// SIGKILLs the owner (reaped here), runs `after_death` (while the guardian removes), and waits
// for its guardian to finish its removal; a guardian still running at the deadline is killed,
// so no test leaves one behind.
void kill_owner(Owner& owner, const std::function<void()>& after_death = {}) {
  if (owner.pid <= 0) {
    return;
  }
  ::kill(owner.pid, SIGKILL);
  int status = 0;
  while (::waitpid(owner.pid, &status, 0) < 0 && errno == EINTR) {
  }
  owner.pid = -1;
  if (after_death) {
    after_death();
  }
  if (owner.guardian > 0) {
    owner.guardian_ended = await_end(owner.guardian, guardian_deadline);
    if (!owner.guardian_ended) {
      ::kill(owner.guardian, SIGKILL);
      static_cast<void>(await_end(owner.guardian, guardian_deadline));
    }
  }
}

// start_owner, then kill_owner.
Owner run_owner_to_death(const OwnerBody& body) {
  Owner owner = start_owner(body);
  kill_owner(owner);
  return owner;
}

std::string path_fact(const Owner& owner, const std::string& key) {
  return fact(owner.output, key).value_or("/nonexistent-fact-" + key);
}

// What a test asserts first: the owner got ready, had a guardian, and the guardian finished.
#define ASSERT_GUARDIAN_FINISHED(owner)                                                        \
  do {                                                                                         \
    ASSERT_TRUE((owner).ready) << "owner status " << (owner).status << ": " << (owner).output; \
    ASSERT_GT((owner).guardian, 0) << "no guardian: " << (owner).output;                       \
    ASSERT_TRUE((owner).guardian_ended) << "the guardian did not finish in time (it "          \
                                           "blocked, or loops): "                              \
                                        << (owner).output;                                     \
  } while (false)

// Makes directory `path` (0700) and guards it with a ticket of this process, without any
// TemporaryDirectory: for the scenarios that need the owner to act behind its objects' back.
// Returns 0 or the errno of the step that failed; the descriptor goes to `fd`.
os::Errno guard_by_hand(const fs::path& path, os::FileDescriptor& fd, os::GuardianTicket& ticket) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    return errno;
  }
  fd = os::FileDescriptor(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno;
  }
  os::EntryIdentity identity;
  if (const os::Errno err = os::identify_fd(fd.get(), identity); err != 0) {
    return err;
  }
  return os::GuardianTicket::guard_directory(path.c_str(), fd.get(), identity, ticket);
}

// The victim of the race: `files` files in `victim`.
std::size_t lost_files(const fs::path& victim, int files) {
  const std::size_t left = count_files(victim);
  return left >= static_cast<std::size_t>(files) ? 0U : static_cast<std::size_t>(files) - left;
}

enum class Remover { guardian, naive_process };

struct RaceRound {
  std::size_t lost = 0;
  bool owner_ready = false;
  bool guardian_ended = true;
  bool own_file_removed = true;  // the guardian acted: the root's plain file is gone
  std::string output;
};

// One round of the subtree-swap race (security.md 1.4, C5) against a dead owner's remover: the
// owner's directory (in `base`) holds a/ with `files` files and one file of its own;
// `base`/victim holds the same names. While an attacker thread keeps replacing a/ with a
// symbolic link to the victim (rename away, symlink, unlink, rename back), the owner is
// SIGKILLed and its directory removed: by its guardian, or (the positive control) by a naive
// path-based remover run in a separate process, as the guardian is, once the owner is dead.
RaceRound race_round(const fs::path& base, int files, Remover remover) {
  RaceRound round;
  const fs::path victim = base / "victim";
  fill_victim_files(victim, files);
  Owner owner = start_owner([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory tree({.dir = base, .delete_ = remover == Remover::guardian});
    fill_victim_files(tree / "a", files);
    write_file(tree / "own", "ours");
    add_fact(out, "tree", tree.name());
    ready(out);
  });
  round.owner_ready = owner.ready;
  round.output = owner.output;
  if (!owner.ready) {
    return round;
  }
  const fs::path tree = path_fact(owner, "tree");
  {
    const SubtreeSwapper attacker(tree / "a", victim);
    kill_owner(owner);
    if (remover == Remover::naive_process) {
      static_cast<void>(run_in_child([&] {
        // Up to four passes while the tree is there, as the guardian makes.
        for (int pass = 0; pass < 4 && exists_no_follow(tree); ++pass) {
          naive_remove(tree);
        }
        return 0;
      }));
    }
  }
  round.guardian_ended = remover == Remover::naive_process || owner.guardian_ended;
  round.own_file_removed = !exists_no_follow(tree / "own");
  round.lost = lost_files(victim, files);
  force_remove_all(tree);  // what the race left: a/ or a.moved, half emptied
  force_remove_all(victim);
  return round;
}

class GuardianAttackTest : public ScratchTest {};

// 1.1 / C1: links to a directory, a file, a relative path, nowhere, themselves, and a hard link
// to a victim file, under 0500 directories. The guardian unlinks them and removes the tree; the
// victim keeps every entry, mode and byte (the hard-linked file loses only the tree's link).
TEST_F(GuardianAttackTest, C1_GuardianNeverFollowsSymbolicLinksOutOfTheTree) {
  const fs::path victim = scratch() / "victim";
  fill_victim_files(victim / "sub", 3);
  write_file(victim / "file", "victim file");
  ASSERT_EQ(::chmod((victim / "sub").c_str(), 0500), 0);
  const auto before = snapshot_tree(victim);
  const fs::path work = make_subdir("work");
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory dir({.dir = work});
    fs::create_directories(dir / "inner" / "deeper");
    fs::create_directory_symlink(victim, dir / "to_dir");
    fs::create_directory_symlink(victim / "sub", dir / "inner" / "to_sub");
    fs::create_symlink(victim / "file", dir / "inner" / "to_file");
    fs::create_directory_symlink("../../../../victim", dir / "inner" / "deeper" / "relative");
    fs::create_symlink(victim / "missing", dir / "dangling");
    fs::create_symlink("self", dir / "self");
    fs::create_hard_link(victim / "file", dir / "inner" / "hard");
    add_fact(out, "relative_resolves",
             std::to_string(count_files(dir / "inner" / "deeper" / "relative")));
    ::chmod((dir / "inner" / "deeper").c_str(), 0500);
    ::chmod((dir / "inner").c_str(), 0500);
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_EQ(fact(owner.output, "relative_resolves"), "4") << "the relative link must resolve";
  EXPECT_TRUE(list_dir(work).empty()) << "the guardian left part of the tree";
  const auto after = snapshot_tree(victim);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EntrySnapshot expected = before[i].second;
    if (before[i].first == "file") {
      EXPECT_EQ(after[i].second.links, 1U) << "the tree's hard link was not removed";
      expected.links = 1;
      expected.modified = after[i].second.modified;
    }
    EXPECT_EQ(after[i].first, before[i].first);
    EXPECT_TRUE(after[i].second == expected)
        << before[i].first << ": " << describe(expected) << " became " << describe(after[i].second);
  }
  force_remove_all(victim);
  fs::remove(work);
}

// C2 (CVE-2023-6597's shape) as uid 65534, where modes bind: for every owner mode m in
// 0..7 << 6, a PseudoTemporaryDirectory whose root and subdirectory have mode m and hold links
// to a missing file, a missing directory, a sentinel file and a sentinel directory (both at mode
// m, owned by the same user, so a chmod through a link would succeed). The guardian of the
// SIGKILLed owner removes all eight trees; no sentinel's mode, inode, times or content changes.
TEST_F(GuardianAttackTest, C2_PlantedLinksUnderEveryOwnerModeNeverReachTheSentinels) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  const fs::path trees = work / "trees";
  fs::create_directory(trees);
  // Each sentinel's file and directory (the directory's mtime shows a removal inside it):
  // snapshot_tree cannot walk a 0000 or 0400 directory without root.
  const auto sentinels = [&work] {
    std::vector<EntrySnapshot> all;
    for (unsigned owner_bits = 0; owner_bits < 8; ++owner_bits) {
      const fs::path sentinel = work / ("sentinel" + std::to_string(owner_bits));
      all.push_back(snapshot(sentinel / "file"));
      all.push_back(snapshot(sentinel / "dir"));
    }
    return all;
  };
  for (unsigned owner_bits = 0; owner_bits < 8; ++owner_bits) {
    const fs::path sentinel = work / ("sentinel" + std::to_string(owner_bits));
    fs::create_directories(sentinel / "dir");
    write_file(sentinel / "file", "sentinel file");
    write_file(sentinel / "dir" / "inner", "sentinel inner");
  }
  // Owned by the owner's user (a chmod through a link would be allowed), then the modes.
  ASSERT_EQ(::lchown(work.c_str(), 65534, 65534), 0) << errno_text(errno);
  for (const auto& entry : fs::recursive_directory_iterator(work)) {
    ASSERT_EQ(::lchown(entry.path().c_str(), 65534, 65534), 0) << errno_text(errno);
  }
  for (unsigned owner_bits = 0; owner_bits < 8; ++owner_bits) {
    const fs::path sentinel = work / ("sentinel" + std::to_string(owner_bits));
    const mode_t mode = owner_bits << 6U;
    ::chmod((sentinel / "file").c_str(), mode);
    ::chmod((sentinel / "dir").c_str(), mode);
  }
  const std::vector<EntrySnapshot> before = sentinels();
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    if (!become_unprivileged()) {
      out += "become_unprivileged: " + errno_text(errno);
      return child_capability_missing;
    }
    std::vector<PseudoTemporaryDirectory> dirs;
    for (unsigned owner_bits = 0; owner_bits < 8; ++owner_bits) {
      const fs::path sentinel = work / ("sentinel" + std::to_string(owner_bits));
      const fs::path root = dirs.emplace_back(PseudoTemporaryDirectoryOptions{.dir = trees}).name();
      fs::create_directory(root / "sub");
      const std::vector<fs::path> targets = {work / "missing", work / "missing-dir/",
                                             sentinel / "file", sentinel / "dir"};
      for (std::size_t i = 0; i < targets.size(); ++i) {
        fs::create_symlink(targets[i], root / ("link" + std::to_string(i)));
        fs::create_symlink(targets[i], root / "sub" / ("link" + std::to_string(i)));
      }
      write_file(root / "sub" / "file", "in the tree");
      const mode_t mode = owner_bits << 6U;
      ::chmod((root / "sub").c_str(), mode);
      ::chmod(root.c_str(), mode);
    }
    add_fact(out, "uid", std::to_string(::geteuid()));
    ready(out);
  });
  if (owner.status == child_capability_missing) {
    force_remove_all(work);
    GTEST_SKIP() << "cannot become uid 65534: " << owner.output;
  }
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_NE(fact(owner.output, "uid"), "0");
  EXPECT_TRUE(list_dir(trees).empty()) << list_dir(trees).size() << " trees left";
  const std::vector<EntrySnapshot> after = sentinels();
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(after[i] == before[i])
        << "sentinel" << i / 2 << (i % 2 == 0 ? "/file" : "/dir") << ": " << describe(before[i])
        << " became " << describe(after[i]);
  }
  force_remove_all(work);
}

// C5 against the guardian: 150 rounds (about 1.5 s; at most 15 s on a loaded machine), each a
// SIGKILLed owner whose guardian removes a tree while an attacker keeps swapping its
// subdirectory for a link to the victim. No victim file is ever lost, and in every round the
// guardian acted. Positive control: at most as many rounds with a naive path-based remover in
// the guardian's place (a process started once the owner is dead, making up to four passes as
// the guardian does) lose victim files; it loses within the first three rounds here (one pass
// alone loses in about one round in 15).
TEST_F(GuardianAttackTest, C5_SubtreeSwapRaceAgainstTheGuardianNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  constexpr int files = 50;
  const auto started = steady_clock::now();
  std::size_t lost = 0;
  int damaged_rounds = 0;
  int idle_rounds = 0;
  int rounds = 0;
  for (; rounds < 150 && steady_clock::now() - started < std::chrono::seconds(15); ++rounds) {
    const RaceRound round = race_round(fast.path(), files, Remover::guardian);
    ASSERT_TRUE(round.owner_ready) << round.output;
    ASSERT_TRUE(round.guardian_ended) << "round " << rounds << ": the guardian did not finish";
    lost += round.lost;
    damaged_rounds += round.lost > 0 ? 1 : 0;
    idle_rounds += round.own_file_removed ? 0 : 1;
  }
  EXPECT_EQ(lost, 0U) << "victim files deleted in " << damaged_rounds << "/" << rounds << " rounds";
  EXPECT_EQ(idle_rounds, 0) << "rounds where the guardian removed nothing";
  EXPECT_GE(rounds, 100) << "too few rounds to mean anything";

  // The positive control, stopping at its first loss: up to five times the guardian's rounds,
  // since on a loaded machine its race can take more than that many to be won.
  int control_rounds = 0;
  bool control_lost = false;
  while (!control_lost && control_rounds < 5 * rounds) {
    ++control_rounds;
    const RaceRound round = race_round(fast.path(), files, Remover::naive_process);
    ASSERT_TRUE(round.owner_ready) << round.output;
    control_lost = round.lost > 0;
  }
  EXPECT_TRUE(control_lost) << "positive control: the naive remover survived " << control_rounds
                            << " rounds, so this harness cannot tell a safe remover apart";
  std::printf("%d guardian rounds; the naive remover lost victim files in round %d\n", rounds,
              control_rounds);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// The positive control of the mode-fix race: CPython's shape (gh-157579). It removes by path,
// and when an unlink is refused for lack of permission it gives the parent u+rwx by path
// (chmod follows a symbolic link anywhere in the path) and unlinks by path again. It yields the
// processor between the steps, as naive_remove does.
void naive_remove_fixing_modes(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return;
  }
  ::sched_yield();
  if (!S_ISDIR(info.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno == EACCES) {
      ::chmod(path.parent_path().c_str(), 0700);
      ::sched_yield();
      ::unlink(path.c_str());
    }
    return;
  }
  std::error_code ec;
  std::vector<fs::path> children;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    children.push_back(entry.path());
  }
  for (const fs::path& child : children) {
    naive_remove_fixing_modes(child);
  }
  ::sched_yield();
  ::rmdir(path.c_str());
}

// The shape of the C3 tree's a/ and of its victim: directories at 0500 holding two files each.
constexpr int c3_directories = 8;

fs::path c3_directory(const fs::path& parent, int index) {
  return parent / ("dir" + std::to_string(index));
}

// Whether the C3 victim is whole: every directory at 0500 with its two files.
bool c3_victim_whole(const fs::path& victim) {
  for (int index = 0; index < c3_directories; ++index) {
    struct stat info {};
    if (::stat(c3_directory(victim, index).c_str(), &info) != 0 ||
        (info.st_mode & 07777U) != 0500) {
      return false;
    }
  }
  return count_files(victim) == 2U * c3_directories;
}

// Makes (or remakes) the C3 victim, owned by uid 65534 as the tree is.
void make_c3_victim(const fs::path& victim) {
  force_remove_all(victim);
  for (int index = 0; index < c3_directories; ++index) {
    fill_victim_files(c3_directory(victim, index), 2);
  }
  static_cast<void>(::lchown(victim.c_str(), 65534, 65534));
  for (const auto& entry : fs::recursive_directory_iterator(victim)) {
    static_cast<void>(::lchown(entry.path().c_str(), 65534, 65534));
  }
  for (int index = 0; index < c3_directories; ++index) {
    ::chmod(c3_directory(victim, index).c_str(), 0500);
  }
}

// One round of the mode-fix race, everything but the attacker as uid 65534: the owner's tree
// holds a/dir0..dir7 at 0500 with two files each (they can go only after their directory's mode
// is fixed); `base`/victim has the same shape. An attacker thread keeps swapping a/ for a link to
// the victim while the SIGKILLed owner's directory is removed by its guardian, or by the naive
// remover above, run as uid 65534 in a separate process, up to four passes as the guardian. Returns
// whether the victim was damaged (then remade); says in `problem` why the round could not run, if
// it could not.
bool c3_round(const fs::path& base, Remover remover, std::string& problem) {
  const fs::path victim = base / "victim";
  Owner owner = start_owner([&](std::string& out, const Ready& ready) -> int {
    if (!become_unprivileged()) {
      out += "become_unprivileged: " + errno_text(errno);
      return child_capability_missing;
    }
    PseudoTemporaryDirectory tree({.dir = base, .delete_ = remover == Remover::guardian});
    for (int index = 0; index < c3_directories; ++index) {
      fill_victim_files(c3_directory(tree / "a", index), 2);
      ::chmod(c3_directory(tree / "a", index).c_str(), 0500);
    }
    add_fact(out, "tree", tree.name());
    ready(out);
  });
  if (!owner.ready) {
    problem = "owner status " + std::to_string(owner.status) + ": " + owner.output;
    return false;
  }
  const fs::path tree = path_fact(owner, "tree");
  {
    const SubtreeSwapper attacker(tree / "a", victim);
    kill_owner(owner);
    if (remover == Remover::naive_process) {
      static_cast<void>(run_in_child([&] {
        if (!become_unprivileged()) {
          return 1;
        }
        // Up to four passes while the tree is there, as the guardian makes.
        for (int pass = 0; pass < 4 && exists_no_follow(tree); ++pass) {
          naive_remove_fixing_modes(tree);
        }
        return 0;
      }));
    }
  }
  if (remover == Remover::guardian && !owner.guardian_ended) {
    problem = "the guardian did not finish";
  }
  force_remove_all(tree);
  const bool damaged = !c3_victim_whole(victim);
  if (damaged) {
    make_c3_victim(victim);
  }
  return damaged;
}

// C3 (gh-157579's shape) as a race against the guardian, as uid 65534: 100 rounds of the
// round above. The guardian fixes modes only through descriptors of directories it opened
// without following links, so the victim keeps its files and its modes in every round. Positive
// control: the naive mode-fixing remover in the same rounds damages the victim.
TEST_F(GuardianAttackTest, C3_SwapDuringTheGuardiansModeFixNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  ASSERT_EQ(::chown(fast.path().c_str(), 65534, 65534), 0) << errno_text(errno);
  make_c3_victim(fast.path() / "victim");
  constexpr int rounds = 100;
  int damaged = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string problem;
    damaged += c3_round(fast.path(), Remover::guardian, problem) ? 1 : 0;
    if (problem.find("owner status " + std::to_string(child_capability_missing)) == 0) {
      GTEST_SKIP() << "cannot become uid 65534: " << problem;
    }
    ASSERT_EQ(problem, "") << "round " << round;
  }
  EXPECT_EQ(damaged, 0) << "the victim was damaged in " << damaged << "/" << rounds << " rounds";
  // The control's race is won by chance: it usually loses in its first rounds, but on a loaded
  // machine it took over 100 once, so it may run up to five times as many (it stops at the first
  // damage, so that costs nothing when the machine is quiet).
  constexpr int control_round_limit = 5 * rounds;
  int control_rounds = 0;
  bool control_damaged = false;
  while (!control_damaged && control_rounds < control_round_limit) {
    ++control_rounds;
    std::string problem;
    control_damaged = c3_round(fast.path(), Remover::naive_process, problem);
    ASSERT_EQ(problem, "");
  }
  EXPECT_TRUE(control_damaged) << "positive control: the naive mode-fixing remover survived "
                               << control_rounds << " rounds";
  if (control_damaged) {
    std::printf(
        "%d guardian rounds; the naive mode-fixing remover damaged the victim in round %d\n",
        rounds, control_rounds);
  }
  force_remove_all(fast.path() / "victim");
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// C6: before the owner is SIGKILLed, each of its four roots is renamed away and its name given
// to something else: a symbolic link to a victim directory, a directory with files, an EMPTY
// directory, a regular file. The guardian empties each moved root through its descriptor (its
// contents are ours) but leaves the moved directory itself, and never removes, empties or
// follows what now has the name.
TEST_F(GuardianAttackTest, C6_GuardianEmptiesAMovedRootAndNeverTouchesWhatTookItsName) {
  const fs::path victim = scratch() / "victim";
  fill_victim_files(victim / "sub", 4);
  const auto victim_before = snapshot_tree(victim);
  const fs::path work = make_subdir("work");
  const std::vector<std::string> kinds = {"symlink", "directory", "empty", "file"};
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    std::vector<PseudoTemporaryDirectory> dirs;
    for (const std::string& kind : kinds) {
      PseudoTemporaryDirectory& dir =
          dirs.emplace_back(PseudoTemporaryDirectoryOptions{.prefix = kind + "-", .dir = work});
      fill_victim_files(dir / "sub", 4);
      write_file(dir / "own", "ours");
      fs::rename(dir.name(), work / ("moved-" + kind));
      if (kind == "symlink") {
        fs::create_directory_symlink(victim, dir.name());
      } else if (kind == "directory") {
        fill_victim_files(dir.name() / "impostor", 3);
      } else if (kind == "empty") {
        fs::create_directory(dir.name());
      } else {
        write_file(dir.name(), "not ours");
      }
      add_fact(out, kind, dir.name());
    }
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  for (const std::string& kind : kinds) {
    SCOPED_TRACE(kind);
    const fs::path name = path_fact(owner, kind);
    const fs::path moved = work / ("moved-" + kind);
    EXPECT_TRUE(fs::is_directory(fs::symlink_status(moved))) << "the moved root was removed";
    EXPECT_TRUE(list_dir(moved).empty()) << "the moved root was not emptied";
    const EntrySnapshot now = snapshot(name);
    if (kind == "symlink") {
      EXPECT_TRUE(S_ISLNK(now.mode)) << describe(now);
      EXPECT_EQ(now.content, victim.string());
    } else if (kind == "directory") {
      EXPECT_EQ(count_files(name / "impostor"), 3U) << "the impostor lost files";
    } else if (kind == "empty") {
      EXPECT_TRUE(S_ISDIR(now.mode)) << "the empty newcomer was removed: " << describe(now);
    } else {
      EXPECT_EQ(now.content, "not ours");
    }
  }
  EXPECT_TRUE(snapshot_tree(victim) == victim_before) << "the victim was changed";
  force_remove_all(victim);
  force_remove_all(work);
}

// B3: the owner cleans up three of its directories itself (the guardian is told to forget
// them), then new directories take their names: two made by the owner (one with files, one
// EMPTY) and one by another process (the test). The owner is SIGKILLed: its guardian, which
// still guards a fourth directory (removed, so it did act), never touches the newcomers.
TEST_F(GuardianAttackTest, B3_DirectoriesCleanedUpThenRecreatedUnderTheirNamesAreNeverTouched) {
  const fs::path work = make_subdir("work");
  Owner owner = start_owner([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory keeper({.prefix = "keeper-", .dir = work});
    fill_victim_files(keeper / "sub", 2);
    add_fact(out, "keeper", keeper.name());
    for (const std::string kind : {"owner-files", "owner-empty", "other-process"}) {
      PseudoTemporaryDirectory dir({.prefix = kind + "-", .dir = work});
      fill_victim_files(dir / "sub", 2);
      dir.cleanup();
      if (kind == "owner-files") {
        fill_victim_files(dir.name() / "newcomer", 3);
      } else if (kind == "owner-empty") {
        fs::create_directory(dir.name());
      }
      add_fact(out, kind, dir.name());
    }
    add_fact(out, "tickets", std::to_string(os::guardian_status().tickets));
    ready(out);
  });
  ASSERT_TRUE(owner.ready) << owner.output;
  EXPECT_EQ(fact(owner.output, "tickets"), "1") << "cleanup() did not withdraw";
  fill_victim_files(fs::path(path_fact(owner, "other-process")) / "newcomer", 3);
  kill_owner(owner);
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_FALSE(exists_no_follow(path_fact(owner, "keeper"))) << "the guardian did not act";
  EXPECT_EQ(count_files(path_fact(owner, "owner-files")), 3U);
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(path_fact(owner, "owner-empty"))))
      << "the empty newcomer was removed";
  EXPECT_EQ(count_files(path_fact(owner, "other-process")), 3U);
  EXPECT_EQ(list_dir(work).size(), 3U);
  force_remove_all(work);
}

// C6, the harder case: the owner dies before it could tell its guardian anything. Two
// directories guarded with GuardianTicket directly are removed by hand without withdrawing
// (the tickets stay active), and new directories are made under their names: one with files,
// one EMPTY. On SIGKILL the guardian, whose descriptors now refer to removed directories,
// touches neither newcomer (not even an rmdir of the empty one); a third, untouched directory
// shows it did act.
TEST_F(GuardianAttackTest, C6_RootRemovedWithoutWithdrawingThenRecreatedIsNeverTouched) {
  const fs::path work = make_subdir("work");
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    std::array<os::FileDescriptor, 3> fds;
    std::array<os::GuardianTicket, 3> tickets;
    const std::array<std::string, 3> names = {"files", "empty", "kept"};
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (const os::Errno err = guard_by_hand(work / names[i], fds[i], tickets[i]); err != 0) {
        out += "guard_by_hand(" + names[i] + "): " + errno_text(err);
        return 1;
      }
      fill_victim_files(work / names[i] / "sub", 2);
    }
    for (std::size_t i = 0; i < 2; ++i) {
      fs::remove_all(work / names[i]);
      fs::create_directory(work / names[i]);
    }
    fill_victim_files(work / "files" / "newcomer", 3);
    add_fact(out, "tickets", std::to_string(os::guardian_status().tickets));
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_EQ(fact(owner.output, "tickets"), "3") << "a ticket was withdrawn";
  EXPECT_FALSE(exists_no_follow(work / "kept")) << "the guardian did not act";
  EXPECT_EQ(count_files(work / "files"), 3U) << "the newcomer lost files";
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(work / "empty")))
      << "the empty newcomer was removed";
  force_remove_all(work);
}

// C7 as uid 65534 (root ignores modes, so the owner, and with it its guardian, runs
// unprivileged): 0500 directories holding directories and files, 0000 directories (one inside a
// 0500 one) holding files, 0300/0100/0600 directories, 0400 and 0000 files, and the root itself
// 0500; and a second directory whose root is 0000 over a 0000 subdirectory. The guardian removes
// all of it.
TEST_F(GuardianAttackTest,
       C7_GuardianOfAnUnprivilegedOwnerRemovesDirectoriesWhoseModesForbidTheWalk) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0) << errno_text(errno);
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    if (!become_unprivileged()) {
      out += "become_unprivileged: " + errno_text(errno);
      return child_capability_missing;
    }
    PseudoTemporaryDirectory tree({.dir = work});
    const fs::path root = tree.name();
    fs::create_directories(root / "ro" / "sub" / "deeper");
    fs::create_directories(root / "ro" / "none" / "x");
    write_file(root / "ro" / "file", "f");
    write_file(root / "ro" / "sub" / "file", "f");
    write_file(root / "ro" / "sub" / "deeper" / "file", "f");
    write_file(root / "ro" / "sub" / "deeper" / "unreadable", "f");
    write_file(root / "ro" / "none" / "x" / "file", "f");
    fs::create_directories(root / "none" / "sub");
    write_file(root / "none" / "file", "f");
    write_file(root / "none" / "sub" / "file", "f");
    for (const char* name : {"wx", "x", "rw"}) {
      fs::create_directories(root / name / "sub");
      write_file(root / name / "file", "f");
      write_file(root / name / "sub" / "file", "f");
    }
    ::chmod((root / "ro" / "file").c_str(), 0400);
    ::chmod((root / "ro" / "sub" / "deeper" / "unreadable").c_str(), 0000);
    ::chmod((root / "ro" / "sub" / "deeper").c_str(), 0500);
    ::chmod((root / "ro" / "sub").c_str(), 0500);
    ::chmod((root / "ro" / "none").c_str(), 0000);
    ::chmod((root / "ro").c_str(), 0500);
    ::chmod((root / "none" / "sub").c_str(), 0500);
    ::chmod((root / "none").c_str(), 0000);
    ::chmod((root / "wx").c_str(), 0300);
    ::chmod((root / "x").c_str(), 0100);
    ::chmod((root / "rw").c_str(), 0600);
    ::chmod(root.c_str(), 0500);
    // The modes bind this process: what the guardian faces is real.
    const bool refused = ::unlink((root / "ro" / "file").c_str()) != 0 && errno == EACCES;
    add_fact(out, "modes_bind", refused ? "yes" : "no");
    add_fact(out, "uid", std::to_string(::geteuid()));
    // A root whose own mode is 0000: the walk cannot even open "." in it.
    PseudoTemporaryDirectory closed({.dir = work});
    fs::create_directories(closed / "sub");
    write_file(closed / "file", "f");
    write_file(closed / "sub" / "file", "f");
    ::chmod((closed / "sub").c_str(), 0000);
    ::chmod(closed.name().c_str(), 0000);
    ready(out);
  });
  if (owner.status == child_capability_missing) {
    force_remove_all(work);
    GTEST_SKIP() << "cannot become uid 65534: " << owner.output;
  }
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_EQ(fact(owner.output, "modes_bind"), "yes") << "permissions were bypassed";
  EXPECT_NE(fact(owner.output, "uid"), "0");
  EXPECT_TRUE(list_dir(work).empty()) << "the guardian left part of the tree";
  force_remove_all(work);
}

// C9: in a private mount namespace, the tree holds a bind mount of a victim directory (same
// file system: only the mount id tells it apart) and a tmpfs. The guardian, started in that
// namespace, enters neither: the victim keeps every file, the tmpfs keeps its file (seen from
// a process kept in the namespace), everything else of the tree goes. Twice: with the owner's
// guardian started inside the namespace, and started before unshare() (it then sees the mount
// points as plain empty directories of its own namespace; the victim must survive all the
// same). Skips, with the probed reason, where the kernel refuses the namespace or the mounts.
TEST_F(GuardianAttackTest, C9_GuardianNeverEntersAMountInsideTheTree) {
  const fs::path victim = scratch() / "victim";
  fill_victim_files(victim / "sub", 5);
  const fs::path work = make_subdir("work");
  fs::create_directory(work / "namespace-tmpfs");
  for (const bool started_in_namespace : {true, false}) {
    SCOPED_TRACE(started_in_namespace ? "guardian started in the namespace"
                                      : "guardian started before unshare");
    Owner owner = start_owner([&](std::string& out, const Ready& ready) -> int {
      std::optional<PseudoTemporaryDirectory> tree;
      if (!started_in_namespace) {
        tree.emplace(PseudoTemporaryDirectoryOptions{.dir = work});
      }
      std::string why;
      if (const int status = mount_private_tmpfs(work / "namespace-tmpfs", 0, "size=64k", why);
          status != 0) {
        out += why;
        return status;
      }
      if (started_in_namespace) {
        tree.emplace(PseudoTemporaryDirectoryOptions{.dir = work});
      }
      fill_victim_files(*tree / "sub", 3);
      fs::create_directories(*tree / "sub" / "bind");
      fs::create_directories(*tree / "sub" / "tmpfs");
      if (::mount(victim.c_str(), (*tree / "sub" / "bind").c_str(), nullptr, MS_BIND, nullptr) !=
          0) {
        out += "mount --bind: " + errno_text(errno);
        return errno == EPERM ? child_capability_missing : 1;
      }
      if (::mount("tmpfs", (*tree / "sub" / "tmpfs").c_str(), "tmpfs", 0, "size=64k") != 0) {
        out += "mount tmpfs: " + errno_text(errno);
        return errno == EPERM ? child_capability_missing : 1;
      }
      write_file(*tree / "sub" / "tmpfs" / "on_tmpfs", "other file system");
      add_fact(out, "tree", tree->name());
      add_fact(out, "bind_shows_victim", std::to_string(count_files(*tree / "sub" / "bind")));
      // A process that keeps the namespace (and its tmpfs) alive for the test to look into.
      static_cast<void>(std::fflush(nullptr));
      const pid_t keeper = ::fork();
      if (keeper == 0) {
        ::close(ready.fd());
        ::alarm(30);
        for (;;) {
          ::pause();
        }
      }
      add_fact(out, "keeper", std::to_string(keeper));
      ready(out);
    });
    if (owner.status == child_capability_missing) {
      force_remove_all(work);
      force_remove_all(victim);
      GTEST_SKIP() << "no private mount namespace with bind mounts here: " << owner.output;
    }
    kill_owner(owner);
    const pid_t keeper = std::stoi(fact(owner.output, "keeper").value_or("-1"));
    ASSERT_GT(keeper, 0) << owner.output;
    ASSERT_GUARDIAN_FINISHED(owner);
    EXPECT_EQ(fact(owner.output, "bind_shows_victim"), "5") << "the bind mount did not work";
    const fs::path tree = path_fact(owner, "tree");
    const fs::path in_namespace = fs::path("/proc") / std::to_string(keeper) / "root";
    const fs::path tree_there = in_namespace / tree.relative_path();
    EXPECT_EQ(count_files(victim), 5U) << "the guardian entered the bind mount";
    if (started_in_namespace) {
      EXPECT_EQ(count_files(tree_there / "sub" / "bind"), 5U);
      EXPECT_TRUE(exists_no_follow(tree_there / "sub" / "tmpfs" / "on_tmpfs"))
          << "the guardian entered the tmpfs";
      EXPECT_EQ(count_files(tree_there / "sub"), 6U) << "only the mounts' files stay";
    }
    ::kill(keeper, SIGKILL);  // not our child: whoever adopted it reaps it
    EXPECT_TRUE(await_end(keeper, guardian_deadline));
    EXPECT_EQ(count_files(tree), 0U) << "the guardian left files outside the mounts";
    force_remove_all(tree);
    EXPECT_EQ(list_dir(work), std::set<std::string>{"namespace-tmpfs"});
  }
  force_remove_all(work);
  force_remove_all(victim);
}

// C12: FIFOs (one 0000, one with a would-be reader's mode), a bound socket, a character device
// (where mknod is allowed), a dangling link and a hard link to an outside file, at two depths.
// The guardian unlinks them all without opening any (a FIFO without writer would block it
// forever), finishes in time, and the outside file keeps its content.
TEST_F(GuardianAttackTest, C12_GuardianRemovesFifosSocketsAndDevicesWithoutBlocking) {
  const fs::path work = make_subdir("work");
  write_file(scratch() / "outside", "outside data");
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory dir({.dir = work});
    fs::create_directories(dir / "sub");
    for (const fs::path& at : {dir.name(), dir / "sub"}) {
      if (::mkfifo((at / "fifo").c_str(), 0600) != 0 ||
          ::mkfifo((at / "closed-fifo").c_str(), 0000) != 0) {
        out += "mkfifo: " + errno_text(errno);
        return 1;
      }
      fs::create_symlink(at / "missing", at / "dangling");
      fs::create_hard_link(scratch() / "outside", at / "hard");
      const bool device = ::mknod((at / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
      add_fact(out, "device", device ? "yes" : "mknod: " + errno_text(errno));
      if (::chdir(at.c_str()) != 0) {
        return 1;
      }
      const os::FileDescriptor sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::strcpy(address.sun_path, "socket");  // NOLINT: fits, the API wants an array
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
      if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        out += "bind: " + errno_text(errno);
        return 1;
      }
    }
    if (::chdir(work.c_str()) != 0) {
      return 1;
    }
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  if (fact(owner.output, "device") != "yes") {
    std::printf("no device node in the tree (%s); FIFOs and sockets only\n",
                fact(owner.output, "device").value_or("?").c_str());
  }
  EXPECT_TRUE(list_dir(work).empty()) << "the guardian left part of the tree";
  EXPECT_EQ(snapshot(scratch() / "outside").content, "outside data");
  EXPECT_EQ(snapshot(scratch() / "outside").links, 1U);
  fs::remove(scratch() / "outside");
  fs::remove(work);
}

// Builds a chain of `depth` directories "d" below `root`, with a file "f" in the root and in
// every one of them. Returns 0 or errno.
int make_chain(const fs::path& root, int depth) {
  os::FileDescriptor current(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (int level = 0;; ++level) {
    const os::FileDescriptor file(
        ::openat(current.get(), "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!file.valid()) {
      return errno;
    }
    if (level == depth) {
      return 0;
    }
    if (::mkdirat(current.get(), "d", 0700) != 0) {
      return errno;
    }
    os::FileDescriptor next(::openat(current.get(), "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!next.valid()) {
      return errno;
    }
    current = std::move(next);
  }
}

// What is left of a chain made by make_chain: how deep its directories go (0: the root alone,
// -1: no root) and the levels whose file "f" is still there.
struct ChainLeft {
  int depth = -1;
  std::vector<int> files;
};

ChainLeft inspect_chain(const fs::path& root) {
  ChainLeft left;
  os::FileDescriptor current(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (int level = 0; current.valid(); ++level) {
    left.depth = level;
    struct stat info {};
    if (::fstatat(current.get(), "f", &info, AT_SYMLINK_NOFOLLOW) == 0) {
      left.files.push_back(level);
    }
    current = os::FileDescriptor(::openat(current.get(), "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  return left;
}

// C10: the guardian's walk goes 256 levels deep (one descriptor and buffer per level): a
// 200-deep tree goes entirely. Of a 300-deep one, the guardian removes every file of the
// directories at depths 0 to 255 (the root is depth 0) and nothing below: the directory at
// depth 256 and all it holds stay, and so do the 255 directories above it and the root, which
// are not empty. (The portable build's guardian uses the library's tree remover, which has no
// depth limit: there the 300-deep tree goes too.)
TEST_F(GuardianAttackTest, C10_GuardianRemovesA200DeepTreeAndLeavesWhatIsBelowDepth256) {
  const FastDirectory fast(scratch());
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory shallow({.prefix = "deep200-", .dir = fast.path()});
    PseudoTemporaryDirectory deep({.prefix = "deep300-", .dir = fast.path()});
    if (const int err = make_chain(shallow.name(), 200); err != 0) {
      out += "make_chain(200): " + errno_text(err);
      return 1;
    }
    if (const int err = make_chain(deep.name(), 300); err != 0) {
      out += "make_chain(300): " + errno_text(err);
      return 1;
    }
    add_fact(out, "shallow", shallow.name());
    add_fact(out, "deep", deep.name());
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_FALSE(exists_no_follow(path_fact(owner, "shallow"))) << "the 200-deep tree stayed";
  const ChainLeft left = inspect_chain(path_fact(owner, "deep"));
  if (!os::linux_fast_paths) {
    // The portable guardian uses the library's tree remover, which has no depth limit.
    EXPECT_EQ(left.depth, -1) << "the 300-deep tree stayed";
    EXPECT_TRUE(list_dir(fast.path()).empty());
    return;
  }
  EXPECT_EQ(left.depth, 300) << "directories of the 300-deep chain were removed";
  std::vector<int> expected_files;
  for (int level = 256; level <= 300; ++level) {
    expected_files.push_back(level);
  }
  EXPECT_EQ(left.files, expected_files) << "files at depths 0..255 go, from 256 on they stay";
  force_remove_all(path_fact(owner, "deep"));
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// D2/SIGKILL with many entries: an owner with 200 PseudoTemporaryDirectories (the guardian's
// table grows from 16 entries), each with a subdirectory and files. All are gone.
TEST_F(GuardianAttackTest, D2_GuardianRemovesTwoHundredDirectoriesOfAKilledOwner) {
  const FastDirectory fast(scratch());
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    std::vector<PseudoTemporaryDirectory> dirs;
    dirs.reserve(200);
    for (int i = 0; i < 200; ++i) {
      PseudoTemporaryDirectory& dir =
          dirs.emplace_back(PseudoTemporaryDirectoryOptions{.dir = fast.path()});
      fill_victim_files(dir / "sub", 2);
      write_file(dir / "own", "ours");
    }
    add_fact(out, "tickets", std::to_string(os::guardian_status().tickets));
    add_fact(out, "starts", std::to_string(os::guardian_status().starts));
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_EQ(fact(owner.output, "tickets"), "200");
  EXPECT_EQ(fact(owner.output, "starts"), "1") << "one guardian for all of them";
  EXPECT_TRUE(list_dir(fast.path()).empty()) << list_dir(fast.path()).size() << " directories left";
}

// ---- PseudoTemporaryDirectories made in a held directory ----

// The two kinds of held directory `dir` takes, as the owners below make them in `work`: a
// tempfile::Directory opened on work/held-directory, and a live TemporaryDirectory
// work/held-tempdir-* (never removed by anyone: its owner dies of SIGKILL). Both live as long
// as this object, which the owner keeps until its death.
class HeldDirectories {
 public:
  explicit HeldDirectories(const fs::path& work)
      : opened_(made(work / "held-directory")), live_({.prefix = "held-tempdir-", .dir = work}) {}
  /// Each kind's name and the option that holds it.
  [[nodiscard]] std::vector<std::pair<std::string, DirOption>> each() const {
    return {{"directory", DirOption(opened_)}, {"tempdir", DirOption(live_)}};
  }

 private:
  static fs::path made(const fs::path& path) {
    fs::create_directory(path);
    return path;
  }
  Directory opened_;
  TemporaryDirectory live_;
};

// The owner makes a PseudoTemporaryDirectory with files and an empty one in each kind of held
// directory and is SIGKILLed: its guardian removes all four through the descriptors it was
// given, and leaves the held directories (not its own) in place, empty.
TEST_F(GuardianAttackTest, D2_GuardianRemovesDirectoriesMadeInAHeldDirectory) {
  const fs::path work = make_subdir("work");
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    const HeldDirectories holders(work);
    std::vector<PseudoTemporaryDirectory> dirs;
    dirs.reserve(4);
    for (const auto& [kind, held] : holders.each()) {
      PseudoTemporaryDirectory& full =
          dirs.emplace_back(PseudoTemporaryDirectoryOptions{.prefix = "full-", .dir = held});
      fill_victim_files(full / "sub", 3);
      write_file(full / "own", "ours");
      const PseudoTemporaryDirectory& empty =
          dirs.emplace_back(PseudoTemporaryDirectoryOptions{.prefix = "empty-", .dir = held});
      add_fact(out, kind + "-held", held.path());
      add_fact(out, kind + "-full", full.name());
      add_fact(out, kind + "-empty", empty.name());
    }
    add_fact(out, "tickets", std::to_string(os::guardian_status().tickets));
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_EQ(fact(owner.output, "tickets"), "4");
  for (const std::string kind : {"directory", "tempdir"}) {
    SCOPED_TRACE(kind);
    const fs::path held = path_fact(owner, kind + "-held");
    EXPECT_EQ(fs::path(path_fact(owner, kind + "-full")).parent_path(), held);
    EXPECT_TRUE(fs::is_directory(fs::symlink_status(held))) << "the held directory was removed";
    EXPECT_TRUE(list_dir(held).empty()) << "left in " << held << ": " << list_dir(held).size();
  }
  force_remove_all(work);
}

// The attack: after the owner made its directories (one with files, one EMPTY, in each kind of
// held directory), each held directory is renamed away and a symbolic link to a victim
// directory takes its path, where each of the owner's directories has a twin of the same name
// (with files, or empty). The owner is SIGKILLed: its guardian works through its descriptors
// and checks names against them, so it empties the owner's directories where they now are and
// leaves them, and never removes, empties or changes a twin, the empty one included (the
// guardian has no rmdir-first step). Positive control: a by-path remover given the same names
// afterwards destroys every twin.
TEST_F(GuardianAttackTest, B1_GuardianOfDirectoriesInASwappedHeldDirectoryNeverReachesTheTwins) {
  const fs::path work = make_subdir("work");
  const fs::path victim = work / "victim";
  fs::create_directory(victim);
  Owner owner = start_owner([&](std::string& out, const Ready& ready) -> int {
    const HeldDirectories holders(work);
    std::vector<PseudoTemporaryDirectory> dirs;
    dirs.reserve(4);
    for (const auto& [kind, held] : holders.each()) {
      const fs::path held_path = held.path();
      for (const std::string shape : {"full", "empty"}) {
        const PseudoTemporaryDirectory& dir =
            dirs.emplace_back(PseudoTemporaryDirectoryOptions{.prefix = shape + "-", .dir = held});
        fs::create_directory(victim / dir.name().filename());
        if (shape == "full") {
          fill_victim_files(dir / "sub", 3);
          fill_victim_files(victim / dir.name().filename() / "sub", 3);
        }
        add_fact(out, kind + "-" + shape, dir.name().filename());
      }
      swap_for_symlink(held_path, work / ("moved-" + kind), victim);
      add_fact(out, kind + "-held", held_path);
    }
    ready(out);
  });
  ASSERT_TRUE(owner.ready) << owner.output;
  const auto before = snapshot_tree(victim);
  // ".", four twins, and in each of the two full ones sub/ with three files.
  ASSERT_EQ(before.size(), 13U) << "the owner did not make the twins";
  kill_owner(owner);
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_TRUE(snapshot_tree(victim) == before) << "a twin outside the held directory changed";
  for (const std::string kind : {"directory", "tempdir"}) {
    SCOPED_TRACE(kind);
    const fs::path held = path_fact(owner, kind + "-held");
    const fs::path moved = work / ("moved-" + kind);
    EXPECT_TRUE(fs::is_symlink(held)) << "the planted link is not the guardian's to remove";
    for (const std::string shape : {"full", "empty"}) {
      const fs::path left = moved / path_fact(owner, kind + "-" + shape);
      EXPECT_TRUE(fs::is_directory(fs::symlink_status(left)))
          << shape << ": its name leads elsewhere now, so the directory itself is left";
      EXPECT_TRUE(list_dir(left).empty()) << shape << ": not emptied through its descriptor";
    }
  }
  // Positive control: by path, the owner's names reach the twins.
  for (const std::string kind : {"directory", "tempdir"}) {
    for (const std::string shape : {"full", "empty"}) {
      naive_remove(fs::path(path_fact(owner, kind + "-held")) /
                   path_fact(owner, kind + "-" + shape));
    }
  }
  EXPECT_TRUE(list_dir(victim).empty()) << "a by-path removal of the same names left twins";
  force_remove_all(work);
}

// Sets this process's soft descriptor limit, keeping the hard one. Returns 0 or errno.
int set_soft_descriptor_limit(rlim_t soft) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return errno;
  }
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < soft) {
    return EPERM;
  }
  limit.rlim_cur = soft;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 ? 0 : errno;
}

// The hard descriptor limit, or 0.
rlim_t hard_descriptor_limit() {
  rlimit limit{};
  return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_max : 0;
}

// C11: the guardian holds one descriptor per directory it guards, and its walk needs one per
// level. An owner whose soft limit is 300 (the hard one higher) guards 280 directories, one of
// them holding a 100-deep chain: the guardian, which takes the hard limit for itself, still
// walks the whole chain, and every directory goes.
TEST_F(GuardianAttackTest, C11_ManyGuardedDirectoriesLeaveTheGuardianItsWalkDepth) {
  if (hard_descriptor_limit() < 1024) {
    GTEST_SKIP() << "the hard descriptor limit is " << hard_descriptor_limit()
                 << ": a soft limit of 300 with room above it cannot be made";
  }
  const FastDirectory fast(scratch());
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    if (const int err = set_soft_descriptor_limit(300); err != 0) {
      out += "setrlimit: " + errno_text(err);
      return 1;
    }
    std::vector<PseudoTemporaryDirectory> dirs;
    dirs.reserve(280);
    for (int i = 0; i < 280; ++i) {
      PseudoTemporaryDirectory& dir =
          dirs.emplace_back(PseudoTemporaryDirectoryOptions{.dir = fast.path(), .lock = false});
      write_file(dir / "own", "ours");
    }
    if (const int err = make_chain(dirs.front().name(), 100); err != 0) {
      out += "make_chain: " + errno_text(err);
      return 1;
    }
    add_fact(out, "deep", dirs.front().name());
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  const ChainLeft left = inspect_chain(path_fact(owner, "deep"));
  EXPECT_EQ(left.depth, -1) << "the chain stayed from depth "
                            << (left.files.empty() ? -1 : left.files.front());
  const std::size_t remaining = list_dir(fast.path()).size();
  EXPECT_EQ(remaining, 0U) << remaining << " directories left";
}

// C11: the kernel caps the descriptors a user has in flight (sent over a socket, not yet
// received) at the sender's soft descriptor limit, for everyone without CAP_SYS_RESOURCE. An
// unprivileged owner with a soft limit of 32 stops its guardian with SIGSTOP and makes and drops
// 100 directories from a thread: each sends one descriptor the stopped guardian cannot take.
// Positive control: after half a second the thread is still held back (the cap is live, and
// nowhere near the socket's buffer). Once the guardian runs again, every registration completes
// (none fails with "Too many references"), and the directories are all gone.
TEST_F(GuardianAttackTest, C11_RegistrationsPastTheInFlightCapWaitForTheGuardian) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0) << errno_text(errno);
  constexpr int rounds = 100;
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    if (!become_unprivileged()) {
      out += "become_unprivileged: " + errno_text(errno);
      return child_capability_missing;
    }
    PseudoTemporaryDirectory first({.dir = work, .lock = false});
    const pid_t guardian = os::guardian_status().pid;
    if (::kill(guardian, SIGSTOP) != 0 || !await_state(guardian, 'T')) {
      out += "cannot stop the guardian: " + errno_text(errno);
      return 1;
    }
    if (const int err = set_soft_descriptor_limit(32); err != 0) {
      out += "setrlimit: " + errno_text(err);
      return 1;
    }
    std::atomic<int> made{0};
    std::string failure;
    std::thread registering([&] {
      try {
        for (int i = 0; i < rounds; ++i) {
          const PseudoTemporaryDirectory dir({.dir = work, .lock = false});
          made.fetch_add(1);
        }
      } catch (const std::exception& error) {
        failure = error.what();
      }
    });
    // An observation window, not a wait for an event: what is asserted is that nothing finished.
    std::this_thread::sleep_for(milliseconds(500));
    add_fact(out, "made while stopped", std::to_string(made.load()));
    ::kill(guardian, SIGCONT);
    registering.join();
    add_fact(out, "made", std::to_string(made.load()));
    add_fact(out, "failure", failure);
    add_fact(out, "first", first.name());
    ready(out);
  });
  if (owner.status == child_capability_missing) {
    GTEST_SKIP() << owner.output;
  }
  ASSERT_GUARDIAN_FINISHED(owner);
  const int held_back = std::stoi(fact(owner.output, "made while stopped").value_or("-1"));
  EXPECT_GE(held_back, 0);
  EXPECT_LT(held_back, 64) << "positive control: the cap on descriptors in flight held nothing "
                              "back, so this test shows nothing";
  EXPECT_EQ(fact(owner.output, "failure"), "") << owner.output;
  EXPECT_EQ(fact(owner.output, "made"), std::to_string(rounds)) << owner.output;
  EXPECT_FALSE(exists_no_follow(path_fact(owner, "first")));
  EXPECT_TRUE(list_dir(work).empty()) << list_dir(work).size() << " entries left";
  force_remove_all(work);
}

// C11: an owner that started its guardian under a soft descriptor limit of 256 and raised it
// afterwards to 2048 guards 600 more directories: the guardian, which took the hard limit when it
// started, receives every one of them (a descriptor it could not take would leave its directory
// unguarded while the owner believed it guarded), and all 601 go.
TEST_F(GuardianAttackTest, C11_OwnerThatRaisedItsDescriptorLimitHasEveryDirectoryRemoved) {
  if (hard_descriptor_limit() < 2048) {
    GTEST_SKIP() << "the hard descriptor limit is " << hard_descriptor_limit()
                 << ": an owner cannot raise its soft limit to 2048";
  }
  const FastDirectory fast(scratch());
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    if (const int err = set_soft_descriptor_limit(256); err != 0) {
      out += "setrlimit(256): " + errno_text(err);
      return 1;
    }
    std::vector<PseudoTemporaryDirectory> dirs;
    dirs.reserve(601);
    dirs.emplace_back(PseudoTemporaryDirectoryOptions{.dir = fast.path(), .lock = false});
    if (const int err = set_soft_descriptor_limit(2048); err != 0) {
      out += "setrlimit(2048): " + errno_text(err);
      return 1;
    }
    for (int i = 0; i < 600; ++i) {
      PseudoTemporaryDirectory& dir =
          dirs.emplace_back(PseudoTemporaryDirectoryOptions{.dir = fast.path(), .lock = false});
      write_file(dir / "own", "ours");
    }
    add_fact(out, "tickets", std::to_string(os::guardian_status().tickets));
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_EQ(fact(owner.output, "tickets"), "601");
  const std::size_t remaining = list_dir(fast.path()).size();
  EXPECT_EQ(remaining, 0U) << remaining << " directories left";
}

// C15: a directory of 100,000 entries (on tmpfs), emptied by the guardian while it reads it:
// nothing is left (the guardian's memory is its fixed walk buffers, whatever the size).
TEST_F(GuardianAttackTest, C15_GuardianEmptiesAHundredThousandEntryDirectory) {
  const FastDirectory fast(scratch());
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory dir({.dir = fast.path()});
    const os::FileDescriptor held(::open(dir.name().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (int i = 0; i < 100'000; ++i) {
      const std::string name = "entry-with-a-longer-name-" + std::to_string(i);
      const os::FileDescriptor file(
          ::openat(held.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!file.valid()) {
        out += "openat: " + errno_text(errno);
        return 1;
      }
    }
    ready(out);
  });
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_TRUE(list_dir(fast.path()).empty()) << "the guardian left the directory";
}

// C4: while the guardian removes a dead owner's tree (6 directories of 400 files), an attacker
// renames the root away and puts a symbolic link to a victim of the same shape under its name,
// 0 to 6.3 ms after the guardian starts removing, varying from round to round (40 rounds). The
// guardian works through its descriptor and removes the root only while the name is still it: the
// victim keeps every file and the link stays. Positive control: a naive path-based remover, run as
// a separate process in the same rounds, loses victim files.
struct FlipRound {
  bool ready = false;
  bool guardian_ended = true;
  std::size_t lost = 0;
  bool flipped = false;  // the attacker came before the root was gone
  bool link_kept = true;
  std::string output;
};

FlipRound flip_round(const fs::path& base, int round, Remover remover) {
  FlipRound result;
  const fs::path victim = base / "victim";
  for (int sub = 0; sub < 6; ++sub) {
    fill_victim_files(victim / ("d" + std::to_string(sub)), 20);
  }
  Owner owner = start_owner([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory dir({.dir = base, .delete_ = remover == Remover::guardian});
    for (int sub = 0; sub < 6; ++sub) {
      fill_victim_files(dir / ("d" + std::to_string(sub)), 400);
    }
    add_fact(out, "tree", dir.name());
    ready(out);
  });
  result.ready = owner.ready;
  result.output = owner.output;
  if (!owner.ready) {
    return result;
  }
  const fs::path tree = path_fact(owner, "tree");
  const fs::path moved = base / "moved";
  // The guardian is stopped before its owner dies, so that its walk starts when the test says
  // (SIGCONT) and the swap's delay counts from there, not from whenever this thread gets the
  // processor back after the owner's death.
  if (remover == Remover::guardian &&
      (::kill(owner.guardian, SIGSTOP) != 0 || !await_state(owner.guardian, 'T'))) {
    result.output += "\ncannot stop the guardian";
    kill_owner(owner);
    result.ready = false;
    return result;
  }
  kill_owner(owner, [&] {
    pid_t naive = -1;
    if (remover == Remover::guardian) {
      ::kill(owner.guardian, SIGCONT);
    } else {
      static_cast<void>(std::fflush(nullptr));
      naive = ::fork();
      if (naive == 0) {
        naive_remove(tree);
        ::_exit(0);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds((round % 10) * 700));
    if (::rename(tree.c_str(), moved.c_str()) == 0) {
      result.flipped = ::symlink(victim.c_str(), tree.c_str()) == 0;
    }
    if (naive > 0) {
      int status = 0;
      while (::waitpid(naive, &status, 0) < 0 && errno == EINTR) {
      }
    }
  });
  result.guardian_ended = remover == Remover::naive_process || owner.guardian_ended;
  result.lost = lost_files(victim, 6 * 20);
  result.link_kept = !result.flipped || fs::is_symlink(tree);
  ::unlink(tree.c_str());
  force_remove_all(tree);
  force_remove_all(moved);
  force_remove_all(victim);
  return result;
}

TEST_F(GuardianAttackTest, C4_C6_RootReplacedDuringTheGuardiansRemovalNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  constexpr int rounds = 40;
  std::size_t lost = 0;
  int flipped = 0;
  for (int round = 0; round < rounds; ++round) {
    const FlipRound result = flip_round(fast.path(), round, Remover::guardian);
    ASSERT_TRUE(result.ready) << result.output;
    ASSERT_TRUE(result.guardian_ended) << "round " << round;
    lost += result.lost;
    flipped += result.flipped ? 1 : 0;
    EXPECT_TRUE(result.link_kept) << "round " << round << ": the guardian removed the link";
  }
  EXPECT_EQ(lost, 0U) << "victim files deleted";
  EXPECT_GT(flipped, 0) << "the attacker always came after the guardian had removed the root";
  // Up to five times the guardian's rounds (it stops at the first loss), as the other controls.
  int control_rounds = 0;
  bool control_lost = false;
  while (!control_lost && control_rounds < 5 * rounds) {
    const FlipRound result = flip_round(fast.path(), control_rounds, Remover::naive_process);
    ASSERT_TRUE(result.ready) << result.output;
    control_lost = result.lost > 0;
    ++control_rounds;
  }
  EXPECT_TRUE(control_lost) << "positive control: the naive remover survived " << control_rounds
                            << " rounds";
  std::printf(
      "the root was replaced before the guardian removed it in %d/%d rounds; the naive "
      "remover lost victim files in round %d\n",
      flipped, rounds, control_rounds);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// Sets or clears an inode flag (FS_IMMUTABLE_FL, FS_APPEND_FL: chattr +i, +a) on `path`.
// Returns "" or why the kernel refused (it takes CAP_LINUX_IMMUTABLE and a file system with
// flags).
std::string change_inode_flag(const fs::path& path, int flag, bool on) {
  const os::FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  int flags = 0;
  if (!fd.valid() || ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0) {
    return "FS_IOC_GETFLAGS on " + path.string() + ": " + errno_text(errno);
  }
  flags = on ? (flags | flag) : (flags & ~flag);
  if (::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags) != 0) {
    return "FS_IOC_SETFLAGS on " + path.string() + ": " + errno_text(errno);
  }
  return "";
}

// C8: an immutable file, an append-only file and an immutable directory holding files, beside
// entries that can go. The guardian removes everything else and ends in bounded time (its
// passes stop once one removes nothing): only the locked entries and their ancestors are left.
// Root only (CAP_LINUX_IMMUTABLE): skipped, with the kernel's reason, elsewhere.
TEST_F(GuardianAttackTest, C8_GuardianLeavesLockedEntriesRemovesTheRestAndEnds) {
  const FastDirectory fast(scratch());
  const std::vector<std::pair<std::string, int>> locked = {{"a/immutable", FS_IMMUTABLE_FL},
                                                           {"a/b/append_only", FS_APPEND_FL},
                                                           {"locked_dir", FS_IMMUTABLE_FL}};
  const auto started = steady_clock::now();
  const Owner owner = run_owner_to_death([&](std::string& out, const Ready& ready) -> int {
    PseudoTemporaryDirectory dir({.dir = fast.path()});
    fill_victim_files(dir / "a" / "b", 3);
    fill_victim_files(dir / "locked_dir", 2);
    fill_victim_files(dir / "siblings", 3);
    write_file(dir / "a" / "immutable", "i");
    write_file(dir / "a" / "b" / "append_only", "a");
    add_fact(out, "tree", dir.name());
    for (const auto& [name, flag] : locked) {
      if (const std::string refused = change_inode_flag(dir / name, flag, true); !refused.empty()) {
        out += refused;
        for (const auto& [undo, undo_flag] : locked) {
          static_cast<void>(change_inode_flag(dir / undo, undo_flag, false));
        }
        return child_capability_missing;
      }
    }
    ready(out);
  });
  const auto ended = steady_clock::now();
  if (owner.status == child_capability_missing) {
    GTEST_SKIP() << (::geteuid() == 0 ? "" : "needs root (CAP_LINUX_IMMUTABLE): ") << owner.output;
  }
  const fs::path tree = path_fact(owner, "tree");
  const auto left_root = list_dir(tree);
  const auto left_a = list_dir(tree / "a");
  const auto left_b = list_dir(tree / "a" / "b");
  const std::size_t left_locked = count_files(tree / "locked_dir");
  for (const auto& [name, flag] : locked) {
    EXPECT_EQ(change_inode_flag(tree / name, flag, false), "");
  }
  ASSERT_GUARDIAN_FINISHED(owner);
  EXPECT_LT(ended - started, std::chrono::seconds(5)) << "the guardian retried without end";
  EXPECT_EQ(left_root, (std::set<std::string>{"a", "locked_dir"}));
  EXPECT_EQ(left_a, (std::set<std::string>{"b", "immutable"}));
  EXPECT_EQ(left_b, (std::set<std::string>{"append_only"}));
  EXPECT_EQ(left_locked, 2U);
  force_remove_all(tree);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

}  // namespace
}  // namespace tempfile::test
