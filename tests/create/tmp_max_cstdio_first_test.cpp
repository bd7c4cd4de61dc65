// SPDX-License-Identifier: MIT
// tempfile::TMP_MAX must stay usable when <cstdio> (and its TMP_MAX macro) comes first.
// clang-format off
#include <cstdio>

#include "tempfile/dirs.hpp"
// clang-format on

#include <array>

#include "support/scratch.hpp"

namespace tempfile {
namespace {

// Compiling these is most of the test: with the macro still defined, each line would read
// "tempfile::238328" or declare a variable named by a number.
static_assert(tempfile::TMP_MAX == 10000);
constexpr std::array<char, static_cast<std::size_t>(tempfile::TMP_MAX)> sized_by_tmp_max{};

class TmpMaxCstdioFirstTest : public test::ScratchTest {};

TEST_F(TmpMaxCstdioFirstTest, NamesOurConstant) {
  EXPECT_EQ(tempfile::TMP_MAX, 10000);
  EXPECT_EQ(sized_by_tmp_max.size(), 10000U);
  using namespace tempfile;
  const int unqualified = TMP_MAX;
  EXPECT_EQ(unqualified, 10000);
}

TEST_F(TmpMaxCstdioFirstTest, CValueIsKept) {
#if defined(__GLIBC__)
  EXPECT_EQ(tempfile::c_tmp_max, 238328);
#else
  EXPECT_GT(tempfile::c_tmp_max, 0);
#endif
}

}  // namespace
}  // namespace tempfile
