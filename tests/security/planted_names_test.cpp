// SPDX-License-Identifier: MIT
// security.md A1: an attacker pre-creates the first candidate name as a file, a symbolic link
// (dangling or to a victim), a directory, a FIFO or a hard link; creation must move on.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "harness.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"

namespace tempfile::test {
namespace {

using create::EntryKind;
namespace fs = std::filesystem;

enum class Plant {
  regular_file,
  dangling_symlink,
  symlink_to_sentinel,
  directory,
  fifo,
  hard_link
};

const char* plant_name(Plant plant) {
  switch (plant) {
    case Plant::regular_file:
      return "RegularFile";
    case Plant::dangling_symlink:
      return "DanglingSymlinkToOutside";
    case Plant::symlink_to_sentinel:
      return "SymlinkToSentinel";
    case Plant::directory:
      return "Directory";
    case Plant::fifo:
      return "Fifo";
    case Plant::hard_link:
      return "HardLinkToSentinel";
  }
  return "?";
}

// For readable failure messages ("where GetParam() = directory over Fifo").
void PrintTo(const std::tuple<EntryKind, Plant>& param, std::ostream* out) {
  *out << (std::get<0>(param) == EntryKind::file ? "file" : "directory") << " over "
       << plant_name(std::get<1>(param));
}

constexpr const char* planted_prefix = "tmp";
constexpr const char* planted_suffix = ".x";
constexpr const char* planted_name = "planted";
constexpr const char* fresh_name = "fresh";
constexpr const char* sentinel_text = "precious sentinel content\n";

// What the harness observed around one creation attempt that met a planted name.
struct PlantOutcome {
  ChildRun child;
  Attempt attempt;
  EntrySnapshot sentinel_before;
  EntrySnapshot sentinel_after;
  EntrySnapshot planted_before;
  EntrySnapshot planted_after;
  bool outside_new_exists = false;
  std::set<std::string> outside_listing;
  std::set<std::string> dir_listing;
};

// The target directory is scratch/dir and the "outside" world scratch/outside, both private
// and non-sticky, so fs.protected_symlinks cannot change the verdict and nothing leaks.
class PlantedNameFixture : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    dir_ = make_subdir("dir");
    outside_ = make_subdir("outside");
    sentinel_ = outside_ / "sentinel";
    outside_new_ = outside_ / "new";
    write_file(sentinel_, sentinel_text);
    ASSERT_EQ(::chmod(sentinel_.c_str(), 0640), 0);
    // A fixed old mtime: any write through a link would visibly move it.
    const std::array<timespec, 2> long_ago{timespec{1000000000, 0}, timespec{1000000000, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, sentinel_.c_str(), long_ago.data(), AT_SYMLINK_NOFOLLOW), 0);
  }

  void TearDown() override {
    // Only our own trees: anything that escaped into scratch/ is still caught by the base.
    force_remove_all(dir_);
    force_remove_all(outside_);
    ScratchTest::TearDown();
  }

  [[nodiscard]] fs::path planted_path() const {
    return dir_ / (std::string(planted_prefix) + planted_name + planted_suffix);
  }
  [[nodiscard]] fs::path fresh_path() const {
    return dir_ / (std::string(planted_prefix) + fresh_name + planted_suffix);
  }

  void plant(Plant plant) const {
    const fs::path path = planted_path();
    switch (plant) {
      case Plant::regular_file:
        write_file(path, "planted by the attacker\n");
        break;
      case Plant::dangling_symlink:
        ASSERT_EQ(::symlink(outside_new_.c_str(), path.c_str()), 0);
        break;
      case Plant::symlink_to_sentinel:
        ASSERT_EQ(::symlink(sentinel_.c_str(), path.c_str()), 0);
        break;
      case Plant::directory:
        ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
        break;
      case Plant::fifo:
        ASSERT_EQ(::mkfifo(path.c_str(), 0666), 0);
        break;
      case Plant::hard_link:
        ASSERT_EQ(::link(sentinel_.c_str(), path.c_str()), 0);
        break;
    }
  }

  // Plants, snapshots, runs `creator` in a child under a 5 s deadline (a FIFO that blocks
  // the open shows up as child_hit_deadline), then snapshots again.
  PlantOutcome run_against_plant(Plant plant_kind,
                                 const std::function<Attempt(create::NameSource&)>& creator,
                                 unsigned deadline_seconds = 5) {
    PlantOutcome outcome;
    plant(plant_kind);
    outcome.sentinel_before = snapshot(sentinel_);
    outcome.planted_before = snapshot(planted_path());
    outcome.child = run_child(
        [&](std::string& out) {
          ScriptedNames names({planted_name, fresh_name});
          Attempt attempt = creator(names);
          attempt.name_calls = names.calls();
          out = encode(attempt);
          return 0;
        },
        deadline_seconds);
    const std::vector<Attempt> attempts = decode_all(outcome.child.output);
    if (attempts.size() == 1) {
      outcome.attempt = attempts.front();
    }
    outcome.sentinel_after = snapshot(sentinel_);
    outcome.planted_after = snapshot(planted_path());
    outcome.outside_new_exists = snapshot(outside_new_).exists;
    outcome.outside_listing = list_dir(outside_);
    outcome.dir_listing = list_dir(dir_);
    return outcome;
  }

  fs::path dir_;
  fs::path outside_;
  fs::path sentinel_;
  fs::path outside_new_;
};

class PlantedNameTest : public PlantedNameFixture,
                        public ::testing::WithParamInterface<std::tuple<EntryKind, Plant>> {};

TEST_P(PlantedNameTest, A1_CreationSkipsThePlantedNameAndTouchesNothingOutside) {
  // Not a structured binding: clang 14 cannot capture those in the lambda below.
  const EntryKind kind = std::get<0>(GetParam());
  const Plant plant_kind = std::get<1>(GetParam());
  const PlantOutcome outcome = run_against_plant(plant_kind, [&](create::NameSource& names) {
    return attempt_create(kind, dir_, planted_prefix, planted_suffix, names);
  });

  ASSERT_NE(outcome.child.status, child_hit_deadline) << "creation blocked on the planted entry";
  ASSERT_EQ(outcome.child.status, 0) << outcome.child.output;
  const Attempt& attempt = outcome.attempt;
  ASSERT_TRUE(attempt.created) << attempt.what << attempt.other_failure;
  // Two names drawn and the second one used: the first gave EEXIST (the only retried errno).
  EXPECT_EQ(attempt.name_calls, 2);
  EXPECT_EQ(attempt.path, fresh_path().native());

  const EntrySnapshot created = snapshot(fresh_path());
  if (kind == EntryKind::file) {
    EXPECT_TRUE(S_ISREG(created.mode)) << describe(created);
    EXPECT_EQ(created.size, 0);
    EXPECT_EQ(created.links, 1U);
  } else {
    EXPECT_TRUE(S_ISDIR(created.mode)) << describe(created);
  }
  EXPECT_NE(created.inode, outcome.sentinel_before.inode);

  EXPECT_EQ(outcome.planted_after, outcome.planted_before)
      << "before: " << describe(outcome.planted_before)
      << "\nafter:  " << describe(outcome.planted_after);
  EXPECT_EQ(outcome.sentinel_after, outcome.sentinel_before)
      << "before: " << describe(outcome.sentinel_before)
      << "\nafter:  " << describe(outcome.sentinel_after);
  EXPECT_EQ(outcome.sentinel_after.content, sentinel_text);
  EXPECT_FALSE(outcome.outside_new_exists) << "creation followed the planted link out of dir/";
  EXPECT_EQ(outcome.outside_listing, std::set<std::string>{"sentinel"});
  EXPECT_EQ(outcome.dir_listing, (std::set<std::string>{planted_path().filename().string(),
                                                        fresh_path().filename().string()}));
}

INSTANTIATE_TEST_SUITE_P(
    EveryPlantForFilesAndDirectories, PlantedNameTest,
    ::testing::Combine(::testing::Values(EntryKind::file, EntryKind::directory),
                       ::testing::Values(Plant::regular_file, Plant::dangling_symlink,
                                         Plant::symlink_to_sentinel, Plant::directory, Plant::fifo,
                                         Plant::hard_link)),
    [](const ::testing::TestParamInfo<std::tuple<EntryKind, Plant>>& param_info) {
      return std::string(std::get<0>(param_info.param) == EntryKind::file ? "File" : "Directory") +
             "Over" + plant_name(std::get<1>(param_info.param));
    });

// security.md rule 10, the positive control: the same harness run against a naive creator
// (open with O_CREAT but without O_EXCL|O_NOFOLLOW) must see the attack succeed; otherwise the
// passing tests above would prove nothing.
Attempt naive_create(const fs::path& dir, create::NameSource& names) {
  const fs::path path =
      dir / (std::string(planted_prefix) + std::string(names.next()) + planted_suffix);
  return record_attempt([&] {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw std::system_error(errno, std::generic_category(), "naive open");
    }
    static constexpr char payload[] = "written by the victim program\n";
    const bool wrote = ::write(fd, payload, sizeof payload - 1) == sizeof payload - 1;
    ::close(fd);
    if (!wrote) {
      throw std::system_error(errno, std::generic_category(), "naive write");
    }
    return path.native();
  });
}

class PositiveControlTest : public PlantedNameFixture {};

TEST_F(PositiveControlTest, A1_NaiveCreatorFollowsADanglingSymlinkOutOfTheDirectory) {
  const PlantOutcome outcome =
      run_against_plant(Plant::dangling_symlink,
                        [&](create::NameSource& names) { return naive_create(dir_, names); });
  ASSERT_EQ(outcome.child.status, 0) << outcome.child.output;
  EXPECT_TRUE(outcome.attempt.created) << outcome.attempt.other_failure;
  EXPECT_EQ(outcome.attempt.name_calls, 1);
  EXPECT_EQ(outcome.attempt.path, planted_path().native());
  // The harness detects the attack: the file appeared outside the target directory.
  EXPECT_TRUE(outcome.outside_new_exists);
  EXPECT_EQ(outcome.outside_listing, (std::set<std::string>{"new", "sentinel"}));
}

TEST_F(PositiveControlTest, A1_NaiveCreatorWritesThroughASymlinkIntoTheSentinel) {
  const PlantOutcome outcome =
      run_against_plant(Plant::symlink_to_sentinel,
                        [&](create::NameSource& names) { return naive_create(dir_, names); });
  ASSERT_EQ(outcome.child.status, 0) << outcome.child.output;
  EXPECT_TRUE(outcome.attempt.created) << outcome.attempt.other_failure;
  // The harness detects the attack: the sentinel's content, size and mtime all moved.
  EXPECT_FALSE(outcome.sentinel_after == outcome.sentinel_before);
  EXPECT_NE(outcome.sentinel_after.content, outcome.sentinel_before.content);
  EXPECT_NE(outcome.sentinel_after.modified.tv_sec, outcome.sentinel_before.modified.tv_sec);
  EXPECT_EQ(outcome.sentinel_after.inode, outcome.sentinel_before.inode);
}

TEST_F(PositiveControlTest, A1_NaiveCreatorWritesThroughAHardLinkIntoTheSentinel) {
  const PlantOutcome outcome = run_against_plant(
      Plant::hard_link, [&](create::NameSource& names) { return naive_create(dir_, names); });
  ASSERT_EQ(outcome.child.status, 0) << outcome.child.output;
  EXPECT_TRUE(outcome.attempt.created) << outcome.attempt.other_failure;
  EXPECT_NE(outcome.sentinel_after.content, outcome.sentinel_before.content);
}

TEST_F(PositiveControlTest, A1_NaiveWriterBlocksOnAPlantedFifoAndTheDeadlineCatchesIt) {
  // A plain O_WRONLY open of a FIFO waits for a reader forever: the harness must turn that
  // into child_hit_deadline, or "nothing blocks" above would be unobservable.
  const fs::path planted = planted_path();
  const PlantOutcome outcome = run_against_plant(
      Plant::fifo,
      [&](create::NameSource& names) {
        static_cast<void>(names.next());
        return record_attempt([&] {
          const int fd = ::open(planted.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
          ::close(fd);
          return planted.native();
        });
      },
      1);
  EXPECT_EQ(outcome.child.status, child_hit_deadline) << outcome.child.output;
}

// A1's last clause: when every candidate is taken the loop stops after TMP_MAX names with
// EEXIST and says so, rather than spinning forever or reporting a misleading errno.
class NameExhaustionTest : public PlantedNameFixture,
                           public ::testing::WithParamInterface<EntryKind> {};

TEST_P(NameExhaustionTest, A1_GivesUpAfterTmpMaxNamesWithEexist) {
  const EntryKind kind = GetParam();
  plant(Plant::symlink_to_sentinel);
  const EntrySnapshot sentinel_before = snapshot(sentinel_);
  RepeatingName names(planted_name);
  const Attempt attempt = attempt_create(kind, dir_, planted_prefix, planted_suffix, names);
  ASSERT_TRUE(attempt.threw_error) << attempt.path << attempt.other_failure;
  EXPECT_EQ(attempt.code, EEXIST);
  EXPECT_EQ(names.calls(), tempfile::TMP_MAX);
  EXPECT_EQ(attempt.path1, dir_.native());
  EXPECT_THAT(attempt.what, ::testing::HasSubstr(dir_.native()));
  EXPECT_THAT(attempt.what,
              ::testing::HasSubstr(std::to_string(tempfile::TMP_MAX) + " names tried"));
  EXPECT_THAT(attempt.what, ::testing::HasSubstr(kind == EntryKind::file
                                                     ? "No usable temporary file name found"
                                                     : "No usable temporary directory name found"));
  EXPECT_EQ(snapshot(sentinel_), sentinel_before);
  EXPECT_EQ(list_dir(dir_), std::set<std::string>{planted_path().filename().string()});
}

INSTANTIATE_TEST_SUITE_P(FilesAndDirectories, NameExhaustionTest,
                         ::testing::Values(EntryKind::file, EntryKind::directory),
                         [](const ::testing::TestParamInfo<EntryKind>& param_info) {
                           return std::string(param_info.param == EntryKind::file ? "File"
                                                                                  : "Directory");
                         });

}  // namespace
}  // namespace tempfile::test
