// SPDX-License-Identifier: MIT
// sweep() against a name that changes hands at each step of its visit, made deterministic by the
// sweep seam (no timing): another file or a symbolic link to a victim directory swapped in, by
// this process or another one, and a live owner (a real process) re-creating and locking the
// entry; a naive remover told the same step is the positive control. And, as uid 65534, a dead
// owner's trees whose modes forbid the walk, which the owner's own sweep removes.
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill is POSIX
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "extras/sweep_seam.hpp"
#include "harness.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/sweep.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using extras::SweepStep;
using std::chrono::seconds;

constexpr SweepStep every_step[] = {SweepStep::examined, SweepStep::opened, SweepStep::locked,
                                    SweepStep::checked,  SweepStep::remove, SweepStep::moved,
                                    SweepStep::unlink};
// A directory's visit has no `moved` or `unlink`: its tree goes through the tree remover.
constexpr SweepStep directory_steps[] = {SweepStep::examined, SweepStep::opened, SweepStep::locked,
                                         SweepStep::checked, SweepStep::remove};

const char* step_name(SweepStep step) {
  switch (step) {
    case SweepStep::examined:
      return "examined";
    case SweepStep::opened:
      return "opened";
    case SweepStep::locked:
      return "locked";
    case SweepStep::checked:
      return "checked";
    case SweepStep::remove:
      return "remove";
    case SweepStep::moved:
      return "moved";
    case SweepStep::unlink:
      return "unlink";
  }
  return "?";
}

// What the seam runs: a plain function pointer cannot capture, so the armed scenario's action
// sits here for the length of one sweep.
std::function<void(SweepStep, const char*)>* armed_action = nullptr;  // NOLINT

void on_step(SweepStep step, const char* name) noexcept {
  if (armed_action != nullptr) {
    (*armed_action)(step, name);
  }
}

// Runs `action` at each step of every sweep() while in scope.
class ArmedSeam {
 public:
  explicit ArmedSeam(std::function<void(SweepStep, const char*)> action)
      : action_(std::move(action)) {
    armed_action = &action_;
    extras::set_sweep_step_hook(&on_step);
  }
  ArmedSeam(const ArmedSeam&) = delete;
  ArmedSeam& operator=(const ArmedSeam&) = delete;
  ArmedSeam(ArmedSeam&&) = delete;
  ArmedSeam& operator=(ArmedSeam&&) = delete;
  ~ArmedSeam() {
    extras::set_sweep_step_hook(nullptr);
    armed_action = nullptr;
  }

 private:
  std::function<void(SweepStep, const char*)> action_;
};

// Another process that does the swap when asked: forked with the action (a copy of this
// process's memory), it waits for one byte, runs it and answers with its result. The sweeper
// waits for the answer, so the swap lands at exactly the step it was asked at. Then it exits,
// or, with `stay`, lives on holding whatever the action opened (a live owner's lock) until
// killed.
class Actor {
 public:
  explicit Actor(const std::function<bool()>& action, bool stay = false) {
    if (::pipe2(request_, O_CLOEXEC) != 0 || ::pipe2(answer_, O_CLOEXEC) != 0) {
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      char byte = 0;
      if (::read(request_[0], &byte, 1) != 1) {
        ::_exit(0);  // never asked
      }
      byte = action() ? 'y' : 'n';
      static_cast<void>(::write(answer_[1], &byte, 1));
      while (stay) {
        ::pause();
      }
      ::_exit(0);
    }
  }
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;
  Actor(Actor&&) = delete;
  Actor& operator=(Actor&&) = delete;
  ~Actor() {
    static_cast<void>(kill());
    for (const int fd : {request_[0], request_[1], answer_[0], answer_[1]}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }

  // Asks for the action and waits for it to be done: its result, false if it never ran.
  bool run() noexcept {
    char byte = 'g';
    if (pid_ <= 0 || ::write(request_[1], &byte, 1) != 1 || ::read(answer_[0], &byte, 1) != 1) {
      return false;
    }
    return byte == 'y';
  }

  // Ends it with SIGKILL (a process that stayed dies holding its locks) and reaps it: true if
  // it was still there to kill.
  bool kill() noexcept {
    if (pid_ <= 0) {
      return false;
    }
    const bool killed = ::kill(pid_, SIGKILL) == 0;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return killed;
  }

 private:
  int request_[2] = {-1, -1};
  int answer_[2] = {-1, -1};
  pid_t pid_ = -1;
};

enum class By { this_process, another_process };

const char* by_name(By by) {
  return by == By::this_process ? "swapped by this process" : "swapped by another process";
}

// Runs `swap` once, at `at`, in this process or in another one; `done` says whether it ran
// and succeeded.
class StepSwap {
 public:
  StepSwap(By by, SweepStep at, std::function<bool()> swap)
      : swap_(std::move(swap)), seam_([this, at](SweepStep step, const char* /*name*/) {
          if (step == at && !fired_) {
            fired_ = true;
            done_ = actor_ ? actor_->run() : swap_();
          }
        }) {
    if (by == By::another_process) {
      actor_.emplace(swap_);
    }
  }
  [[nodiscard]] bool done() const { return done_; }

 private:
  std::function<bool()> swap_;
  std::optional<Actor> actor_;
  bool fired_ = false;
  bool done_ = false;
  ArmedSeam seam_;  // last: armed once everything it calls exists
};

// Dates `path` (never following a symbolic link) `age` into the past.
void make_old(const fs::path& path, seconds age) {
  const auto then = std::chrono::system_clock::now() - age;
  const timespec when{static_cast<time_t>(std::chrono::system_clock::to_time_t(then)), 0};
  const timespec times[2] = {when, when};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

constexpr seconds two_days{2 * 86400};

// A leftover of a real owner killed with SIGKILL in `dir`: a NamedTemporaryFile holding
// "dead", or a TemporaryDirectory holding a file and a subdirectory with a file; dated two days
// back. Its name, or "" if the owner did not leave it.
std::string killed_owners_leftover(const fs::path& dir, bool directory) {
  const int status = run_in_child([&] {
    if (directory) {
      const TemporaryDirectory tree({.dir = dir});
      write_file(tree.name() / "inside", "dead");
      fs::create_directory(tree.name() / "sub");
      write_file(tree.name() / "sub" / "deeper", "dead");
      ::raise(SIGKILL);
    } else {
      NamedTemporaryFile file({.dir = dir});
      file.write(std::string_view("dead"));
      file.flush();
      ::raise(SIGKILL);
    }
    return 0;
  });
  const std::set<std::string> names = list_dir(dir);
  if (status != 128 + SIGKILL || names.size() != 1) {
    return "";
  }
  const std::string name = *names.begin();
  make_old(dir / name, two_days);
  return name;
}

std::string describe(const SweepResult& result) {
  std::string text = "removed:";
  for (const SweptEntry& entry : result.removed) {
    text += " " + entry.path.filename().string();
  }
  text += "; left:";
  for (const LeftEntry& entry : result.left) {
    text += " " + entry.path.filename().string() + " (" +
            std::to_string(static_cast<int>(entry.reason)) + ", " + entry.error.message() + ")";
  }
  return text;
}

// The window sweep() closes, left open: check the name (lstat), be told the step sweep() would
// be at (`checked`), then remove by name, through whatever the name reaches by then (a file is
// unlinked; a directory is read through its path, which follows a link, and emptied by path).
void naive_sweep(const fs::path& dir, const std::string& name) {
  const fs::path path = dir / name;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !(S_ISREG(info.st_mode) || S_ISDIR(info.st_mode))) {
    return;
  }
  on_step(SweepStep::checked, name.c_str());
  if (!S_ISDIR(info.st_mode)) {
    ::unlink(path.c_str());
    return;
  }
  std::vector<std::string> names;
  if (DIR* opened = ::opendir(path.c_str()); opened != nullptr) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): one reader per DIR; this is the naive control
    while (const dirent* entry = ::readdir(opened)) {
      const std::string entry_name = entry->d_name;
      if (entry_name != "." && entry_name != "..") {
        names.push_back(entry_name);
      }
    }
    ::closedir(opened);
  }
  for (const std::string& entry_name : names) {
    naive_remove(path / entry_name);
  }
  ::rmdir(path.c_str());
}

class SweepAttackTest : public ScratchTest {};

// C6 for a file (the race of the check under the lock and the unlink): at each step of the
// visit another file, outside the pattern, is renamed over the dead owner's leftover. sweep()
// never removes it: before the open the newcomer is judged as any entry under the pattern (it
// is recent, so too young); after the open and the lock, the locked file has no name left
// (nothing to do); after the check, the name is moved to a private one, the newcomer found
// there and moved back (`replaced`); once the name was moved, the newcomer only takes a free
// name, and the leftover goes. Then the positive control: a naive remover told the same step
// unlinks the newcomer.
TEST_F(SweepAttackTest, C6_AFileRenamedOverTheLeftoverAtAnyStepIsNeverRemoved) {
  const fs::path dir = make_subdir("d");
  for (const By by : {By::this_process, By::another_process}) {
    for (const SweepStep step : every_step) {
      SCOPED_TRACE(std::string(by_name(by)) + " at " + step_name(step));
      const std::string name = killed_owners_leftover(dir, false);
      ASSERT_FALSE(name.empty());
      const fs::path victim = dir / "victim";
      write_file(victim, "victim data");
      if (step != SweepStep::examined) {
        make_old(victim, two_days);  // the newcomer's age does not save it: only the design can
      }
      const EntrySnapshot before = snapshot(victim);
      SweepResult result;
      bool swapped = false;
      {
        StepSwap swap(by, step,
                      [&] { return ::rename(victim.c_str(), (dir / name).c_str()) == 0; });
        result = sweep(dir);
        swapped = swap.done();
      }
      ASSERT_TRUE(swapped) << "the seam never reached the step";
      EXPECT_EQ(snapshot(dir / name), before)
          << "now " << describe(snapshot(dir / name)) << "; " << describe(result);
      EXPECT_EQ(list_dir(dir), std::set<std::string>{name}) << "a private name was left";
      switch (step) {
        case SweepStep::examined:
          ASSERT_EQ(result.left.size(), 1U) << describe(result);
          EXPECT_EQ(result.left[0].reason, SweepReason::too_young);
          EXPECT_TRUE(result.removed.empty());
          break;
        case SweepStep::opened:
        case SweepStep::locked:  // the locked file lost its only name: removed meanwhile
          EXPECT_TRUE(result.left.empty()) << describe(result);
          EXPECT_TRUE(result.removed.empty()) << describe(result);
          break;
        case SweepStep::checked:
        case SweepStep::remove:
          ASSERT_EQ(result.left.size(), 1U) << describe(result);
          EXPECT_EQ(result.left[0].path, dir / name);
          EXPECT_EQ(result.left[0].reason, SweepReason::replaced);
          EXPECT_EQ(result.left[0].error.value(), ESTALE);
          EXPECT_TRUE(result.removed.empty()) << describe(result);
          break;
        case SweepStep::moved:
        case SweepStep::unlink:  // the leftover was already under the private name
          ASSERT_EQ(result.removed.size(), 1U) << describe(result);
          EXPECT_EQ(result.removed[0].path, dir / name);
          EXPECT_TRUE(result.left.empty()) << describe(result);
          break;
      }
      fs::remove(dir / name);
    }
    // The positive control: the same swap at the same step against the naive remover.
    const std::string name = killed_owners_leftover(dir, false);
    ASSERT_FALSE(name.empty());
    const fs::path victim = dir / "victim";
    write_file(victim, "victim data");
    {
      StepSwap swap(by, SweepStep::checked,
                    [&] { return ::rename(victim.c_str(), (dir / name).c_str()) == 0; });
      naive_sweep(dir, name);
      EXPECT_TRUE(swap.done());
    }
    EXPECT_TRUE(list_dir(dir).empty()) << "the naive remover spared the victim: the window "
                                          "this test closes is not open in this harness";
  }
  fs::remove(dir);
}

// C6: a victim that cannot be moved back (something else took the name meanwhile) stays under
// the private name, and the result says where: it is never removed.
TEST_F(SweepAttackTest, C6_AVictimThatCannotGoBackStaysUnderThePrivateNameAndIsReported) {
  const fs::path dir = make_subdir("d");
  const std::string name = killed_owners_leftover(dir, false);
  ASSERT_FALSE(name.empty());
  const fs::path victim = dir / "victim";
  write_file(victim, "victim data");
  const EntrySnapshot before = snapshot(victim);
  SweepResult result;
  {
    const ArmedSeam seam([&](SweepStep step, const char* /*name*/) {
      if (step == SweepStep::remove) {
        ASSERT_EQ(::rename(victim.c_str(), (dir / name).c_str()), 0) << errno_text(errno);
      } else if (step == SweepStep::moved) {
        write_file(dir / name, "squatter");
      }
    });
    result = sweep(dir, {.min_age = seconds(0)});
  }
  EXPECT_TRUE(result.removed.empty()) << describe(result);
  ASSERT_EQ(result.left.size(), 2U) << describe(result);
  EXPECT_EQ(result.left[0].path, dir / name);
  EXPECT_EQ(result.left[0].reason, SweepReason::replaced);
  const fs::path stranded = result.left[1].path;
  EXPECT_EQ(result.left[1].reason, SweepReason::failed);
  EXPECT_EQ(result.left[1].error, std::errc::file_exists);
  EXPECT_EQ(stranded.parent_path(), dir);
  EXPECT_EQ(snapshot(stranded), before) << describe(snapshot(stranded));
  EXPECT_EQ(list_dir(dir), (std::set<std::string>{name, stranded.filename().string()}));
  // The private name is of a pattern of its own: a sweep for it would see an old, unlocked
  // file, so the caller decides; the default pattern leaves it.
  EXPECT_EQ(stranded.filename().string().rfind(".tempfile-sweep-", 0), 0U);
  EXPECT_TRUE(sweep(dir, {.min_age = seconds(0)}).removed.size() == 1);  // the squatter
  EXPECT_TRUE(fs::exists(stranded));
  fs::remove(stranded);
  fs::remove(dir);
}

// C4 + C6 for a directory: at each step the dead owner's directory is renamed away and its
// name given to a symbolic link to a victim directory, or to the victim directory itself. The
// victim keeps every entry; the link is never followed nor removed; the leftover's contents go
// once it was locked and checked (they are the locked directory's, wherever it is now), and
// the name is left (`replaced`). The positive control: a naive remover told the same step
// empties the victim through the link.
TEST_F(SweepAttackTest, C4_C6_ADirectorySwappedForAVictimAtAnyStepIsNeverReached) {
  const fs::path dir = make_subdir("d");
  const fs::path victim = scratch() / "victim";
  for (const bool link : {true, false}) {
    for (const By by : {By::this_process, By::another_process}) {
      for (const SweepStep step : directory_steps) {
        SCOPED_TRACE(std::string(link ? "a symbolic link" : "the victim directory") + ", " +
                     by_name(by) + " at " + step_name(step));
        const std::string name = killed_owners_leftover(dir, true);
        ASSERT_FALSE(name.empty());
        fill_victim_files(victim / "sub", 3);
        fill_victim_files(victim, 3);
        if (!link && step != SweepStep::examined) {
          make_old(victim, two_days);
        }
        const fs::path moved = dir / "moved-away";
        const auto swap_in = [&] {
          if (::rename((dir / name).c_str(), moved.c_str()) != 0) {
            return false;
          }
          return link ? ::symlink(victim.c_str(), (dir / name).c_str()) == 0
                      : ::rename(victim.c_str(), (dir / name).c_str()) == 0;
        };
        const fs::path victim_now = link ? victim : dir / name;
        const auto victim_before = snapshot_tree(victim);
        SweepResult result;
        bool swapped = false;
        {
          StepSwap swap(by, step, swap_in);
          result = sweep(dir);
          swapped = swap.done();
        }
        ASSERT_TRUE(swapped) << "the seam never reached the step";
        EXPECT_EQ(snapshot_tree(victim_now), victim_before) << describe(result);
        if (link) {
          EXPECT_TRUE(fs::is_symlink(dir / name));
        }
        EXPECT_TRUE(result.removed.empty()) << describe(result);
        ASSERT_EQ(result.left.size(), 1U) << describe(result);
        EXPECT_EQ(result.left[0].path, dir / name);
        const SweepReason expected = step != SweepStep::examined ? SweepReason::replaced
                                     : link                      ? SweepReason::not_ours
                                                                 : SweepReason::too_young;
        EXPECT_EQ(result.left[0].reason, expected) << describe(result);
        // The leftover's contents went only once it had been checked under the lock.
        const bool emptied = step == SweepStep::checked || step == SweepStep::remove;
        EXPECT_EQ(list_dir(moved).empty(), emptied)
            << "moved-away holds " << list_dir(moved).size();
        force_remove_all(moved);
        if (link) {
          fs::remove(dir / name);
        } else {
          fs::rename(dir / name, victim);
        }
        force_remove_all(victim);
        EXPECT_TRUE(list_dir(dir).empty());
      }
    }
  }
  // The positive control: the same swap (a link) at the same step against the naive remover.
  for (const By by : {By::this_process, By::another_process}) {
    SCOPED_TRACE(std::string("naive, ") + by_name(by));
    const std::string name = killed_owners_leftover(dir, true);
    ASSERT_FALSE(name.empty());
    fill_victim_files(victim, 3);
    const fs::path moved = dir / "moved-away";
    {
      StepSwap swap(by, SweepStep::checked, [&] {
        return ::rename((dir / name).c_str(), moved.c_str()) == 0 &&
               ::symlink(victim.c_str(), (dir / name).c_str()) == 0;
      });
      naive_sweep(dir, name);
      EXPECT_TRUE(swap.done());
    }
    EXPECT_LT(count_files(victim), 3U) << "the naive remover spared the victim: the window "
                                          "this test closes is not open in this harness";
    force_remove_all(moved);
    fs::remove(dir / name);
    force_remove_all(victim);
  }
  fs::remove(dir);
}

// What a live owner does when told to take the name (a real process, which then holds its
// entry as the library's objects do: open, with a shared flock, until killed). A file: the
// leftover's name unlinked if it is still there, and a file created under it. A directory: the
// leftover renamed away to `moved`, a directory made under the name, with a file in it.
bool take_name(const fs::path& path, bool directory, const fs::path& moved) {
  int fd = -1;
  if (directory) {
    if (::rename(path.c_str(), moved.c_str()) != 0 || ::mkdir(path.c_str(), 0700) != 0) {
      return false;
    }
    write_file(path / "live", "live");
    fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return false;
    }
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0 && ::write(fd, "live", 4) != 4) {
      return false;
    }
  }
  return fd >= 0 && ::flock(fd, LOCK_SH | LOCK_NB) == 0;  // the descriptor stays open
}

std::string read_whole_file(const fs::path& path) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return "<cannot open: " + errno_text(errno) + ">";
  }
  char chunk[256];
  for (ssize_t n = 0; (n = ::read(fd, chunk, sizeof chunk)) > 0;) {
    out.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// Whether another open of `path` can take an exclusive flock now: 0, or the errno.
int exclusive_lock_errno(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return errno;
  }
  const int result = ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
  ::close(fd);
  return result;
}

// B2 + C6: a live owner (another process) re-creates and locks the entry under the leftover's
// name at each step of the visit. Its entry keeps its name, content and lock whatever the step:
// before the open it is simply a live entry (`in_use`); after it, the locked leftover lost its
// name (a file: nothing to do) or the name no longer refers to it (`replaced`; a directory's
// contents are emptied through the locked descriptor once checked); a file taken after its
// name was moved away leaves the leftover to go. The positive control: once the owner is
// killed, its entry is swept like any other.
TEST_F(SweepAttackTest, B2_C6_ALiveOwnerTakingTheNameAtAnyStepKeepsItsEntry) {
  const fs::path dir = make_subdir("d");
  for (const bool directory : {false, true}) {
    const std::vector<SweepStep> steps =
        directory ? std::vector<SweepStep>(std::begin(directory_steps), std::end(directory_steps))
                  : std::vector<SweepStep>(std::begin(every_step), std::end(every_step));
    for (const SweepStep step : steps) {
      SCOPED_TRACE(std::string(directory ? "directory" : "file") + " taken at " + step_name(step));
      const std::string name = killed_owners_leftover(dir, directory);
      ASSERT_FALSE(name.empty());
      const fs::path path = dir / name;
      const fs::path moved = dir / "moved-away";
      Actor owner([&] { return take_name(path, directory, moved); }, true);
      SweepResult result;
      bool took = false;
      {
        bool fired = false;
        const ArmedSeam seam([&](SweepStep at, const char* /*name*/) {
          if (at == step && !fired) {
            fired = true;
            took = owner.run();
          }
        });
        result = sweep(dir);
      }
      ASSERT_TRUE(took) << "the live owner could not take the name";
      EXPECT_EQ(read_whole_file(directory ? path / "live" : path), "live") << describe(result);
      EXPECT_EQ(exclusive_lock_errno(path), EWOULDBLOCK) << "the owner's lock is gone";
      const std::set<std::string> expected_entries =
          directory ? std::set<std::string>{name, "moved-away"} : std::set<std::string>{name};
      EXPECT_EQ(list_dir(dir), expected_entries) << "a private name was left";
      const bool dead_file_removed =
          !directory && (step == SweepStep::moved || step == SweepStep::unlink);
      if (dead_file_removed) {
        ASSERT_EQ(result.removed.size(), 1U) << describe(result);
        EXPECT_EQ(result.removed[0].path, path);
        EXPECT_TRUE(result.left.empty()) << describe(result);
      } else if (!directory && (step == SweepStep::opened || step == SweepStep::locked)) {
        EXPECT_TRUE(result.removed.empty()) << describe(result);
        EXPECT_TRUE(result.left.empty()) << describe(result);
      } else {
        EXPECT_TRUE(result.removed.empty()) << describe(result);
        ASSERT_EQ(result.left.size(), 1U) << describe(result);
        EXPECT_EQ(result.left[0].path, path);
        EXPECT_EQ(result.left[0].reason,
                  step == SweepStep::examined ? SweepReason::in_use : SweepReason::replaced);
      }
      if (directory) {
        EXPECT_EQ(list_dir(moved).empty(), step == SweepStep::checked || step == SweepStep::remove);
        force_remove_all(moved);
      }
      // The positive control: the same entry once its owner is dead (young: min_age 0).
      ASSERT_TRUE(owner.kill());
      const SweepResult after = sweep(dir, {.min_age = seconds(0)});
      ASSERT_EQ(after.removed.size(), 1U) << describe(after);
      EXPECT_EQ(after.removed[0].path, path);
      EXPECT_TRUE(list_dir(dir).empty());
    }
  }
  fs::remove(dir);
}

// The trees of C7 for sweep(), made in `work` by a live owner (three TemporaryDirectory objects
// that live, locked, until the process is killed): a 0000 root over a 0000 subdirectory with
// files; a 0500 root over 0500 subdirectories holding files and 0000, 0300 and 0100
// directories; a 0300 root over a 0600 directory. False if any step failed, or if the modes do
// not bind this process (root: what the sweeper faces would not be real).
bool make_forbidding_trees(const fs::path& work) {
  try {
    const fs::path closed = (new TemporaryDirectory({.dir = work}))->name();
    const fs::path ro = (new TemporaryDirectory({.dir = work}))->name();
    const fs::path write_only = (new TemporaryDirectory({.dir = work}))->name();
    fs::create_directories(closed / "sub");
    write_file(closed / "file", "f");
    write_file(closed / "sub" / "file", "f");
    fs::create_directories(ro / "sub" / "deeper");
    write_file(ro / "file", "f");
    write_file(ro / "sub" / "file", "f");
    write_file(ro / "sub" / "deeper" / "file", "f");
    for (const char* name : {"none", "wx", "x"}) {
      fs::create_directories(ro / "sub" / name / "inner");
      write_file(ro / "sub" / name / "file", "f");
    }
    fs::create_directories(write_only / "rw" / "sub");
    write_file(write_only / "rw" / "file", "f");
    for (const auto& [path, mode] :
         std::vector<std::pair<fs::path, mode_t>>{{closed / "sub", 0000},
                                                  {closed, 0000},
                                                  {ro / "sub" / "none", 0000},
                                                  {ro / "sub" / "wx", 0300},
                                                  {ro / "sub" / "x", 0100},
                                                  {ro / "sub" / "deeper", 0500},
                                                  {ro / "sub", 0500},
                                                  {ro, 0500},
                                                  {write_only / "rw", 0600},
                                                  {write_only, 0300}}) {
      if (::chmod(path.c_str(), mode) != 0) {
        return false;
      }
    }
    return ::unlink((ro / "file").c_str()) != 0 && errno == EACCES;
  } catch (const std::exception&) {
    return false;
  }
}

// Gives uid 65534 a work directory when the tests run as root (root ignores modes, so the
// owner and the sweeper must run unprivileged); as another user, the scratch directory's own.
fs::path unprivileged_work_directory(const fs::path& scratch, const fs::path& work) {
  if (::geteuid() == 0) {
    EXPECT_EQ(::chmod(scratch.c_str(), 0755), 0) << errno_text(errno);
    EXPECT_EQ(::chown(work.c_str(), 65534, 65534), 0) << errno_text(errno);
  }
  return work;
}

// C7: the trees above, left by a dead owner whose user is the sweeper's: sweep() removes all of
// them, opening the 0000 and 0300 roots by giving them u+rwx through a descriptor (the modes
// deeper down are fixed by the tree remover, through descriptors too). Before, such a root was
// reported `failed` with EACCES. As uid 65534 (root ignores modes).
TEST_F(SweepAttackTest, C7_AnOwnersSweepRemovesItsDeadTreesWhoseModesForbidTheWalk) {
  const fs::path work = unprivileged_work_directory(scratch(), make_subdir("work"));
  {
    Actor owner([&] { return become_unprivileged() && make_forbidding_trees(work); }, true);
    ASSERT_TRUE(owner.run()) << "the owner could not make its trees, or the modes do not bind it";
    ASSERT_TRUE(owner.kill());  // SIGKILL: its three objects die with their locks, nothing removed
  }
  ASSERT_EQ(list_dir(work).size(), 3U);
  const ChildRun sweeper = run_child([&](std::string& out) -> int {
    if (!become_unprivileged()) {
      out = "become_unprivileged: " + errno_text(errno);
      return 1;
    }
    const SweepResult result = sweep(work, {.min_age = seconds(0)});
    out = describe(result);
    return result.removed.size() == 3 && result.left.empty() ? 0 : 2;
  });
  EXPECT_EQ(sweeper.status, 0) << sweeper.output;
  EXPECT_TRUE(list_dir(work).empty()) << sweeper.output;
  force_remove_all(work);
}

// C7's limits: a live owner's 0000 directory is left (`in_use`) with its mode given back, and
// when the tests run as root, root's own dead 0000 directory in the same place is left to the
// unprivileged sweeper (`failed`, EACCES) with its mode untouched: only the sweeper's own
// directories are ever changed.
TEST_F(SweepAttackTest, C7_OnlyTheSweepersOwnDeadDirectoriesHaveTheirModesChanged) {
  const fs::path work = unprivileged_work_directory(scratch(), make_subdir("work"));
  std::optional<fs::path> roots;
  if (::geteuid() == 0) {
    roots = work / "tmprootroot";
    ASSERT_EQ(::mkdir(roots->c_str(), 0000), 0) << errno_text(errno);
    ASSERT_EQ(::chmod(roots->c_str(), 0000), 0);
  }
  Actor owner(
      [&] {
        if (!become_unprivileged()) {
          return false;
        }
        auto* live = new TemporaryDirectory({.dir = work});  // lives until the process is killed
        write_file(live->name() / "file", "live");
        return ::chmod(live->name().c_str(), 0000) == 0;
      },
      true);
  ASSERT_TRUE(owner.run()) << "the live owner did not start";
  const ChildRun sweeper = run_child([&](std::string& out) -> int {
    if (!become_unprivileged()) {
      out = "become_unprivileged: " + errno_text(errno);
      return 1;
    }
    const SweepResult result = sweep(work, {.min_age = seconds(0)});
    out = describe(result);
    if (!result.removed.empty()) {
      return 2;
    }
    for (const LeftEntry& left : result.left) {
      const bool root_owned = roots && left.path == *roots;
      if (root_owned
              ? left.reason != SweepReason::failed || left.error != std::errc::permission_denied
              : left.reason != SweepReason::in_use) {
        return 3;
      }
    }
    return result.left.size() == (roots ? 2U : 1U) ? 0 : 4;
  });
  EXPECT_EQ(sweeper.status, 0) << "2: removed, 3: wrong reason, 4: not all reported: "
                               << sweeper.output;
  for (const std::string& name : list_dir(work)) {
    struct stat info {};
    ASSERT_EQ(::lstat((work / name).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777U, 0U) << name << " has another mode now";
  }
  EXPECT_EQ(list_dir(work).size(), roots ? 2U : 1U);
  ASSERT_TRUE(owner.kill());
  force_remove_all(work);
}

}  // namespace
}  // namespace tempfile::test
