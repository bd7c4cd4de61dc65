// SPDX-License-Identifier: MIT
// tempfile::error: its what() text, code and paths, and that it is caught as the standard
// exception types users already handle.
#include "tempfile/error.hpp"

#include <gmock/gmock.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

class ErrorTest : public test::ScratchTest {};

const std::error_code access_denied(EACCES, std::generic_category());

TEST_F(ErrorTest, WhatCodeAndPathsWithOnePath) {
  const error failure("cannot create file in", "/x", access_denied);
  EXPECT_STREQ(failure.what(), "tempfile: cannot create file in '/x': Permission denied");
  EXPECT_EQ(failure.code(), std::errc::permission_denied);
  EXPECT_EQ(&failure.code().category(), &std::generic_category());
  EXPECT_EQ(failure.path1(), "/x");
  EXPECT_TRUE(failure.path2().empty());
}

TEST_F(ErrorTest, WhatCodeAndPathsWithTwoPaths) {
  const error failure("cannot create directory in", "/x", "/x/tmpabcdefgh", access_denied);
  // The message names the directory only; the exact name tried is in path2().
  EXPECT_STREQ(failure.what(), "tempfile: cannot create directory in '/x': Permission denied");
  EXPECT_EQ(failure.path1(), "/x");
  EXPECT_EQ(failure.path2(), "/x/tmpabcdefgh");
}

TEST_F(ErrorTest, DetailReplacesTheReason) {
  const error failure("cannot create file in", "/x", std::make_error_code(std::errc::file_exists),
                      "No usable temporary file name found");
  EXPECT_STREQ(failure.what(),
               "tempfile: cannot create file in '/x': No usable temporary file "
               "name found");
  EXPECT_EQ(failure.code(), std::errc::file_exists);
}

TEST_F(ErrorTest, WithMessageKeepsTheMessageVerbatim) {
  const error failure =
      error::with_message("tempfile: something about several paths", "/p",
                          std::make_error_code(std::errc::no_such_file_or_directory));
  EXPECT_STREQ(failure.what(), "tempfile: something about several paths");
  EXPECT_EQ(failure.code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(failure.path1(), "/p");
  EXPECT_TRUE(failure.path2().empty());
}

TEST_F(ErrorTest, CaughtAsFilesystemError) {
  try {
    throw error("cannot create file in", "/x", access_denied);
  } catch (const std::filesystem::filesystem_error& failure) {
    // what() is virtual: the base reference still gives our text, not libstdc++'s format.
    EXPECT_STREQ(failure.what(), "tempfile: cannot create file in '/x': Permission denied");
    EXPECT_EQ(failure.code(), std::errc::permission_denied);
    EXPECT_EQ(failure.path1(), "/x");
    return;
  }
  ADD_FAILURE() << "not caught as std::filesystem::filesystem_error";
}

TEST_F(ErrorTest, CaughtAsSystemError) {
  try {
    throw error("cannot create file in", "/x", access_denied);
  } catch (const std::system_error& failure) {
    EXPECT_STREQ(failure.what(), "tempfile: cannot create file in '/x': Permission denied");
    EXPECT_EQ(failure.code(), std::errc::permission_denied);
    return;
  }
  ADD_FAILURE() << "not caught as std::system_error";
}

TEST_F(ErrorTest, ThrownByMkstempForAMissingDirectory) {
  const auto dir = scratch() / "missing";
  try {
    const auto created = mkstemp({.dir = dir});
    ADD_FAILURE() << "mkstemp succeeded: " << created.path;
  } catch (const std::filesystem::filesystem_error& failure) {
    // The path is shown as Python's repr() shows it: a backslash (Windows' separator) doubled.
    std::string shown;
    for (const char c : dir.string()) {
      shown += c == '\\' ? std::string("\\\\") : std::string(1, c);
    }
    EXPECT_STREQ(
        failure.what(),
        ("tempfile: cannot create file in '" + shown + "': No such file or directory").c_str());
    EXPECT_EQ(failure.code(), std::errc::no_such_file_or_directory);
    EXPECT_EQ(failure.path1(), dir);
    // path2() is the exact candidate tried: dir/tmp + 8 random characters.
    EXPECT_EQ(failure.path2().parent_path(), dir);
    // Checked without MatchesRegex: GoogleTest on Windows has only its simple regular
    // expressions, without [] or {}, and this test runs there too.
    const std::string name = failure.path2().filename().string();
    EXPECT_EQ(name.size(), 11U) << name;
    EXPECT_TRUE(name.starts_with("tmp")) << name;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_", 3), std::string::npos)
        << name;
  }
}

}  // namespace
}  // namespace tempfile
