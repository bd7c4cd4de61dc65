// SPDX-License-Identifier: MIT
// A GoogleTest program that uses tempfile::gtest the ways users do, passing and failing on
// purpose: driver.py runs it (it is not a test itself) and checks what it leaves on disk.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tempfile/gtest.hpp"

namespace fs = std::filesystem;
using tempfile::gtest::artifact_dir;
using tempfile::gtest::new_tmp_path;
using tempfile::gtest::tmp_path;

namespace {

void write(const fs::path& file, const char* text) {
  std::ofstream(file) << text;
}

}  // namespace

TEST(Free, Passes) {
  const fs::path dir = tmp_path();
  EXPECT_EQ(dir, tmp_path());
  write(dir / "data.txt", "data");
  fs::create_directories(dir / "a" / "b");
  const fs::path second = new_tmp_path();
  EXPECT_NE(second, dir);
  write(second / "more.txt", "more");
}

TEST(Free, Fails) {
  write(tmp_path() / "data.txt", "evidence");
  ADD_FAILURE() << "failing on purpose";
}

TEST(Free, Skipped) {
  write(tmp_path() / "data.txt", "data");
  GTEST_SKIP() << "skipping on purpose";
}

TEST(Free, Unused) {}

TEST(Free, WritesArtifact) {
  write(artifact_dir() / "log.txt", "log");
}

TEST(Free, AVeryLongTestNameThatGoesOnAndOnWellBeyondTheSixtyCharacterLimit) {
  write(tmp_path() / "data.txt", "data");
  ADD_FAILURE() << "failing on purpose, to keep the long name";
}

// The test puts a symbolic link in place of its directory: the remover refuses it (it never
// follows a link out of the tree), and that failure must fail the test.
TEST(Cleanup, FailsTheTest) {
  const fs::path dir = tmp_path();
  const fs::path target = artifact_dir();
  fs::remove(dir);
  fs::create_directory_symlink(target, dir);
}

class Fixture : public tempfile::gtest::TmpPathTest {};

TEST_F(Fixture, Passes) {
  write(tmp_path() / "data.txt", "data");
}

TEST_F(Fixture, Fails) {
  write(tmp_path() / "data.txt", "evidence");
  FAIL() << "failing on purpose";
}

class SetUpFails : public tempfile::gtest::TmpPathTest {
 protected:
  void SetUp() override {
    write(tmp_path() / "data.txt", "from SetUp");
    FAIL() << "SetUp failing on purpose";
  }
};

TEST_F(SetUpFails, Test) {}

class TearDownFails : public tempfile::gtest::TmpPathTest {
 protected:
  void TearDown() override { ADD_FAILURE() << "TearDown failing on purpose"; }
};

TEST_F(TearDownFails, Test) {
  write(tmp_path() / "data.txt", "data");
}

// Outside a running test there is no directory to give: tmp_path() throws std::logic_error.
class OutsideATest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      static_cast<void>(tmp_path());
    } catch (const std::logic_error&) {
      threw = true;
    }
  }
  static inline bool threw = false;
};

TEST_F(OutsideATest, TmpPathThrew) {
  EXPECT_TRUE(threw);
}

class Param : public ::testing::TestWithParam<int> {};

TEST_P(Param, UsesTmpPath) {
  write(tmp_path() / "data.txt", "data");
}

INSTANTIATE_TEST_SUITE_P(Values, Param, ::testing::Values(1, 2));

// Run alone (driver.py filters it in): the process dies with its directory made.
TEST(Crash, Aborts) {
  write(tmp_path() / "data.txt", "data");
  std::abort();
}

// Run alone: holds its run (and the run's lock) until driver.py creates the release file.
TEST(Pause, UntilReleased) {
  write(tmp_path() / "data.txt", "data");
  const char* const ready = std::getenv("SAMPLE_READY");      // NOLINT(concurrency-mt-unsafe)
  const char* const release = std::getenv("SAMPLE_RELEASE");  // NOLINT(concurrency-mt-unsafe)
  ASSERT_NE(ready, nullptr);
  ASSERT_NE(release, nullptr);
  write(ready, tempfile::gtest::run_dir().c_str());
  for (int i = 0; i < 1200 && !fs::exists(release); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// SAMPLE_SET_KEEP=failed|all|none: main sets the retention from the program, as a user's main
// would, so driver.py can check that the environment overrides it.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (const char* const keep = std::getenv("SAMPLE_SET_KEEP")) {  // NOLINT(concurrency-mt-unsafe)
    using tempfile::gtest::Keep;
    const Keep value = std::strcmp(keep, "all") == 0    ? Keep::all
                       : std::strcmp(keep, "none") == 0 ? Keep::none
                                                        : Keep::failed;
    tempfile::gtest::set_retention({.keep = value, .keep_runs = 5});
  }
  return RUN_ALL_TESTS();
}
