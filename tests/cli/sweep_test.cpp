// SPDX-License-Identifier: MIT
// tempfile-cli sweep: a dead owner's leftovers removed, a live owner's kept, and a line for
// each saying so.
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

class SweepCliTest : public ScratchTest {
 protected:
  Finished sweep(std::vector<std::string> args) {
    args.insert(args.begin(), {cli_program.string(), "sweep"});
    return run_to_end(args, {}, scratch());
  }
};

TEST_F(SweepCliTest, RemovesTheDeadsLeftoversKeepsTheLivesAndSaysWhy) {
  const fs::path dir = make_subdir("area");
  // mkdtemp holds no lock: as a killed owner's directory looks.
  const fs::path dead = tempfile::mkdtemp({.prefix = "job-", .dir = dir});
  std::ofstream(dead / "partial") << "x";
  std::optional<TemporaryDirectory> live(std::in_place,
                                         TemporaryDirectoryOptions{.prefix = "job-", .dir = dir});
  fs::create_symlink("/", dir / "job-abcdefgh");

  const Finished dry = sweep({dir.string(), "--prefix", "job-", "--min-age", "0", "--dry-run"});
  EXPECT_EQ(dry.status, 0) << dry.err;
  EXPECT_THAT(dry.out, ::testing::HasSubstr("would remove directory " + dead.string() + "\n"));
  EXPECT_TRUE(fs::exists(dead));

  const Finished young = sweep({dir.string(), "--prefix", "job-"});
  EXPECT_EQ(young.status, 0);
  EXPECT_THAT(young.out,
              ::testing::HasSubstr("left " + dead.string() +
                                   ": too young (modified less than 86400 seconds ago)\n"));

  const Finished got = sweep({dir.string(), "--prefix", "job-", "--min-age", "0"});
  EXPECT_EQ(got.status, 0) << got.err;
  EXPECT_THAT(got.out, ::testing::HasSubstr("removed directory " + dead.string() + "\n"));
  EXPECT_THAT(got.out, ::testing::HasSubstr("left " + live->path().string() +
                                            ": in use (a live owner holds its lock)\n"));
  EXPECT_THAT(got.out, ::testing::HasSubstr("left " + (dir / "job-abcdefgh").string() +
                                            ": not a regular file or directory (never touched)\n"));
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live->path()));
  fs::remove(dir / "job-abcdefgh");
  live.reset();
  fs::remove(dir);
}

TEST_F(SweepCliTest, AnUnreadableDirectoryIsStatus1AndBadUsage2) {
  const Finished got = sweep({(scratch() / "missing").string()});
  EXPECT_EQ(got.status, 1);
  EXPECT_THAT(got.err, ::testing::HasSubstr("sweep: cannot read '"));
  EXPECT_EQ(sweep({}).status, 2);
  EXPECT_EQ(sweep({scratch().string(), "--min-age", "-1"}).status, 2);
}

}  // namespace
}  // namespace tempfile::test
