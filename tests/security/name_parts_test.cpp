// SPDX-License-Identifier: MIT
// security.md A8: a prefix or suffix that would leave the directory ("../escaped-", "/x") or
// smuggle a NUL is refused by mkstemp, mkdtemp and mktemp before anything is created; plus
// 10,000 creations without a repeated name (A2's uniqueness at the creation layer).
#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "harness.hpp"
#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile::test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

struct BadPart {
  const char* label;
  std::string prefix;
  std::string suffix;
  const char* argument;  // which argument the message must name
};

class NamePartTest : public ScratchTest, public ::testing::WithParamInterface<BadPart> {
 protected:
  // scratch/dir is the target; an escape would land in scratch/ itself, next to it.
  void SetUp() override {
    ScratchTest::SetUp();
    dir_ = make_subdir("dir");
  }
  void TearDown() override {
    EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"dir"}) << "something escaped dir/";
    EXPECT_TRUE(list_dir(dir_).empty());
    fs::remove(dir_);
    ScratchTest::TearDown();
  }
  fs::path dir_;
};

// what() must say which function and which argument was refused.
auto RefusedArgument(const char* function, const char* argument) {
  return ::testing::Throws<std::invalid_argument>(::testing::Property(
      &std::invalid_argument::what, ::testing::AllOf(HasSubstr(function), HasSubstr(argument))));
}

TEST_P(NamePartTest, A8_MkstempRefusesIt) {
  const BadPart& bad = GetParam();
  EXPECT_THAT(
      [&] {
        static_cast<void>(tempfile::mkstemp({bad.suffix, bad.prefix, dir_}));
      },
      RefusedArgument("mkstemp", bad.argument));
  std::error_code ec;
  const auto [fd, path] = tempfile::mkstemp({bad.suffix, bad.prefix, dir_}, ec);
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(fd, -1);
  EXPECT_TRUE(path.empty());
}

TEST_P(NamePartTest, A8_MkdtempRefusesIt) {
  const BadPart& bad = GetParam();
  EXPECT_THAT(
      [&] {
        static_cast<void>(tempfile::mkdtemp({bad.suffix, bad.prefix, dir_}));
      },
      RefusedArgument("mkdtemp", bad.argument));
  std::error_code ec;
  EXPECT_TRUE(tempfile::mkdtemp({bad.suffix, bad.prefix, dir_}, ec).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
}

TEST_P(NamePartTest, A8_MktempRefusesIt) {
  const BadPart& bad = GetParam();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_THAT(
      [&] {
        static_cast<void>(tempfile::mktemp({bad.suffix, bad.prefix, dir_}));
      },
      RefusedArgument("mktemp", bad.argument));
#pragma GCC diagnostic pop
}

INSTANTIATE_TEST_SUITE_P(
    EscapingParts, NamePartTest,
    ::testing::Values(BadPart{"ParentPrefix", "../escaped-", "", "prefix"},
                      BadPart{"SlashSuffix", "tmp", "/x", "suffix"},
                      BadPart{"AbsolutePrefix", "/tmp/abs-", "", "prefix"},
                      BadPart{"NulPrefix", std::string("tmp\0../x", 8), "", "prefix"},
                      BadPart{"NulSuffix", "tmp", std::string(".c\0/x", 5), "suffix"}),
    [](const ::testing::TestParamInfo<BadPart>& param_info) { return param_info.param.label; });

class ManyNamesTest : public ScratchTest {};

TEST_F(ManyNamesTest, A2_TenThousandMkstempNamesAreDistinct) {
  const FastDirectory many(scratch());
  const fs::path& dir = many.path();
  constexpr int count = 10000;
  std::set<std::string> names;
  std::vector<fs::path> paths;
  paths.reserve(count);
  for (int i = 0; i < count; ++i) {
    const auto [fd, path] = tempfile::mkstemp({.dir = dir});
    ASSERT_GE(fd, 0);
    ::close(fd);
    EXPECT_TRUE(names.insert(path.filename().string()).second) << "repeated " << path;
    paths.push_back(path);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(list_dir(dir), names);
  for (const fs::path& path : paths) {
    EXPECT_EQ(::unlink(path.c_str()), 0);
  }
  EXPECT_TRUE(list_dir(dir).empty());
}

}  // namespace
}  // namespace tempfile::test
