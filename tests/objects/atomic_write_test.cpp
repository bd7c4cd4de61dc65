// SPDX-License-Identifier: MIT
// atomic_write(): the file appears at its path complete, with the mode it should have, or the
// path keeps what it had and nothing is left beside it; the same through both of its ways (an
// unnamed file, a named ".tmp" file) and across process crashes at every step.
#include "tempfile/atomic_write.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill is POSIX
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ios>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "objects/atomic_write_seam.hpp"
#include "objects/persist_seam.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/error.hpp"
#include "tempfile/sweep.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 ? info.st_mode & 07777U : 0U;
}

ino_t inode_of(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

// This process's umask (the tests run one thread at a time here).
unsigned current_umask() {
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

// The two ways atomic_write makes its file: the system's (unnamed where the file system has
// O_TMPFILE; a named file elsewhere) and the named ".tmp" file, forced.
enum class Way { system_default, named };

std::string way_name(const testing::TestParamInfo<Way>& info) {
  return info.param == Way::named ? "named" : "default";
}

class AtomicWriteTest : public ScratchTest, public testing::WithParamInterface<Way> {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    objects::atomic_write_named_only(GetParam() == Way::named);
  }
  void TearDown() override {
    objects::atomic_write_named_only(false);
    ScratchTest::TearDown();
  }
};

INSTANTIATE_TEST_SUITE_P(Ways, AtomicWriteTest, testing::Values(Way::system_default, Way::named),
                         way_name);

TEST_P(AtomicWriteTest, WritesANewFileWithTheUmasksMode) {
  const fs::path dir = make_subdir("d");
  const fs::path target = dir / "new.txt";
  atomic_write(target, [](File& f) { f.write(std::string_view("hello\n")); });
  EXPECT_EQ(read_file(target), "hello\n");
  EXPECT_EQ(mode_of(target), 0666U & ~current_umask());
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"new.txt"});
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, ReplacesTheTargetKeepingItsMode) {
  const fs::path dir = make_subdir("d");
  const fs::path target = dir / "config";
  write_file(target, "old contents, longer than the new ones");
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  const ino_t before = inode_of(target);
  atomic_write(target, std::string_view("new"));
  EXPECT_EQ(read_file(target), "new");
  EXPECT_EQ(mode_of(target), 0640U) << "the replaced file's mode was not kept";
  EXPECT_NE(inode_of(target), before) << "rewritten in place, not replaced";
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"config"});
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, ExplicitPermissionsAndOwnerOnly) {
  const fs::path dir = make_subdir("d");
  atomic_write(dir / "a", "x", {.permissions = PersistMode::exactly(fs::perms(0604))});
  EXPECT_EQ(mode_of(dir / "a"), 0604U);
  write_file(dir / "b", "old");
  ASSERT_EQ(::chmod((dir / "b").c_str(), 0644), 0);
  atomic_write(dir / "b", "x", {.permissions = PersistMode::owner_only()});
  EXPECT_EQ(mode_of(dir / "b"), 0600U & ~current_umask());
  atomic_write(dir / "c", "x", {.permissions = PersistMode::umask_default()});
  EXPECT_EQ(mode_of(dir / "c"), 0666U & ~current_umask());
  EXPECT_EQ(list_dir(dir), (std::set<std::string>{"a", "b", "c"}));
  fs::remove_all(dir);
}

struct CallbackFailure : std::runtime_error {
  CallbackFailure() : std::runtime_error("the callback failed") {}
};

TEST_P(AtomicWriteTest, ACallbackThatThrowsChangesNothingAndLeavesNothing) {
  const fs::path dir = make_subdir("d");
  const fs::path target = dir / "kept";
  write_file(target, "old");
  const ino_t before = inode_of(target);
  for (const fs::path& path : {target, dir / "absent"}) {
    EXPECT_THROW(atomic_write(path,
                              [](File& f) {
                                f.write(std::string(100'000, 'n'));  // more than the buffer
                                throw CallbackFailure();
                              }),
                 CallbackFailure);
  }
  EXPECT_EQ(read_file(target), "old");
  EXPECT_EQ(inode_of(target), before);
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"kept"}) << "debris left beside the target";
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, AStreamCallbackWritesThroughTheSameFile) {
  const fs::path dir = make_subdir("d");
  atomic_write(dir / "out", [](std::ostream& out) { out << "answer " << 42 << '\n'; });
  EXPECT_EQ(read_file(dir / "out"), "answer 42\n");
  // A stream that failed publishes nothing.
  write_file(dir / "out", "old");
  EXPECT_THROW(atomic_write(dir / "out",
                            [](std::ostream& out) {
                              out << "half";
                              out.setstate(std::ios::failbit);
                            }),
               std::ios_base::failure);
  EXPECT_EQ(read_file(dir / "out"), "old");
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"out"});
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, ReturnsWhatTheCallbackReturns) {
  const fs::path dir = make_subdir("d");
  const std::size_t written =
      atomic_write(dir / "f", [](File& f) { return f.write(std::string_view("12345")); });
  EXPECT_EQ(written, 5U);
  const std::string label = atomic_write(dir / "g", [](std::ostream& out) {
    out << "x";
    return std::string("done");
  });
  EXPECT_EQ(label, "done");
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, TextModeEncodesAndTranslatesNewlines) {
  const fs::path dir = make_subdir("d");
  atomic_write(dir / "t", [](File& f) { f.write(std::string_view("a\nb")); },
               {.mode = "w", .encoding = "utf-16-le", .newline = "\r\n"});
  EXPECT_EQ(read_file(dir / "t"), std::string("a\0\r\0\n\0b\0", 8));
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, A11_NoClobberRefusesAnExistingFileAndADanglingSymlink) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "taken", "theirs");
  fs::create_symlink(dir / "nowhere", dir / "dangling");
  for (const char* name : {"taken", "dangling"}) {
    SCOPED_TRACE(name);
    try {
      atomic_write(dir / name, "ours", {.overwrite = false});
      ADD_FAILURE() << "no error";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), std::errc::file_exists) << e.what();
      EXPECT_THAT(e.what(), testing::HasSubstr((dir / name).string()));
    }
  }
  EXPECT_EQ(read_file(dir / "taken"), "theirs");
  EXPECT_TRUE(fs::is_symlink(dir / "dangling"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "nowhere"))) << "created through the link";
  EXPECT_EQ(list_dir(dir), (std::set<std::string>{"dangling", "taken"}));
  atomic_write(dir / "free", "ours", {.overwrite = false});
  EXPECT_EQ(read_file(dir / "free"), "ours");
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, BadArgumentsAreRefusedBeforeAnythingIsMade) {
  const fs::path dir = make_subdir("d");
  for (const char* mode : {"r", "r+", "a", "ab", "x", "w+bb", "q"}) {
    SCOPED_TRACE(mode);
    EXPECT_THROW(atomic_write(dir / "f", "x", {.mode = mode}), std::invalid_argument);
  }
  for (const std::string& path :
       {(dir / "f").string() + '/', (dir / ".").string(), (dir / "..").string(), std::string(),
        (dir / "f").string() + std::string(1, '\0') + "x"}) {
    SCOPED_TRACE(path);
    EXPECT_THROW(atomic_write(fs::path(path), "x"), std::invalid_argument);
  }
  EXPECT_TRUE(list_dir(dir).empty());
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, ErrorsNameTheTargetAndTheFailure) {
  const fs::path dir = make_subdir("d");
  try {
    atomic_write(dir / "missing" / "f", "x");
    ADD_FAILURE() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory) << e.what();
    EXPECT_THAT(e.what(), testing::HasSubstr((dir / "missing").string()));
  }
  fs::create_directory(dir / "sub");
  write_file(dir / "sub" / "inside", "kept");
  try {
    atomic_write(dir / "sub", "x");
    ADD_FAILURE() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::errc::is_a_directory) << e.what();
    EXPECT_THAT(e.what(), testing::HasSubstr((dir / "sub").string()));
  }
  EXPECT_EQ(read_file(dir / "sub" / "inside"), "kept");
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"sub"});
  fs::remove_all(dir);
}

// A write that fails (a real `ulimit -f` of 1000 bytes: EFBIG) leaves the target as it was
// and nothing beside it, through both overloads.
TEST_P(AtomicWriteTest, AFailedWriteChangesNothingAndLeavesNothing) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "target", "old");
  const std::string big(4096, 'b');
  for (const bool callback : {true, false}) {
    SCOPED_TRACE(callback ? "callback" : "string");
    const int status = run_in_child([&] {
      ::signal(SIGXFSZ, SIG_IGN);
      if (!limit_file_size(1000)) {
        return 3;
      }
      try {
        if (callback) {
          atomic_write(dir / "target", [&](File& f) { f.write(big); });
        } else {
          atomic_write(dir / "target", big);
        }
      } catch (const error& e) {
        return e.code() == std::errc::file_too_large ? 0 : 4;
      }
      return 5;  // no error
    });
    EXPECT_EQ(status, 0) << "3: no limit, 4: another error, 5: no error";
    EXPECT_EQ(read_file(dir / "target"), "old");
    EXPECT_EQ(list_dir(dir), std::set<std::string>{"target"});
  }
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, ACallbackThatClosesTheFilePublishesNothing) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "f", "old");
  EXPECT_THROW(atomic_write(dir / "f",
                            [](File& f) {
                              f.write(std::string_view("new"));
                              f.close();
                            }),
               closed_file_error);
  EXPECT_EQ(read_file(dir / "f"), "old");
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"f"});
  fs::remove_all(dir);
}

TEST_P(AtomicWriteTest, RelativePathsAreTheCurrentDirectorys) {
  // The scratch directory is the current directory.
  atomic_write("relative.txt", "here");
  EXPECT_EQ(read_file(scratch() / "relative.txt"), "here");
  fs::remove(scratch() / "relative.txt");
}

// Readers never see a mix: two writers replace the same file many times over while a reader
// reads it; every read is one writer's complete content.
TEST_P(AtomicWriteTest, ConcurrentWritersAndAReaderSeeOnlyCompleteFiles) {
  const fs::path dir = make_subdir("d");
  const fs::path target = dir / "shared";
  const std::string a(20'000, 'a');
  const std::string b(30'000, 'b');
  write_file(target, a);
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const std::string seen = read_file(target);
      if (seen != a && seen != b) {
        mixed.fetch_add(1);
      }
      reads.fetch_add(1);
    }
  });
  auto writer = [&](const std::string& content) {
    for (int i = 0; i < 100; ++i) {
      atomic_write(target, content, {.durable = false});
    }
  };
  std::thread first(writer, a);
  std::thread second(writer, b);
  first.join();
  second.join();
  stop.store(true);
  reader.join();
  EXPECT_EQ(mixed.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"shared"});
  fs::remove_all(dir);
}

// ---- identity: a name that changed hands is never published nor removed -----------------

class AtomicWriteIdentityTest : public ScratchTest {};

// The named way's ".tmp" file is replaced by another file while the callback writes: the
// replacement is neither published over the target nor removed afterwards.
TEST_F(AtomicWriteIdentityTest, B1_AReplacedTemporaryNameIsNeitherPublishedNorRemoved) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "target", "old");
  objects::atomic_write_named_only(true);
  try {
    atomic_write(dir / "target", [&](File& f) {
      f.write(std::string_view("ours"));
      for (const std::string& name : list_dir(dir)) {
        if (name.starts_with(".tmp")) {
          fs::rename(dir / name, dir / "moved-away");
          write_file(dir / name, "the attacker's");
        }
      }
    });
    ADD_FAILURE() << "published a file whose name was replaced";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("refers to another file"));
  }
  objects::atomic_write_named_only(false);
  EXPECT_EQ(read_file(dir / "target"), "old");
  const std::set<std::string> left = list_dir(dir);
  ASSERT_EQ(left.size(), 3U) << testing::PrintToString(left);
  for (const std::string& name : left) {
    if (name.starts_with(".tmp")) {
      EXPECT_EQ(read_file(dir / name), "the attacker's") << "the replacement was removed";
    }
  }
  EXPECT_EQ(read_file(dir / "moved-away"), "ours");
  fs::remove_all(dir);
}

// The named way's ".tmp" file is a NamedTemporaryFile's: the exit handler and the signal
// handlers remove it as they remove any, when the process ends while `fn` writes. Positive
// control: the file is there, beside the target, when the process ends.
TEST_F(AtomicWriteIdentityTest, TheNamedFileGoesWhenTheProcessExitsOrIsSignalledMidWrite) {
  const fs::path dir = make_subdir("d");
  write_file(dir / "target", "old");
  enum class End { exit, signal };
  for (const End end : {End::exit, End::signal}) {
    SCOPED_TRACE(end == End::exit ? "std::exit" : "SIGTERM");
    const int status = run_in_child([&] {
      objects::atomic_write_named_only(true);
      if (end == End::signal) {
        cleanup_on_signals();
      }
      atomic_write(dir / "target", [&](File& f) {
        f.write(std::string_view("new"));
        if (list_dir(dir).size() != 2) {
          ::_exit(7);  // no named file beside the target: nothing to test
        }
        if (end == End::exit) {
          std::exit(3);
        }
        ::raise(SIGTERM);
      });
      return 5;
    });
    EXPECT_EQ(status, end == End::exit ? 3 : 128 + SIGTERM) << "7: no named file was made";
    EXPECT_EQ(read_file(dir / "target"), "old");
    EXPECT_EQ(list_dir(dir), std::set<std::string>{"target"}) << "the .tmp file was left";
  }
  fs::remove_all(dir);
}

// ---- crashes: SIGKILL at each step, and at random times ----------------------------------

// The step a crash child kills itself before (set before the fork, inherited).
objects::PersistStep kill_before{};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void kill_at_step(objects::PersistStep step) noexcept {
  if (step == kill_before) {
    ::kill(::getpid(), SIGKILL);
  }
}

// What a crash left: the target old or new, complete, and beside it only what a sweep for the
// ".tmp" prefix removes.
void expect_old_or_new_and_sweepable(const fs::path& dir, const std::string& old_content,
                                     const std::string& new_content, std::size_t max_debris) {
  const std::string now = read_file(dir / "target");
  EXPECT_TRUE(now == old_content || now == new_content)
      << "the target holds " << now.size() << " bytes of neither";
  std::set<std::string> left = list_dir(dir);
  left.erase("target");
  EXPECT_LE(left.size(), max_debris) << testing::PrintToString(left);
  const SweepResult swept = sweep(dir, {.prefix = ".tmp", .min_age = 0s});
  EXPECT_EQ(swept.removed.size(), left.size());
  EXPECT_TRUE(swept.left.empty());
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"target"}) << "debris that sweep did not take";
}

// Whether atomic_write, as set up now, writes through a named ".tmp" file in `dir` (removed).
bool uses_a_named_file(const fs::path& dir) {
  bool named = false;
  atomic_write(dir / "probe", [&](File&) { named = !list_dir(dir).empty(); });
  fs::remove_all(dir);
  return named;
}

TEST_P(AtomicWriteTest, CrashAtEachStepLeavesTheOldOrTheNewFileAndOnlySweepableDebris) {
  using objects::PersistStep;
  const bool named = uses_a_named_file(make_subdir("probe"));
  struct Case {
    int step;  // a PersistStep, or -1: inside the callback, half written
    bool old_expected;
    std::size_t debris;
  };
  std::vector<Case> cases;
  if (named) {
    cases = {{-1, true, 1},
             {static_cast<int>(PersistStep::sync_file), true, 1},
             {static_cast<int>(PersistStep::check_name), true, 1},
             {static_cast<int>(PersistStep::rename), true, 1},
             {static_cast<int>(PersistStep::withdraw), false, 0},
             {static_cast<int>(PersistStep::sync_directory), false, 0}};
  } else {
    cases = {{-1, true, 0},
             {static_cast<int>(PersistStep::sync_file), true, 0},
             {static_cast<int>(PersistStep::link_staged), true, 0},
             {static_cast<int>(PersistStep::rename_staged), true, 1},
             {static_cast<int>(PersistStep::sync_directory), false, 0}};
  }
  const std::string old_content(1 << 16, 'o');
  const std::string new_content((1 << 16) + 7, 'n');
  // Both overloads: the callback's file object, and the string's bare descriptor.
  for (const bool callback : {true, false}) {
    for (const Case& c : cases) {
      if (!callback && c.step < 0) {
        continue;  // no callback to be killed in
      }
      SCOPED_TRACE(std::string(callback ? "callback" : "string") + ", killed before step " +
                   std::to_string(c.step));
      const fs::path dir = make_subdir("crash");
      write_file(dir / "target", old_content);
      kill_before = static_cast<PersistStep>(c.step);
      const int status = run_in_child([&] {
        objects::set_persist_step_hook(kill_at_step);
        if (!callback) {
          atomic_write(dir / "target", new_content);
          return 5;
        }
        atomic_write(dir / "target", [&](File& f) {
          f.write(std::string_view(new_content).substr(0, new_content.size() / 2));
          if (c.step < 0) {
            f.flush();
            ::kill(::getpid(), SIGKILL);
          }
          f.write(std::string_view(new_content).substr(new_content.size() / 2));
        });
        return 5;  // the step was never reached
      });
      EXPECT_EQ(status, 128 + SIGKILL) << "the child was not killed at the step";
      EXPECT_EQ(read_file(dir / "target"), c.old_expected ? old_content : new_content);
      std::set<std::string> left = list_dir(dir);
      left.erase("target");
      EXPECT_EQ(left.size(), c.debris) << testing::PrintToString(left);
      expect_old_or_new_and_sweepable(dir, old_content, new_content, c.debris);
      fs::remove_all(dir);
    }
  }
}

// A writer that replaces the file over and over is killed at a random moment, many times: the
// target is always one complete version, and what is left beside it is at most one file that
// sweep removes.
TEST_P(AtomicWriteTest, KilledAtRandomTimesTheTargetIsAlwaysOneCompleteVersion) {
  const fs::path dir = make_subdir("random");
  const std::string a(50'000, 'a');
  const std::string b(70'000, 'b');
  write_file(dir / "target", a);
  std::mt19937 random(20261204U);
  std::uniform_int_distribution<int> delay_us(0, 3000);
  constexpr int rounds = 300;
  int killed_with_debris = 0;
  int changed = 0;  // rounds whose kill came after at least one publishing
  std::string previous = a;
  for (int round = 0; round < rounds; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int i = 0;; ++i) {
        atomic_write(dir / "target", (i % 2 == 0) ? b : a, {.durable = (i % 4 == 0)});
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    const std::string now = read_file(dir / "target");
    ASSERT_TRUE(now == a || now == b) << "round " << round << ": " << now.size() << " bytes";
    changed += now != previous ? 1 : 0;
    previous = now;
    std::set<std::string> left = list_dir(dir);
    left.erase("target");
    ASSERT_LE(left.size(), 1U) << "round " << round << ": " << testing::PrintToString(left);
    if (!left.empty()) {
      ++killed_with_debris;
      const SweepResult swept = sweep(dir, {.prefix = ".tmp", .min_age = 0s});
      ASSERT_EQ(swept.removed.size(), 1U);
    }
  }
  EXPECT_EQ(list_dir(dir), std::set<std::string>{"target"});
  // Positive controls: the kills landed both after publishing and, for the named way, while
  // a file was being written beside the target.
  EXPECT_GT(changed, 0) << "no kill came after a publishing: the writer never got going";
  EXPECT_LT(changed, rounds) << "every kill came after a publishing";
  if (uses_a_named_file(make_subdir("probe"))) {
    EXPECT_GT(killed_with_debris, 0) << "no kill landed while the named file was written";
  }
  RecordProperty("rounds_with_debris", killed_with_debris);
  RecordProperty("rounds_changed", changed);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tempfile::test
