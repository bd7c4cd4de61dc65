// SPDX-License-Identifier: MIT
// The default directory: tempdir()/set_tempdir() as Python's module variable, the candidate
// order from the environment, and the error that lists every rejected candidate.
#include "create/tempdir.hpp"

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "conformance/conformance_posix.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace {

using ::testing::ElementsAre;

class TempdirTest : public test::ScratchTest {};

TEST_F(TempdirTest, NulloptBeforeASearch) {
  const test::ScopedTempdir restore(std::nullopt);
  EXPECT_EQ(tempdir(), std::nullopt);
}

TEST_F(TempdirTest, HoldsTheSearchResultAfterGettempdir) {
  const auto searched = make_subdir("searched");
  {
    const test::ScopedEnvironmentVariable tmpdir("TMPDIR", searched.string());
    const test::ScopedTempdir restore(std::nullopt);
    EXPECT_EQ(gettempdir(), searched);
    EXPECT_EQ(tempdir(), searched);
  }
  std::filesystem::remove(searched);
}

TEST_F(TempdirTest, SearchResultIsCachedUntilReset) {
  const auto first = make_subdir("first");
  const auto second = make_subdir("second");
  {
    const test::ScopedTempdir restore(std::nullopt);
    test::ScopedEnvironmentVariable tmpdir("TMPDIR", first.string());
    EXPECT_EQ(gettempdir(), first);
    {
      const test::ScopedEnvironmentVariable changed("TMPDIR", second.string());
      EXPECT_EQ(gettempdir(), first);  // the environment is read once
      set_tempdir(std::nullopt);
      EXPECT_EQ(gettempdir(), second);  // until the cache is reset
    }
  }
  std::filesystem::remove(first);
  std::filesystem::remove(second);
}

TEST_F(TempdirTest, SetTempdirIsReturnedVerbatimWithoutChecks) {
  const test::ScopedTempdir restore;
  const std::filesystem::path nowhere = "/nonexistent/tempfile-test";
  set_tempdir(nowhere);
  EXPECT_EQ(tempdir(), nowhere);
  EXPECT_EQ(gettempdir().native(), nowhere.native());
  // ...and really used as the default directory.
  EXPECT_TEMPFILE_ERROR(mkstemp(), std::errc::no_such_file_or_directory,
                        "'" + nowhere.string() + "'");
}

TEST_F(TempdirTest, RelativeSetTempdirIsMadeAbsoluteNow) {
  const test::ScopedTempdir restore;
  const auto sub = make_subdir("sub");
  set_tempdir("rel");
  EXPECT_EQ(tempdir(), scratch() / "rel");
  std::filesystem::current_path(sub);
  EXPECT_EQ(gettempdir(), scratch() / "rel");  // not re-resolved against the new cwd
  std::filesystem::current_path(scratch());
  std::filesystem::remove(sub);
}

TEST_F(TempdirTest, SetTempdirIsNormalisedLexically) {
  const test::ScopedTempdir restore;
  set_tempdir("/a/./b//../c/");
  EXPECT_EQ(gettempdir().native(), "/a/c");
}

TEST_F(TempdirTest, CandidateOrderSkipsEmptyVariables) {
  const test::ScopedEnvironmentVariable tmpdir("TMPDIR", "");
  const test::ScopedEnvironmentVariable temp("TEMP", "/from-temp");
  const test::ScopedEnvironmentVariable tmp("TMP", "from-tmp");
  EXPECT_THAT(
      create::candidate_tempdir_list(),
      ElementsAre("/from-temp", "from-tmp", "/tmp", "/var/tmp", "/usr/tmp", scratch().string()));
}

TEST_F(TempdirTest, CandidateOrderIsTmpdirTempTmp) {
  const test::ScopedEnvironmentVariable tmpdir("TMPDIR", "/a");
  const test::ScopedEnvironmentVariable temp("TEMP", "/b");
  const test::ScopedEnvironmentVariable tmp("TMP", "/c");
  EXPECT_THAT(create::candidate_tempdir_list(),
              ElementsAre("/a", "/b", "/c", "/tmp", "/var/tmp", "/usr/tmp", scratch().string()));
}

TEST_F(TempdirTest, CandidateListWithoutVariables) {
  const test::ScopedEnvironmentVariable tmpdir("TMPDIR", std::nullopt);
  const test::ScopedEnvironmentVariable temp("TEMP", std::nullopt);
  const test::ScopedEnvironmentVariable tmp("TMP", std::nullopt);
  EXPECT_THAT(create::candidate_tempdir_list(),
              ElementsAre("/tmp", "/var/tmp", "/usr/tmp", scratch().string()));
}

TEST_F(TempdirTest, GettempdirSkipsUnusableCandidatesInOrder) {
  std::ofstream(scratch() / "file") << "";
  const auto good = make_subdir("good");
  const auto also_good = make_subdir("also-good");
  {
    const test::ScopedEnvironmentVariable tmpdir("TMPDIR", (scratch() / "missing").string());
    const test::ScopedEnvironmentVariable temp("TEMP", (scratch() / "file").string());
    const test::ScopedEnvironmentVariable tmp("TMP", "good");  // relative: made absolute
    const test::ScopedTempdir restore(std::nullopt);
    EXPECT_EQ(gettempdir(), good);
    set_tempdir(std::nullopt);
    const test::ScopedEnvironmentVariable usable_temp("TEMP", also_good.string());
    EXPECT_EQ(gettempdir(), also_good);  // TEMP comes before TMP
  }
  EXPECT_TRUE(test::list_dir(good).empty());
  EXPECT_TRUE(test::list_dir(also_good).empty());
  std::filesystem::remove(scratch() / "file");
  std::filesystem::remove(good);
  std::filesystem::remove(also_good);
}

TEST_F(TempdirTest, DotIsMadeAbsolute) {
  // Python returns '.' itself; this port promises an absolute gettempdir().
  const test::ScopedEnvironmentVariable tmpdir("TMPDIR", ".");
  const test::ScopedTempdir restore(std::nullopt);
  EXPECT_EQ(gettempdir(), scratch());
}

TEST_F(TempdirTest, NoUsableDirectoryListsEveryCandidateWithItsReason) {
  std::ofstream(scratch() / "file") << "";
  const auto locked = make_subdir("locked");
  std::filesystem::permissions(scratch(), std::filesystem::perms(0755));
  std::filesystem::permissions(locked, std::filesystem::perms(0555));
  const std::string missing = (scratch() / "missing").string();
  const std::string file = (scratch() / "file").string();
  const std::vector<std::string> candidates = {missing, file, locked.string(), "relative-missing"};
  // Candidates are shown as given (the relative one too), as Python prints its list.
  const std::string expected = "tempfile: no usable temporary directory found among '" + missing +
                               "' (No such file or directory), '" + file +
                               "' (Not a directory), '" + locked.string() +
                               "' (Permission denied), 'relative-missing' (No such file or "
                               "directory)";
  const int status = test::run_in_child([&] {
    if (!test::become_unprivileged()) {
      return 10;
    }
    create::RandomNames names;
    try {
      static_cast<void>(create::find_usable_tempdir(candidates, names));
    } catch (const error& failure) {
      const bool as_expected = failure.what() == expected &&
                               failure.code() == std::errc::no_such_file_or_directory &&
                               failure.path1().empty();
      if (!as_expected) {
        static_cast<void>(
            std::fprintf(stderr, "got:      %s\nexpected: %s\n", failure.what(), expected.c_str()));
      }
      return as_expected ? 0 : 1;
    }
    return 2;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(test::list_dir(locked).empty());
  std::filesystem::permissions(locked, std::filesystem::perms(0700));
  std::filesystem::remove(locked);
  std::filesystem::remove(scratch() / "file");
}

TEST_F(TempdirTest, GettempdirErrorListsTheRealCandidates) {
  // In a child that may not grow any file, no candidate accepts the probe write: the real search
  // must fail and name each of its candidates.
  const int status = test::run_in_child([this] {
    set_tempdir(std::nullopt);
    const std::vector<std::string> candidates = create::candidate_tempdir_list();
    if (!test::forbid_file_growth()) {
      return 10;
    }
    try {
      static_cast<void>(gettempdir());
    } catch (const error& failure) {
      const std::string what = failure.what();
      int missing = 0;
      for (const std::string& candidate : candidates) {
        if (what.find("'" + candidate + "' (") == std::string::npos) {
          static_cast<void>(
              std::fprintf(stderr, "'%s' not listed in: %s\n", candidate.c_str(), what.c_str()));
          ++missing;
        }
      }
      const std::string cwd_entry = "'" + scratch().string() + "' (File too large)";
      if (what.find(cwd_entry) == std::string::npos) {
        static_cast<void>(std::fprintf(stderr, "%s not in: %s\n", cwd_entry.c_str(), what.c_str()));
        ++missing;
      }
      return missing == 0 && failure.code() == std::errc::no_such_file_or_directory ? 0 : 1;
    }
    return 2;
  });
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace tempfile
