// SPDX-License-Identifier: MIT
// The base fixture of every test: a fresh scratch directory that is the current directory and
// tempfile's default directory for the test, and checks afterwards that nothing leaked.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "tempfile/error.hpp"

namespace tempfile::test {

/// Every TEST_F of the suite derives from this. SetUp makes a private directory (0700, via
/// libc's mkdtemp, not ours), makes it the current directory and set_tempdir()'s value.
/// TearDown fails the test if anything is left in it or if a file descriptor opened during the
/// test is still open, then removes it and restores the current directory and tempdir.
class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  [[nodiscard]] const std::filesystem::path& scratch() const { return scratch_; }

  /// Makes a subdirectory of the scratch directory for a test to use (the test removes it).
  [[nodiscard]] std::filesystem::path make_subdir(const std::string& name) const;

 private:
  std::filesystem::path scratch_;
  std::filesystem::path previous_cwd_;
  std::set<int> fds_before_;
};

/// The descriptors open in this process now (/proc/self/fd, or a probe of 0..4095).
[[nodiscard]] std::set<int> open_descriptors();

/// Names in `dir` (not recursive), sorted.
[[nodiscard]] std::set<std::string> list_dir(const std::filesystem::path& dir);

/// Removes a tree even where a test made parts of it read-only or unsearchable.
void force_remove_all(const std::filesystem::path& path);

/// True when this process can ignore file permissions (root with CAP_DAC_OVERRIDE): tests of
/// EACCES then run in a child that drops to an unprivileged user (see process.hpp).
[[nodiscard]] bool permissions_are_bypassed();

}  // namespace tempfile::test

/// Expects `statement` to throw tempfile::error with code() == `errc` (a std::errc) and a
/// what() containing `text`.
#define EXPECT_TEMPFILE_ERROR(statement, errc, text)                                         \
  EXPECT_THAT([&] { static_cast<void>(statement); },                                         \
              ::testing::Throws<::tempfile::error>(::testing::AllOf(                         \
                  ::testing::Property(&::tempfile::error::code, std::make_error_code(errc)), \
                  ::testing::Property(&::tempfile::error::what, ::testing::HasSubstr(text)))))
