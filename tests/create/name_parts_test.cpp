// SPDX-License-Identifier: MIT
// Prefixes and suffixes that would place the entry outside `dir` ('/' or NUL) are rejected by
// every creation function before anything is created.
#include <gmock/gmock.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

using namespace std::string_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Property;
using ::testing::Throws;

class NamePartsTest : public test::ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    inner_ = make_subdir("inner");
  }
  void TearDown() override {
    // Python would have created "x…" in the scratch directory, next to "inner".
    EXPECT_EQ(test::list_dir(scratch()), std::set<std::string>{"inner"});
    EXPECT_TRUE(test::list_dir(inner_).empty());
    std::filesystem::remove(inner_);
    ScratchTest::TearDown();
  }

  std::filesystem::path inner_;
};

auto invalid_argument_naming(const std::string& function, const std::string& argument,
                             const std::string& shown_value) {
  return Throws<std::invalid_argument>(
      Property(&std::invalid_argument::what,
               AllOf(HasSubstr(function), HasSubstr(argument), HasSubstr(shown_value))));
}

TEST_F(NamePartsTest, MkstempRejectsParentPrefix) {
  EXPECT_THAT([&] { static_cast<void>(mkstemp({.prefix = "../x", .dir = inner_})); },
              invalid_argument_naming("mkstemp", "prefix", "'../x'"));
}

TEST_F(NamePartsTest, MkdtempRejectsParentPrefix) {
  EXPECT_THAT([&] { static_cast<void>(mkdtemp({.prefix = "../x", .dir = inner_})); },
              invalid_argument_naming("mkdtemp", "prefix", "'../x'"));
}

TEST_F(NamePartsTest, MktempRejectsParentPrefix) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_THAT([&] { static_cast<void>(mktemp({.prefix = "../x", .dir = inner_})); },
              invalid_argument_naming("mktemp", "prefix", "'../x'"));
#pragma GCC diagnostic pop
}

TEST_F(NamePartsTest, SuffixWithSlashIsRejected) {
  EXPECT_THAT([&] { static_cast<void>(mkstemp({.suffix = "/../../x", .dir = inner_})); },
              invalid_argument_naming("mkstemp", "suffix", "'/../../x'"));
}

TEST_F(NamePartsTest, SuffixWithNulIsRejected) {
  // Without the check the name would silently end at the NUL: "tmpXXXXXXXX.a".
  const std::string suffix = ".a\0.b"s;
  EXPECT_THAT([&] { static_cast<void>(mkstemp({.suffix = suffix, .dir = inner_})); },
              invalid_argument_naming("mkstemp", "suffix", "'.a\\x00.b'"));
  EXPECT_THAT([&] { static_cast<void>(mkdtemp({.suffix = suffix, .dir = inner_})); },
              invalid_argument_naming("mkdtemp", "suffix", "'.a\\x00.b'"));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_THAT([&] { static_cast<void>(mktemp({.suffix = suffix, .dir = inner_})); },
              invalid_argument_naming("mktemp", "suffix", "'.a\\x00.b'"));
#pragma GCC diagnostic pop
}

TEST_F(NamePartsTest, PrefixWithNulIsRejected) {
  EXPECT_THAT([&] { static_cast<void>(mkstemp({.prefix = "a\0"s, .dir = inner_})); },
              invalid_argument_naming("mkstemp", "prefix", "'a\\x00'"));
}

}  // namespace
}  // namespace tempfile
