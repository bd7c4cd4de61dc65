// SPDX-License-Identifier: MIT
// The std::error_code overloads: cleared on success, the errno (or EINVAL for a bad argument)
// on failure, an empty result then, and nothing thrown.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "conformance/conformance_helpers.hpp"
#include "conformance/conformance_posix.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

class ErrorCodeTest : public test::ScratchTest {};

// A stale value the overloads must overwrite either way.
std::error_code stale() {
  return std::make_error_code(std::errc::io_error);
}

TEST_F(ErrorCodeTest, MkstempSuccessClearsTheCode) {
  std::error_code ec = stale();
  const auto [fd, path] = mkstemp({.suffix = ".x"}, ec);
  EXPECT_FALSE(ec) << ec.message();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(path.parent_path(), scratch());
  ::close(fd);
  std::filesystem::remove(path);

  ec = stale();
  const auto [default_fd, default_path] = mkstemp(ec);
  EXPECT_FALSE(ec) << ec.message();
  ASSERT_GE(default_fd, 0);
  ::close(default_fd);
  std::filesystem::remove(default_path);
}

TEST_F(ErrorCodeTest, MkstempFailureSetsTheErrno) {
  std::error_code ec;
  const auto [fd, path] = mkstemp({.dir = scratch() / "missing"}, ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_EQ(&ec.category(), &std::generic_category());
  EXPECT_EQ(fd, -1);
  EXPECT_TRUE(path.empty());

  const test::ScopedTempdir not_a_directory(scratch() / "file");
  std::ofstream(scratch() / "file") << "x";
  const auto [default_fd, default_path] = mkstemp(ec);
  EXPECT_EQ(ec, std::errc::not_a_directory);
  EXPECT_EQ(default_fd, -1);
  EXPECT_TRUE(default_path.empty());
  std::filesystem::remove(scratch() / "file");
}

TEST_F(ErrorCodeTest, MkstempInvalidPrefixIsInvalidArgument) {
  std::error_code ec;
  const auto [fd, path] = mkstemp({.prefix = "a/b"}, ec);
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(fd, -1);
  EXPECT_TRUE(path.empty());
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(ErrorCodeTest, MkdtempSuccessClearsTheCode) {
  std::error_code ec = stale();
  const std::filesystem::path dir = mkdtemp({.prefix = "d"}, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  std::filesystem::remove(dir);

  ec = stale();
  const std::filesystem::path default_dir = mkdtemp(ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(default_dir.parent_path(), scratch());
  std::filesystem::remove(default_dir);
}

TEST_F(ErrorCodeTest, MkdtempFailureSetsTheErrno) {
  std::error_code ec;
  EXPECT_TRUE(mkdtemp({.dir = scratch() / "missing"}, ec).empty());
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);

  const test::ScopedTempdir missing(scratch() / "missing");
  ec.clear();
  EXPECT_TRUE(mkdtemp(ec).empty());
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

TEST_F(ErrorCodeTest, MkdtempInvalidSuffixIsInvalidArgument) {
  std::error_code ec;
  EXPECT_TRUE(mkdtemp({.suffix = "/x"}, ec).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(ErrorCodeTest, GettempdirSuccessClearsTheCode) {
  std::error_code ec = stale();
  EXPECT_EQ(gettempdir(ec), scratch());
  EXPECT_FALSE(ec) << ec.message();
}

TEST_F(ErrorCodeTest, GettempdirFailureSetsEnoent) {
  // A real fault: in a child that may not grow any file, no candidate accepts the probe write.
  const int status = test::run_in_child([] {
    set_tempdir(std::nullopt);
    if (!test::forbid_file_growth()) {
      return 10;
    }
    std::error_code ec;
    const std::filesystem::path found = gettempdir(ec);
    if (ec != std::errc::no_such_file_or_directory || !found.empty()) {
      static_cast<void>(
          std::fprintf(stderr, "gettempdir(ec): '%s', %s\n", found.c_str(), ec.message().c_str()));
      return 1;
    }
    // A failed search caches nothing.
    return tempdir().has_value() ? 2 : 0;
  });
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace tempfile
