// SPDX-License-Identifier: MIT
// The creation layer's path helpers: absolute_path against os.path.abspath (expected values
// taken from python3 3.11), and the prefix/suffix check.
#include "create/paths.hpp"

#include <gmock/gmock.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/scratch.hpp"
#include "tempfile/options.hpp"

namespace tempfile::create {
namespace {

using namespace std::string_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Property;
using ::testing::Throws;

class PathsTest : public test::ScratchTest {
 protected:
  // Relative inputs resolve against the current directory, which is the scratch directory.
  [[nodiscard]] std::string in_scratch(const std::string& rest) const {
    return scratch().string() + rest;
  }
};

TEST_F(PathsTest, AbsolutePathOfRelativeInputs) {
  EXPECT_EQ(absolute_path("rel"), in_scratch("/rel"));
  EXPECT_EQ(absolute_path("rel/"), in_scratch("/rel"));
  EXPECT_EQ(absolute_path("rel//sub/./x/.."), in_scratch("/rel/sub"));
  EXPECT_EQ(absolute_path(""), scratch().string());
  EXPECT_EQ(absolute_path("."), scratch().string());
  EXPECT_EQ(absolute_path(".."), scratch().parent_path().string());
}

TEST_F(PathsTest, AbsolutePathFromAKnownDirectory) {
  // From a fixed cwd every expectation is a literal, exactly as python3 printed it:
  // os.chdir("/"); os.path.abspath(p).
  const auto restore = std::filesystem::current_path();
  std::filesystem::current_path("/");
  EXPECT_EQ(absolute_path(""), "/");
  EXPECT_EQ(absolute_path("."), "/");
  EXPECT_EQ(absolute_path(".."), "/");
  EXPECT_EQ(absolute_path("a/../../b"), "/b");
  EXPECT_EQ(absolute_path("usr/"), "/usr");
  std::filesystem::current_path(restore);
}

TEST_F(PathsTest, AbsolutePathOfAbsoluteInputs) {
  EXPECT_EQ(absolute_path("/"), "/");
  EXPECT_EQ(absolute_path("/.."), "/");
  EXPECT_EQ(absolute_path("/../.."), "/");
  EXPECT_EQ(absolute_path("/a/b/"), "/a/b");
  EXPECT_EQ(absolute_path("/a/./b/../c"), "/a/c");
  // POSIX leaves the meaning of exactly two leading slashes to the system; Python keeps them.
  EXPECT_EQ(absolute_path("//"), "//");
  EXPECT_EQ(absolute_path("//x"), "//x");
  EXPECT_EQ(absolute_path("//x/../y"), "//y");
  EXPECT_EQ(absolute_path("//x/.."), "//");
  EXPECT_EQ(absolute_path("///"), "/");
  EXPECT_EQ(absolute_path("///x"), "/x");
  EXPECT_EQ(absolute_path("////x"), "/x");
}

TEST_F(PathsTest, CheckNamePartAcceptsPlainValues) {
  for (const std::string& value : {""s, "tmp"s, ".txt"s, "-Temp"s, ".."s, "a b"s, "a\\b"s}) {
    EXPECT_NO_THROW(check_name_part("mkstemp", "prefix", value)) << "'" << value << "'";
  }
}

TEST_F(PathsTest, CheckNamePartRejectsSlash) {
  EXPECT_THAT([] { check_name_part("mkdtemp", "prefix", "../x"); },
              Throws<std::invalid_argument>(
                  Property(&std::invalid_argument::what,
                           AllOf(HasSubstr("mkdtemp"), HasSubstr("prefix"), HasSubstr("'../x'")))));
  EXPECT_THROW(check_name_part("mkstemp", "suffix", "/"), std::invalid_argument);
  EXPECT_THROW(check_name_part("mkstemp", "suffix", "a/"), std::invalid_argument);
}

TEST_F(PathsTest, CheckNamePartRejectsNul) {
  // The NUL is shown escaped, so the message stays printable and the value recognisable.
  EXPECT_THAT(
      [] { check_name_part("NamedTemporaryFile", "suffix", "a\0b"s); },
      Throws<std::invalid_argument>(Property(
          &std::invalid_argument::what,
          AllOf(HasSubstr("NamedTemporaryFile"), HasSubstr("suffix"), HasSubstr("'a\\x00b'")))));
  EXPECT_THROW(check_name_part("mkstemp", "prefix", "\0"s), std::invalid_argument);
}

TEST_F(PathsTest, CheckNamePartMessageIsExact) {
  EXPECT_THAT([] { check_name_part("mkstemp", "prefix", "a/b"); },
              Throws<std::invalid_argument>(Property(
                  &std::invalid_argument::what,
                  ::testing::StrEq("tempfile::mkstemp: prefix 'a/b' must not contain '/' or NUL "
                                   "(the entry would not be directly inside its directory)"))));
}

}  // namespace
}  // namespace tempfile::create

namespace tempfile::create {
namespace {

class NormalAbsoluteTest : public test::ScratchTest {};

// The fast path must accept exactly what absolute_path would return unchanged.
TEST_F(NormalAbsoluteTest, AcceptsOnlyPathsAbsolutePathLeavesAlone) {
  for (const char* path : {"/", "/tmp", "/dev/shm/x", "/a/b.c/..d/.e", "/...", "/a/...", "/.x",
                           "/x.", "/x..", "/a/b."}) {
    EXPECT_TRUE(is_normal_absolute(path)) << path;
    EXPECT_EQ(absolute_path(path), path);
  }
  for (const char* path : {"", "tmp", "./x", "/tmp/", "//x", "///x", "/a//b", "/a/./b", "/a/../b",
                           "/a/.", "/a/..", "/.", "/..", "/./a", "/../a", "//"}) {
    EXPECT_FALSE(is_normal_absolute(path)) << path;
  }
}

// The rule itself, component by component, as the reference for the word-at-a-time scan.
bool normal_by_components(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  if (path.size() == 1) {
    return true;
  }
  std::string_view rest = path.substr(1);
  for (;;) {
    const std::size_t slash = rest.find('/');
    const std::string_view component = rest.substr(0, slash);
    if (component.empty() || component == "." || component == "..") {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    rest.remove_prefix(slash + 1);
  }
}

// The scan reads eight pairs of bytes at a time, with a last overlapping window and a short
// path's own loop: every path of up to 11 bytes over '/', '.' and a letter (every place a pair
// can fall in a window, its edges included), and random longer ones, are judged as the rule
// judges them.
TEST_F(NormalAbsoluteTest, TheWordAtATimeScanAgreesWithTheRule) {
  constexpr std::string_view alphabet = "/.a";
  std::size_t normal = 0;
  std::size_t checked = 0;
  std::string path;
  for (std::size_t length = 0; length <= 11; ++length) {
    std::size_t combinations = 1;
    for (std::size_t i = 0; i < length; ++i) {
      combinations *= alphabet.size();
    }
    for (std::size_t n = 0; n < combinations; ++n) {
      path.clear();
      for (std::size_t i = 0, rest = n; i < length; ++i, rest /= alphabet.size()) {
        path += alphabet[rest % alphabet.size()];
      }
      const bool expected = normal_by_components(path);
      ASSERT_EQ(is_normal_absolute(path), expected) << "'" << path << "'";
      normal += expected ? 1 : 0;
      ++checked;
    }
  }
  std::mt19937_64 random(20261205);
  constexpr std::string_view long_alphabet = "/.ab";
  for (int round = 0; round < 200000; ++round) {
    path = "/";
    const std::size_t length = 8 + random() % 70;
    while (path.size() < length) {
      path += long_alphabet[random() % long_alphabet.size()];
    }
    const bool expected = normal_by_components(path);
    ASSERT_EQ(is_normal_absolute(path), expected) << "'" << path << "'";
    normal += expected ? 1 : 0;
    ++checked;
  }
  // Both answers were drawn, many times each (the positive control of the comparison).
  EXPECT_GT(normal, 1000U);
  EXPECT_GT(checked - normal, 1000U);
}

// The parent by string work agrees with std::filesystem's on every normal absolute path.
TEST_F(NormalAbsoluteTest, ParentOfAbsoluteIsFilesystemsParent) {
  for (const char* path : {"/", "/tmp", "/dev/shm/x", "/a/b.c/..d/.e", "/a/b/c/d"}) {
    EXPECT_EQ(parent_of_absolute(path), std::filesystem::path(path).parent_path().native()) << path;
  }
  EXPECT_EQ(parent_of_absolute(""), "");
}

// DirOption checks its path once, when made: normal_absolute() says exactly what
// is_normal_absolute() says of a path with no NUL, and false for any NUL; copies and moves carry
// it; no option and a moved-from one say false.
TEST_F(NormalAbsoluteTest, ADirOptionKnowsWhetherItsPathCanBeUsedAsItIs) {
  const std::string long_path = "/" + std::string(200, 'l') + "/x";  // past the inline room
  for (const std::string& path :
       {"/"s, "/tmp"s, "/dev/shm/x"s, "/a/b.c/..d/.e"s, long_path, ""s, "tmp"s, "/tmp/"s, "/a//b"s,
        "/a/./b"s, "/a/../b"s, long_path + "/..", "/tmp\0x"s, "/tmp\0"s, long_path + '\0'}) {
    const DirOption option(path);
    const bool expected = path.find('\0') == std::string::npos && is_normal_absolute(path);
    EXPECT_EQ(option.normal_absolute(), expected) << path;
    const DirOption copy(option);
    EXPECT_EQ(copy.normal_absolute(), expected) << path;
    DirOption assigned;
    assigned = option;
    EXPECT_EQ(assigned.normal_absolute(), expected) << path;
    DirOption moved(std::move(assigned));
    EXPECT_EQ(moved.normal_absolute(), expected) << path;
    EXPECT_FALSE(assigned.normal_absolute());  // NOLINT(bugprone-use-after-move): reset
    DirOption move_assigned;
    move_assigned = std::move(moved);
    EXPECT_EQ(move_assigned.normal_absolute(), expected) << path;
    EXPECT_EQ(DirOption(std::filesystem::path(path)).normal_absolute(), expected) << path;
  }
  EXPECT_FALSE(DirOption().normal_absolute());
  EXPECT_FALSE(DirOption(std::nullopt).normal_absolute());
}

}  // namespace
}  // namespace tempfile::create
