// SPDX-License-Identifier: MIT
// tempfile::TMP_MAX must stay usable when <cstdio> is included after our header.
// clang-format off
#include "tempfile/dirs.hpp"

#include <cstdio>
#include <stdio.h>  // NOLINT(modernize-deprecated-headers): the C header defines the macro too
// clang-format on

#include <array>

#include "support/scratch.hpp"

namespace tempfile {
namespace {

static_assert(tempfile::TMP_MAX == 10000);
constexpr std::array<char, static_cast<std::size_t>(tempfile::TMP_MAX)> sized_by_tmp_max{};

class TmpMaxCstdioAfterTest : public test::ScratchTest {};

TEST_F(TmpMaxCstdioAfterTest, NamesOurConstant) {
  EXPECT_EQ(tempfile::TMP_MAX, 10000);
  EXPECT_EQ(sized_by_tmp_max.size(), 10000U);
  using namespace tempfile;
  const int unqualified = TMP_MAX;
  EXPECT_EQ(unqualified, 10000);
}

}  // namespace
}  // namespace tempfile
