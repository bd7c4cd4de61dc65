// SPDX-License-Identifier: MIT
// security.md A9: which directory gettempdir() settles on when TMPDIR (or an explicit
// candidate) is missing, a file, unwritable, relative, slash-terminated, a symbolic link or ".".
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "create/names.hpp"
#include "create/tempdir.hpp"
#include "harness.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile::test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class TempdirSearchTest : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    good_ = make_subdir("good");
    relative_ = make_subdir("rel");
    file_ = scratch() / "afile";
    write_file(file_, "a file, not a directory");
    link_ = scratch() / "link";
    ASSERT_EQ(::symlink(good_.c_str(), link_.c_str()), 0);
  }

  void TearDown() override {
    // Every probe file must be gone: the search creates, writes and removes one per candidate.
    EXPECT_TRUE(list_dir(good_).empty());
    EXPECT_TRUE(list_dir(relative_).empty());
    EXPECT_EQ(snapshot(file_).content, "a file, not a directory");
    fs::remove(link_);
    fs::remove(file_);
    force_remove_all(good_);
    force_remove_all(relative_);
    tempfile::set_tempdir(scratch());
    ScratchTest::TearDown();
  }

  // The current directory is the scratch directory, but as getcwd spells it: relative
  // candidates are resolved against that, which differs from scratch() if TMPDIR has a link.
  static fs::path cwd() { return fs::current_path(); }

  static std::string find(const std::vector<std::string>& candidates) {
    create::RandomNames names;
    return create::find_usable_tempdir(candidates, names);
  }

  // Makes good/ writable for uid 65534 and adds an unwritable ro/ beside it.
  fs::path prepare_unwritable_candidate() {
    EXPECT_EQ(::chmod(scratch().c_str(), 0755), 0);
    EXPECT_EQ(::chmod(good_.c_str(), 0777), 0);
    const fs::path readonly = make_subdir("ro");
    EXPECT_EQ(::chmod(readonly.c_str(), 0555), 0);
    return readonly;
  }

  fs::path good_;
  fs::path relative_;
  fs::path file_;
  fs::path link_;
  TempdirEnvironmentScope environment_;
};

TEST_F(TempdirSearchTest, A9_SkipsMissingAndRegularFileCandidates) {
  EXPECT_EQ(find({(scratch() / "missing").native(), file_.native(), good_.native()}),
            good_.native());
  EXPECT_FALSE(fs::exists(scratch() / "missing"));
}

TEST_F(TempdirSearchTest, A9_SkipsADirectoryTheUserCannotWrite) {
  const fs::path readonly = prepare_unwritable_candidate();
  const ChildRun child = run_child([&](std::string& out) {
    if (permissions_are_bypassed() && !become_unprivileged()) {
      out = std::string("become_unprivileged failed: ") + std::strerror(errno);
      return 1;
    }
    add_fact(out, "found", find({readonly.native(), good_.native()}));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "found"), good_.native());
  EXPECT_TRUE(list_dir(readonly).empty());
  EXPECT_TRUE(fs::remove(readonly));
}

TEST_F(TempdirSearchTest, A9_RelativeCandidateIsMadeAbsolute) {
  EXPECT_EQ(find({"rel"}), (cwd() / "rel").native());
  EXPECT_EQ(find({"./rel/../rel"}), (cwd() / "rel").native());
}

TEST_F(TempdirSearchTest, A9_TrailingSlashesAreRemoved) {
  EXPECT_EQ(find({good_.native() + "///"}), good_.native());
}

TEST_F(TempdirSearchTest, A9_SymlinkToADirectoryIsKeptNotResolved) {
  EXPECT_EQ(find({link_.native()}), link_.native());
}

// CPython's _get_default_tempdir keeps "." verbatim (it only calls abspath on other entries);
// we make it absolute like every other candidate, so the result names one directory even after
// a chdir.
TEST_F(TempdirSearchTest, A9_DotIsMadeAbsolute) {
  EXPECT_EQ(find({"."}), cwd().native());
}

TEST_F(TempdirSearchTest, A9_NoUsableCandidateListsEveryRejection) {
  const std::string missing = (scratch() / "missing").native();
  EXPECT_THAT(
      [&] {
        static_cast<void>(find({missing, file_.native()}));
      },
      ::testing::Throws<tempfile::error>(::testing::AllOf(
          ::testing::Property(&tempfile::error::code,
                              std::make_error_code(std::errc::no_such_file_or_directory)),
          ::testing::Property(
              &tempfile::error::what,
              ::testing::AllOf(HasSubstr("'" + missing + "' (No such file or directory)"),
                               HasSubstr("'" + file_.native() + "' (Not a directory)"))))));
}

TEST_F(TempdirSearchTest, A9_CandidateListTakesTheEnvironmentVerbatim) {
  TempdirEnvironmentScope::set("TMPDIR", "first/");
  TempdirEnvironmentScope::set("TEMP", "");  // set but empty: ignored, as in CPython
  TempdirEnvironmentScope::set("TMP", "/third");
  EXPECT_EQ(create::candidate_tempdir_list(),
            (std::vector<std::string>{"first/", "/third", "/tmp", "/var/tmp", "/usr/tmp",
                                      cwd().native()}));
  TempdirEnvironmentScope::set("TMPDIR", std::nullopt);
  TempdirEnvironmentScope::set("TEMP", std::nullopt);
  TempdirEnvironmentScope::set("TMP", std::nullopt);
  EXPECT_EQ(create::candidate_tempdir_list(),
            (std::vector<std::string>{"/tmp", "/var/tmp", "/usr/tmp", cwd().native()}));
}

struct TmpdirCase {
  const char* label;
  std::string tmpdir;    // "{scratch}" stands for the scratch directory
  std::string expected;  // "{scratch}" as above, "{cwd}" for the current directory
};

class TmpdirValueTest : public TempdirSearchTest, public ::testing::WithParamInterface<TmpdirCase> {
 protected:
  [[nodiscard]] std::string expand(std::string text) const {
    for (const auto& [placeholder, value] :
         {std::pair{std::string("{scratch}"), scratch().native()},
          std::pair{std::string("{cwd}"), cwd().native()}}) {
      if (const std::size_t at = text.find(placeholder); at != std::string::npos) {
        text.replace(at, placeholder.size(), value);
      }
    }
    return text;
  }
};

// TMPDIR holds the case's value and TEMP holds good/, so a rejected TMPDIR falls through to
// TEMP; no case that is accepted expects good/, so falling through cannot pass by accident.
TEST_P(TmpdirValueTest, GettempdirSettlesOnTheExpectedDirectory) {
  const TmpdirCase& value = GetParam();
  TempdirEnvironmentScope::set("TMPDIR", expand(value.tmpdir));
  TempdirEnvironmentScope::set("TEMP", good_.native());
  tempfile::set_tempdir(std::nullopt);
  EXPECT_EQ(tempfile::tempdir(), std::nullopt);
  const fs::path expected = expand(value.expected);
  EXPECT_EQ(tempfile::gettempdir().native(), expected.native());
  EXPECT_EQ(tempfile::tempdir(), expected);
  std::error_code ec;
  EXPECT_EQ(tempfile::gettempdir(ec), expected);
  EXPECT_FALSE(ec);
}

INSTANTIATE_TEST_SUITE_P(
    TmpdirValues, TmpdirValueTest,
    ::testing::Values(TmpdirCase{"Missing", "{scratch}/missing", "{scratch}/good"},
                      TmpdirCase{"RegularFile", "{scratch}/afile", "{scratch}/good"},
                      TmpdirCase{"Relative", "rel", "{cwd}/rel"},
                      TmpdirCase{"TrailingSlashes", "{scratch}/rel///", "{scratch}/rel"},
                      TmpdirCase{"RelativeWithDotDot", "./good/../rel/", "{cwd}/rel"},
                      TmpdirCase{"SymlinkKept", "{scratch}/link", "{scratch}/link"},
                      TmpdirCase{"Dot", ".", "{cwd}"}),
    [](const ::testing::TestParamInfo<TmpdirCase>& param_info) { return param_info.param.label; });

TEST_F(TempdirSearchTest, A9_GettempdirSkipsAnUnwritableTmpdir) {
  const fs::path readonly = prepare_unwritable_candidate();
  TempdirEnvironmentScope::set("TMPDIR", readonly.native());
  TempdirEnvironmentScope::set("TEMP", good_.native());
  const ChildRun child = run_child([&](std::string& out) {
    if (permissions_are_bypassed() && !become_unprivileged()) {
      out = std::string("become_unprivileged failed: ") + std::strerror(errno);
      return 1;
    }
    tempfile::set_tempdir(std::nullopt);
    add_fact(out, "gettempdir", tempfile::gettempdir().native());
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "gettempdir"), good_.native());
  EXPECT_TRUE(list_dir(readonly).empty());
  EXPECT_TRUE(fs::remove(readonly));
}

}  // namespace
}  // namespace tempfile::test
