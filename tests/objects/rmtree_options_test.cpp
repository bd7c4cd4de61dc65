// SPDX-License-Identifier: MIT
// rmtree(path, RmtreeOptions): Python's ignore_errors spelled {.ignore_errors = true}, each
// parallel choice removing the same tree, and a pool's failures all in the cleanup_error.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "os/fd.hpp"
#include "support/immutable.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using test::list_dir;

void touch(const fs::path& path) {
  const os::FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path << ": " << std::strerror(errno);
}

void make_wide_tree(const fs::path& root, int directories) {
  for (int d = 0; d < directories; ++d) {
    const fs::path dir = root / ("d" + std::to_string(d)) / "sub";
    fs::create_directories(dir);
    touch(dir / "f");
    touch(dir.parent_path() / "g");
  }
}

class RmtreeOptionsTest : public test::ScratchTest {};

TEST_F(RmtreeOptionsTest, EveryParallelChoiceRemovesTheTree) {
  for (const RmtreeOptions& options :
       {RmtreeOptions{}, RmtreeOptions{.parallel = RmtreeParallel::never},
        RmtreeOptions{.parallel = RmtreeParallel::always, .max_threads = 2},
        RmtreeOptions{.parallel = RmtreeParallel::always}}) {
    make_wide_tree("tree", 40);
    EXPECT_NO_THROW(rmtree("tree", options));
    EXPECT_TRUE(list_dir(scratch()).empty());
  }
}

TEST_F(RmtreeOptionsTest, IgnoreErrorsReadsLikePython) {
  const fs::path missing = scratch() / "missing";
  EXPECT_THROW(rmtree(missing, {.parallel = RmtreeParallel::always}), cleanup_error);
  EXPECT_NO_THROW(rmtree(missing, {.ignore_errors = true}));
  EXPECT_NO_THROW(rmtree(missing, true));  // the bool overload still works
}

// Entries nobody can remove, in three of the subdirectories the pool's threads remove: the
// cleanup_error lists all three, as the sequential walk's does, and the rest is gone.
TEST_F(RmtreeOptionsTest, EveryEntryAPoolLeftIsInTheError) {
  make_wide_tree("tree", 40);
  std::vector<std::unique_ptr<test::Immutable>> locks;
  for (const char* dir : {"d3", "d17", "d31"}) {
    locks.push_back(std::make_unique<test::Immutable>(fs::path("tree") / dir / "sub" / "f"));
    if (!locks.back()->locked()) {
      const std::string why = locks.back()->refused();
      locks.clear();
      fs::remove_all("tree");
      GTEST_SKIP() << why;
    }
  }
  for (const RmtreeParallel parallel : {RmtreeParallel::never, RmtreeParallel::always}) {
    SCOPED_TRACE(parallel == RmtreeParallel::never ? "never" : "always");
    std::set<std::string> reported;
    try {
      rmtree("tree", {.parallel = parallel, .max_threads = 4});
      ADD_FAILURE() << "no cleanup_error";
    } catch (const cleanup_error& failure) {
      EXPECT_EQ(failure.code(), std::errc::operation_not_permitted);
      for (const cleanup_error::failure& left : failure.failures()) {
        reported.insert(left.path.lexically_relative("tree").string());
        EXPECT_EQ(left.code, std::errc::operation_not_permitted);
      }
    }
    EXPECT_EQ(reported, (std::set<std::string>{"d17/sub/f", "d3/sub/f", "d31/sub/f"}));
    EXPECT_EQ(list_dir("tree"), (std::set<std::string>{"d17", "d3", "d31"}));
    EXPECT_EQ(list_dir("tree/d3"), std::set<std::string>{"sub"});
  }
  locks.clear();
  fs::remove_all("tree");
}

}  // namespace
}  // namespace tempfile
