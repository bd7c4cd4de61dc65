// SPDX-License-Identifier: MIT
// Port of CPython's TestMktemp: every name the deprecated mktemp returns follows nameCheck and
// can then be created exclusively (nothing was there), in a private directory per test.
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "support/portable_files.hpp"
#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

class MktempTest : public test::ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    dir_ = make_subdir("mktemp");
  }
  void TearDown() override {
    // CPython's tearDown rmdir: fails if any name was left behind.
    std::error_code ec;
    std::filesystem::remove(dir_, ec);
    EXPECT_FALSE(ec) << dir_ << ": " << ec.message();
    ScratchTest::TearDown();
  }

  // CPython's mktemped helper: a name from mktemp, created with O_EXCL as _bin_openflags do.
  [[nodiscard]] std::filesystem::path do_create(const std::string& prefix,
                                                const std::string& suffix) const {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    std::filesystem::path name = mktemp({.suffix = suffix, .prefix = prefix, .dir = dir_});
#pragma GCC diagnostic pop
    EXPECT_TRUE(test::name_check(name, dir_, prefix, suffix));
    EXPECT_TRUE(test::create_new_file(name)) << "cannot create " << name << " exclusively";
    return name;
  }

  std::filesystem::path dir_;
};

TEST_F(MktempTest, Basic) {
  const std::vector<std::pair<std::string, std::string>> affixes = {
      {"", ""}, {"a", ""}, {"", "b"}, {"a", "b"}, {"aa", ".txt"}};
  for (const auto& [prefix, suffix] : affixes) {
    SCOPED_TRACE(test::describe_affixes(prefix, suffix));
    std::filesystem::remove(do_create(prefix, suffix));
  }
}

TEST_F(MktempTest, Many) {
  // All 100 exist at once, so each later name had to avoid the earlier files.
  std::set<std::filesystem::path> names;
  for (int i = 0; i < 100; ++i) {
    names.insert(do_create("tmp", ""));
  }
  EXPECT_EQ(names.size(), 100U);
  EXPECT_EQ(test::list_dir(dir_).size(), 100U);
  for (const auto& name : names) {
    std::filesystem::remove(name);
  }
}

}  // namespace
}  // namespace tempfile
