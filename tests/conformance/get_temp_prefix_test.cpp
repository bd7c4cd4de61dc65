// SPDX-License-Identifier: MIT
// Port of CPython's TestGetTempPrefix: the default prefix is sane and can start a file name.
//
// not ported: test_sane_template's gettempprefixb() half — there is no bytes variant in C++.
#include <filesystem>
#include <string>

#include "conformance/conformance_helpers.hpp"
#include "support/portable_files.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

class GetTempPrefixTest : public test::ScratchTest {};

TEST_F(GetTempPrefixTest, SaneTemplate) {
  const std::string prefix = gettempprefix();
  EXPECT_FALSE(prefix.empty());
  EXPECT_EQ(prefix, "tmp");
}

TEST_F(GetTempPrefixTest, UsableTemplate) {
  const std::filesystem::path dir = mkdtemp({.prefix = ""});
  const std::filesystem::path file = dir / (gettempprefix() + "xxxxxx.xxx");
  EXPECT_TRUE(test::create_new_file(file)) << "cannot create " << file;
  std::filesystem::remove(file);
  std::filesystem::remove(dir);
}

}  // namespace
}  // namespace tempfile
