// SPDX-License-Identifier: MIT
// Port of CPython's TestCandidateTempdirList: the search list is never empty, and holds the
// environment's TMPDIR, TEMP and TMP verbatim, plus the current directory.
#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "create/tempdir.hpp"
#include "support/scratch.hpp"

namespace tempfile::create {
namespace {

using ::testing::Contains;

class CandidateTempdirListTest : public test::ScratchTest {};

TEST_F(CandidateTempdirListTest, NonemptyList) {
  const std::vector<std::string> candidates = candidate_tempdir_list();
  ASSERT_FALSE(candidates.empty());
  for (const std::string& candidate : candidates) {
    EXPECT_FALSE(candidate.empty());
  }
}

TEST_F(CandidateTempdirListTest, WantedDirs) {
  // Values that no normalisation would leave alone (relative, trailing '/', "..", "~"), so
  // finding them proves they are taken verbatim.
  const std::string tmpdir_value = scratch().string() + "/tmpdir-value/";
  const std::string temp_value = "relative/../temp-value";
  const std::string tmp_value = "~/tmp-value";
  const test::ScopedEnvironmentVariable tmpdir("TMPDIR", tmpdir_value);
  const test::ScopedEnvironmentVariable temp("TEMP", temp_value);
  const test::ScopedEnvironmentVariable tmp("TMP", tmp_value);

  const std::vector<std::string> candidates = candidate_tempdir_list();
  EXPECT_THAT(candidates, Contains(tmpdir_value));
  EXPECT_THAT(candidates, Contains(temp_value));
  EXPECT_THAT(candidates, Contains(tmp_value));
  EXPECT_THAT(candidates, Contains(scratch().string()));  // the current directory
}

}  // namespace
}  // namespace tempfile::create
