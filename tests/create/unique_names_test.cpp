// SPDX-License-Identifier: MIT
// Ten thousand mkstemp files held at once: no name is ever handed out twice.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

class UniqueNamesTest : public test::ScratchTest {};

TEST_F(UniqueNamesTest, TenThousandMkstempWithoutADuplicate) {
  constexpr int count = 10000;
  const auto dir = make_subdir("many");
  std::set<std::string> paths;
  for (int i = 0; i < count; ++i) {
    const auto [fd, path] = mkstemp({.dir = dir});
    ASSERT_GE(fd, 0);
    ::close(fd);
    EXPECT_TRUE(paths.insert(path.string()).second) << "duplicate " << path;
  }
  EXPECT_EQ(paths.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(test::list_dir(dir).size(), static_cast<std::size_t>(count));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tempfile
