// SPDX-License-Identifier: MIT
// The guardian process of PseudoTemporaryDirectory, tried with real processes and real signals:
// an owner killed with SIGKILL, a group signal, fork, exec, a forked child that keeps the
// connection open, and the guardian's own life (one per process, apart, gone with its purpose).
#include "os/guardian.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "os/sys.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One field of /proc/<pid>/stat after the command name (0: state, 1: ppid, 2: pgrp, 3: session).
long stat_field(pid_t pid, int index) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::string rest = text.substr(text.rfind(')') + 2);
  for (int i = 0; i < index; ++i) {
    rest = rest.substr(rest.find(' ') + 1);
  }
  return index == 0 ? static_cast<long>(rest[0]) : std::stol(rest);
}

// A child process that owns temporary objects: `body` makes them and reports lines to the
// parent (paths, pids), then the child waits to be killed (or `body` never returns: exec).
class Owner {
 public:
  using Report = std::function<void(const std::string&)>;

  explicit Owner(const std::function<void(const Report&)>& body) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ends[0]);
      const int out = ends[1];
      const Report report = [out](const std::string& line) {
        const std::string text = line + "\n";
        static_cast<void>(::write(out, text.data(), text.size()));
      };
      try {
        body(report);
        report("ready");
      } catch (const std::exception& e) {
        report(std::string("failed: ") + e.what());
        ::_exit(3);
      }
      for (;;) {
        ::pause();
      }
    }
    ::close(ends[1]);
    std::string pending;
    char buffer[4096];
    for (;;) {
      const ssize_t got = ::read(ends[0], buffer, sizeof buffer);
      if (got <= 0) {
        break;
      }
      pending.append(buffer, static_cast<std::size_t>(got));
      std::size_t end = 0;
      while ((end = pending.find('\n')) != std::string::npos) {
        lines_.push_back(pending.substr(0, end));
        pending.erase(0, end + 1);
      }
      if (!lines_.empty() && (lines_.back() == "ready" || lines_.back().starts_with("failed"))) {
        break;
      }
    }
    ::close(ends[0]);
  }
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;
  Owner(Owner&&) = delete;
  Owner& operator=(Owner&&) = delete;
  ~Owner() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      static_cast<void>(wait());
    }
  }

  [[nodiscard]] bool ready() const { return !lines_.empty() && lines_.back() == "ready"; }
  [[nodiscard]] const std::vector<std::string>& lines() const { return lines_; }
  [[nodiscard]] const std::string& line(std::size_t i) const { return lines_.at(i); }
  [[nodiscard]] pid_t pid() const { return pid_; }

  // Kills with `signal_number` and reaps; returns the wait status.
  int kill(int signal_number = SIGKILL) {
    ::kill(pid_, signal_number);
    return wait();
  }
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::vector<std::string> lines_;
};

// A tree that needs every rule of the remover: files, a read-only file, a read-only directory
// with contents, an unsearchable directory with contents, a symbolic link out of the tree, a
// FIFO, and a nest `depth` levels deep.
void fill(const fs::path& root, int depth) {
  std::ofstream(root / "a.txt") << "a";
  std::ofstream(root / "read-only.txt") << "r";
  fs::permissions(root / "read-only.txt", fs::perms::owner_read);
  fs::create_directories(root / "locked" / "inner");
  std::ofstream(root / "locked" / "inner" / "b.txt") << "b";
  fs::permissions(root / "locked" / "inner", fs::perms::none);
  fs::create_directory(root / "read-only-dir");
  std::ofstream(root / "read-only-dir" / "c.txt") << "c";
  fs::permissions(root / "read-only-dir", fs::perms::owner_read | fs::perms::owner_exec);
  fs::create_symlink("/", root / "link-to-root");
  static_cast<void>(::mkfifo((root / "fifo").c_str(), 0600));
  fs::path nest = root / "nest";
  for (int level = 0; level < depth; ++level) {
    nest /= "d";
  }
  fs::create_directories(nest);
  std::ofstream(nest / "deep.txt") << "deep";
}

class GuardianTest : public ScratchTest {};

TEST_F(GuardianTest, D2_SigkilledOwnersDirectoriesAreAllRemoved) {
  Owner owner([](const Owner::Report& report) {
    // Leaked on purpose: the owner dies with them alive.
    for (int i = 0; i < 3; ++i) {
      auto* directory = new PseudoTemporaryDirectory();
      fill(directory->path(), 100);
      report(directory->path().string());
    }
    report(std::to_string(os::guardian_status().pid));
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  const pid_t guardian = std::stoi(owner.line(3));
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(fs::exists(owner.line(i)));
  }
  const int status = owner.kill(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return !fs::exists(fs::symlink_status(owner.line(i))); }))
        << owner.line(i) << " is still there";
  }
  // It has nothing left to do: it exits.
  EXPECT_TRUE(eventually([&] { return process_ended(guardian); }));
}

TEST_F(GuardianTest, OneGuardianServesEveryDirectoryAndLeavesWithTheLast) {
  const os::GuardianStatus before = os::guardian_status();
  ASSERT_EQ(before.pid, -1) << "a guardian is running before the test";
  std::optional<pid_t> guardian;
  {
    std::vector<PseudoTemporaryDirectory> directories;
    for (int i = 0; i < 5; ++i) {
      directories.emplace_back();
      const os::GuardianStatus now = os::guardian_status();
      ASSERT_NE(now.pid, -1);
      if (!guardian) {
        guardian = now.pid;
      }
      EXPECT_EQ(now.pid, *guardian) << "a second guardian for the same process";
      EXPECT_EQ(now.tickets, static_cast<std::uint64_t>(i + 1));
      EXPECT_EQ(now.starts, before.starts + 1);
    }
    directories.pop_back();
    EXPECT_EQ(os::guardian_status().tickets, 4U);
    EXPECT_EQ(os::guardian_status().pid, *guardian);
  }
  // The last directory went with the scope: the connection is closed (ScratchTest would see an
  // open descriptor otherwise) and the guardian exits.
  EXPECT_EQ(os::guardian_status().pid, -1);
  EXPECT_TRUE(eventually([&] { return process_ended(*guardian); }));
  // A plain TemporaryDirectory never starts one.
  { const TemporaryDirectory plain; }
  EXPECT_EQ(os::guardian_status().starts, before.starts + 1);
}

TEST_F(GuardianTest, AReservedTicketStartsTheGuardianFirstAndCountsOnce) {
  pid_t guardian = -1;
  {
    os::GuardianTicket ticket;
    ASSERT_EQ(os::GuardianTicket::reserve(ticket), 0);
    guardian = os::guardian_status().pid;
    EXPECT_NE(guardian, -1) << "reserve() did not start the guardian";
    EXPECT_EQ(os::guardian_status().tickets, 1U);
    EXPECT_FALSE(ticket.active());
    const fs::path directory = scratch() / "guarded";
    fs::create_directory(directory);
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    os::EntryIdentity identity;
    ASSERT_EQ(os::identify_fd(fd, identity), 0);
    ASSERT_EQ(os::GuardianTicket::guard_directory(directory.c_str(), fd, identity, ticket), 0);
    EXPECT_TRUE(ticket.active());
    EXPECT_EQ(os::guardian_status().tickets, 1U) << "a reserved ticket counted twice";
    ticket.withdraw();
    ::close(fd);
    fs::remove(directory);
    EXPECT_EQ(os::guardian_status().pid, -1);
  }
  EXPECT_TRUE(eventually([&] { return process_ended(guardian); }));
  // Reserved and never used: let go with the ticket.
  {
    os::GuardianTicket unused;
    ASSERT_EQ(os::GuardianTicket::reserve(unused), 0);
    guardian = os::guardian_status().pid;
  }
  EXPECT_EQ(os::guardian_status().pid, -1);
  EXPECT_EQ(os::guardian_status().tickets, 0U);
  EXPECT_TRUE(eventually([&] { return process_ended(guardian); }));
}

TEST_F(GuardianTest, WhatTheOwnerRemovedIsNeverTouchedEvenUnderTheSameName) {
  Owner owner([](const Owner::Report& report) {
    auto* keeper = new PseudoTemporaryDirectory();  // keeps the guardian busy until the end
    report(keeper->path().string());
    for (const bool empty : {false, true}) {
      PseudoTemporaryDirectory removed;
      const fs::path name = removed.path();
      removed.cleanup();
      // Somebody else's directory takes the name: with a file, and empty (an rmdir of the name
      // would take an empty one).
      fs::create_directory(name);
      if (!empty) {
        std::ofstream(name / "theirs.txt") << "theirs";
      }
      report(name.string());
    }
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  owner.kill(SIGKILL);
  EXPECT_TRUE(eventually([&] { return !fs::exists(owner.line(0)); }));
  EXPECT_TRUE(fs::exists(fs::path(owner.line(1)) / "theirs.txt"));
  EXPECT_TRUE(fs::is_directory(owner.line(2)));
  fs::remove_all(owner.line(1));
  fs::remove_all(owner.line(2));
}

TEST_F(GuardianTest, TheGuardianStandsApartFromItsOwner) {
  Owner owner([](const Owner::Report& report) {
    if (::setpgid(0, 0) != 0) {  // its own process group, which the test then signals whole
      throw std::runtime_error("setpgid");
    }
    auto* directory = new PseudoTemporaryDirectory();
    report(directory->path().string());
    report(std::to_string(os::guardian_status().pid));
    // The middle process of the double fork is reaped: the owner has no child left.
    report(::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD ? "no children" : "a child");
    report(os::guardian_status().uses_pidfd ? "pidfd" : "connection");
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  const pid_t guardian = std::stoi(owner.line(1));
  EXPECT_EQ(owner.line(2), "no children");
  // This kernel has pidfd_open; the portable build watches the connection instead.
  EXPECT_EQ(owner.line(3), os::linux_fast_paths ? "pidfd" : "connection");
  EXPECT_NE(stat_field(guardian, 1), owner.pid()) << "the guardian is the owner's child";
  EXPECT_NE(stat_field(guardian, 2), stat_field(owner.pid(), 2)) << "same process group";
  EXPECT_NE(stat_field(guardian, 3), stat_field(owner.pid(), 3)) << "same session";
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(guardian) + "/cwd"), "/");
  std::ifstream comm("/proc/" + std::to_string(guardian) + "/comm");
  std::string name;
  std::getline(comm, name);
  // Named where the system lets a process name itself (Linux prctl); the portable build does not.
  if (os::linux_fast_paths) {
    EXPECT_EQ(name, "tempfile-guard");
  }
  // Its descriptors: /dev/null as 0 to 2, its end of the connection, the owner's pidfd, and
  // what the owner gave it: the directory. Nothing else of the owner's.
  // The registration is a message: wait until the guardian has taken the descriptor.
  const std::string fd_dir = "/proc/" + std::to_string(guardian) + "/fd";
  std::multiset<std::string> expected{owner.line(0), "socket"};
  if (os::linux_fast_paths) {
    expected.insert("anon_inode:[pidfd]");
  }
  std::multiset<std::string> held;
  bool standard_is_null = true;
  EXPECT_TRUE(eventually([&] {
    held.clear();
    for (const auto& entry : fs::directory_iterator(fd_dir)) {
      const std::string target = fs::read_symlink(entry.path()).string();
      if (std::stoi(entry.path().filename().string()) <= 2) {
        standard_is_null = standard_is_null && target == "/dev/null";
        continue;
      }
      held.insert(target.starts_with("socket:") ? "socket" : target);
    }
    return held == expected;
  })) << "the guardian holds something else";
  EXPECT_TRUE(standard_is_null) << "descriptors 0 to 2 are not /dev/null";
  // The terminal's signals reach a whole process group: the owner's group dies, the guardian
  // (in its own session) stays and does its job.
  ::kill(-owner.pid(), SIGHUP);
  const int status = owner.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
  EXPECT_TRUE(eventually([&] { return !fs::exists(owner.line(0)); }));
  EXPECT_TRUE(eventually([&] { return process_ended(guardian); }));
}

TEST_F(GuardianTest, D1_AForkedChildDoesNotOwnTheParentsDirectories) {
  PseudoTemporaryDirectory parents;
  const pid_t guardian = os::guardian_status().pid;
  ASSERT_NE(guardian, -1);
  // A child that exits normally (exit handlers, static destructors) removes nothing of ours
  // and leaves our guardian alone.
  const pid_t child = ::fork();
  if (child == 0) {
    const bool clean = os::guardian_status().pid == -1 && os::guardian_status().tickets == 0;
    std::exit(clean ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the child saw the parent's guardian";
  EXPECT_TRUE(fs::exists(parents.path()));
  EXPECT_FALSE(process_ended(guardian));
  // A child's own directory has its own guardian, which removes only the child's.
  Owner owner([](const Owner::Report& report) {
    auto* childs = new PseudoTemporaryDirectory();
    report(childs->path().string());
    report(std::to_string(os::guardian_status().pid));
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  EXPECT_NE(std::stoi(owner.line(1)), guardian);
  owner.kill(SIGKILL);
  EXPECT_TRUE(eventually([&] { return !fs::exists(owner.line(0)); }));
  EXPECT_TRUE(fs::exists(parents.path()));
  EXPECT_EQ(os::guardian_status().pid, guardian);
  EXPECT_FALSE(process_ended(guardian));
}

// A child made by syscall(SYS_clone) runs no fork handler, so it starts with a copy of the
// parent's connection. It must not use it (its entries would be guarded by the parent's
// guardian, which waits for the parent, not for the child): its first object forgets the copy,
// without closing it, and starts the child's own guardian, which removes the child's directory
// when the child is killed.
TEST_F(GuardianTest, ARawClonedChildStartsItsOwnGuardianInsteadOfUsingTheParents) {
  PseudoTemporaryDirectory parents;
  const pid_t guardian = os::guardian_status().pid;
  ASSERT_NE(guardian, -1);
  int report[2] = {-1, -1};
  ASSERT_EQ(::pipe(report), 0);
  const long raw = ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (raw == 0) {
    ::close(report[0]);
    std::string line;
    try {
      auto* childs = new PseudoTemporaryDirectory();
      line = childs->path().string() + "\n" + std::to_string(os::guardian_status().pid) + "\n";
    } catch (const std::exception& failure) {
      line = std::string("error: ") + failure.what() + "\n";
    }
    static_cast<void>(::write(report[1], line.data(), line.size()));
    for (;;) {
      ::pause();
    }
  }
  ::close(report[1]);
  ASSERT_GT(raw, 0);
  const auto child = static_cast<pid_t>(raw);
  std::string text;
  char buffer[512];
  for (ssize_t got = 0; (got = ::read(report[0], buffer, sizeof(buffer))) > 0;) {
    text.append(buffer, static_cast<std::size_t>(got));
    if (std::count(text.begin(), text.end(), '\n') >= 2 || text.rfind("error", 0) == 0) {
      break;
    }
  }
  ::close(report[0]);
  const std::size_t first_end = text.find('\n');
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_NE(first_end, std::string::npos) << text;
  ASSERT_EQ(text.rfind("error", 0), std::string::npos) << text;
  const fs::path childs = text.substr(0, first_end);
  const pid_t childs_guardian = std::stoi(text.substr(first_end + 1));
  EXPECT_NE(childs_guardian, -1);
  EXPECT_NE(childs_guardian, guardian) << "the raw child used its parent's guardian";
  EXPECT_TRUE(eventually([&] { return !fs::exists(childs); }))
      << "the raw child's directory outlived it: " << childs;
  EXPECT_TRUE(fs::exists(parents.path()));
  EXPECT_EQ(os::guardian_status().pid, guardian);
  EXPECT_EQ(os::guardian_status().tickets, 1U);
  EXPECT_FALSE(process_ended(guardian));
}

TEST_F(GuardianTest, AfterExecTheOwnersObjectsAreGoneSoItsDirectoriesAre) {
  Owner owner([](const Owner::Report& report) {
    auto* directory = new PseudoTemporaryDirectory();
    fill(directory->path(), 3);
    report(directory->path().string());
    report("ready");
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  // Removed while the process (now sleep) still lives.
  EXPECT_TRUE(eventually([&] { return !fs::exists(owner.line(0)); }));
  EXPECT_FALSE(process_ended(owner.pid()));
}

TEST_F(GuardianTest, DeleteFalseIsLeftToItsOwnerEvenAfterDeath) {
  Owner owner([](const Owner::Report& report) {
    auto* kept = new PseudoTemporaryDirectory({.delete_ = false});
    report(kept->path().string());
    report(std::to_string(os::guardian_status().tickets));
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  EXPECT_EQ(owner.line(1), "0");  // never handed to a guardian
  owner.kill(SIGKILL);
  EXPECT_TRUE(fs::is_directory(owner.line(0)));
  fs::remove_all(owner.line(0));
}

// With a pidfd the guardian sees its owner die even while a child made without fork() (so
// without the fork handler that closes the connection) still holds the connection open. Without
// a pidfd (the positive control) only the end of the connection tells, which that child delays.
void death_with_a_raw_child_holding_the_connection(bool pidfd, bool& removed_while_child_lives,
                                                   bool& removed_after) {
  Owner owner([pidfd](const Owner::Report& report) {
    os::guardian_prefer_pidfd(pidfd);
    auto* directory = new PseudoTemporaryDirectory();
    report(directory->path().string());
    report(os::guardian_status().uses_pidfd ? "pidfd" : "connection");
    const long raw = ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (raw == 0) {
      for (;;) {
        ::pause();
      }
    }
    report(std::to_string(raw));
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  // The portable build has no pidfd: it always watches the connection.
  ASSERT_EQ(owner.line(1), pidfd && os::linux_fast_paths ? "pidfd" : "connection");
  const pid_t raw_child = std::stoi(owner.line(2));
  owner.kill(SIGKILL);
  removed_while_child_lives = eventually([&] { return !fs::exists(owner.line(0)); },
                                         pidfd && os::linux_fast_paths ? 10s : 1s);
  ::kill(raw_child, SIGKILL);
  removed_after = eventually([&] { return !fs::exists(owner.line(0)); });
}

TEST_F(GuardianTest, APidfdSeesTheOwnerDieWhateverItsChildrenHold) {
  bool while_child_lives = false;
  bool after = false;
  death_with_a_raw_child_holding_the_connection(true, while_child_lives, after);
  // Without pidfd (the portable build) the documented weakness shows instead.
  EXPECT_EQ(while_child_lives, os::linux_fast_paths);
  EXPECT_TRUE(after);
}

TEST_F(GuardianTest, WithoutAPidfdTheConnectionsEndTellsAndARawChildDelaysIt) {
  bool while_child_lives = true;
  bool after = false;
  death_with_a_raw_child_holding_the_connection(false, while_child_lives, after);
  EXPECT_FALSE(while_child_lives) << "the positive control: the child holds the connection";
  EXPECT_TRUE(after);
}

TEST_F(GuardianTest, WithoutAPidfdASigkilledOwnerIsSeenThroughTheConnection) {
  Owner owner([](const Owner::Report& report) {
    os::guardian_prefer_pidfd(false);
    auto* directory = new PseudoTemporaryDirectory();
    fill(directory->path(), 20);
    report(directory->path().string());
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  owner.kill(SIGKILL);
  EXPECT_TRUE(eventually([&] { return !fs::exists(owner.line(0)); }));
}

TEST_F(GuardianTest, C6_AFailedCleanupStaysGuardedAndTheMovedTreeIsEmptiedThroughItsDescriptor) {
  Owner owner([](const Owner::Report& report) {
    auto* directory = new PseudoTemporaryDirectory({.ignore_cleanup_errors = true});
    const fs::path moved = directory->path().string() + ".moved";
    fs::rename(directory->path(), moved);
    fs::create_directory(directory->path());  // somebody else's, under the name
    std::ofstream(directory->path() / "theirs.txt") << "theirs";
    directory->cleanup();  // the root is not at its name: reported (ignored here), so kept
    std::ofstream(moved / "later.txt") << "ours, made after the failed cleanup";
    report(directory->path().string());
    report(moved.string());
    report(std::to_string(os::guardian_status().tickets));
  });
  ASSERT_TRUE(owner.ready()) << owner.lines().back();
  EXPECT_EQ(owner.line(2), "1");  // still guarded
  owner.kill(SIGKILL);
  // The moved directory's contents are ours wherever it is: emptied through the descriptor. Its
  // name is not ours to remove, and the newcomer under the old name is untouched.
  EXPECT_TRUE(eventually([&] { return !fs::exists(fs::path(owner.line(1)) / "later.txt"); }));
  EXPECT_TRUE(fs::exists(fs::path(owner.line(0)) / "theirs.txt"));
  fs::remove_all(owner.line(0));
  fs::remove_all(owner.line(1));
}

}  // namespace
}  // namespace tempfile::test
