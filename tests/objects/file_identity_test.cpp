// SPDX-License-Identifier: MIT
// name() and path(): which file objects have a path, and that a descriptor number is never
// taken for one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "support/scratch.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

class FileIdentityTest : public test::ScratchTest {};

// Python's name of an unnamed file is its descriptor number; as a std::filesystem::path that is
// a relative path, which resolves against the current directory. path() says there is none.
TEST_F(FileIdentityTest, UnnamedFilesHaveADescriptorNumberForANameAndNoPath) {
  TemporaryFile f;
  EXPECT_EQ(f.name(), std::to_string(f.fileno()));
  EXPECT_EQ(f.path(), std::nullopt);
  // The trap path() avoids: a file of that name in the current directory (the scratch
  // directory) makes the number "exist".
  const fs::path decoy = scratch() / f.name();
  std::ofstream(decoy) << "somebody else's";
  EXPECT_TRUE(fs::exists(f.name()));
  EXPECT_EQ(f.path(), std::nullopt);
  fs::remove(decoy);
}

TEST_F(FileIdentityTest, NamedFilesHaveTheirAbsolutePath) {
  NamedTemporaryFile f;
  ASSERT_TRUE(f.path().has_value());
  EXPECT_EQ(*f.path(), f.name());
  EXPECT_TRUE(f.path()->is_absolute());
  EXPECT_TRUE(fs::exists(*f.path()));
  const fs::path where = *f.path();
  f.close();
  EXPECT_EQ(f.path(), where);  // as name(): kept after close (the file is gone)
  EXPECT_FALSE(fs::exists(where));
}

TEST_F(FileIdentityTest, NamedTextFilesHaveTheirPathToo) {
  NamedTemporaryFile f("w+");
  EXPECT_EQ(f.path(), f.name());
}

TEST_F(FileIdentityTest, SpooledFilesHaveNoPathBeforeOrAfterRollover) {
  SpooledTemporaryFile f;
  EXPECT_TRUE(f.name().empty());
  EXPECT_EQ(f.path(), std::nullopt);
  f.rollover();
  EXPECT_EQ(f.name(), std::to_string(f.fileno()));
  EXPECT_EQ(f.path(), std::nullopt);
}

TEST_F(FileIdentityTest, MovedFromFileHasNoPath) {
  NamedTemporaryFile a;
  NamedTemporaryFile b(std::move(a));
  EXPECT_EQ(a.path(), std::nullopt);  // NOLINT(bugprone-use-after-move): inert, by contract
  EXPECT_TRUE(b.path().has_value());
}

}  // namespace
}  // namespace tempfile
