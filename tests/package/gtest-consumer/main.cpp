// SPDX-License-Identifier: MIT
// A passing GoogleTest test of a downstream project using the installed tempfile::gtest.
#include <filesystem>
#include <fstream>
#include <tempfile/gtest.hpp>

class Consumer : public tempfile::gtest::TmpPathTest {};

TEST_F(Consumer, WritesInItsDirectory) {
  std::ofstream(tmp_path() / "data.txt") << "data";
  EXPECT_TRUE(std::filesystem::exists(tmp_path() / "data.txt"));
  EXPECT_EQ(tmp_path(), tempfile::gtest::tmp_path());
}
