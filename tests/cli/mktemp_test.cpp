// SPDX-License-Identifier: MIT
// tempfile-cli mktemp: every error message as golden text (exact words, our program name,
// exit status), and a differential test against GNU coreutils' mktemp over a table of
// argument sets: same status, same shape of name, same kind and mode of what was created, same
// messages once the program names are made equal.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "support/scratch.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

// A bin directory in the scratch directory with the tool under the names a user would give it
// (tempfile-cli, and a link named mktemp), first in PATH: the messages then start with those
// bare names.
class MktempTest : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    bin_ = scratch() / "bin";
    fs::create_directory(bin_);
    fs::create_symlink(cli_program, bin_ / "tempfile-cli");
    fs::create_symlink(cli_program, bin_ / "mktemp");
    work_ = scratch() / "work";
    fs::create_directory(work_);
    fs::create_directory(work_ / "d");
    fs::create_directory(work_ / "tmp");
  }
  void TearDown() override {
    force_remove_all(bin_);
    force_remove_all(work_);
    ScratchTest::TearDown();
  }

  [[nodiscard]] std::vector<std::string> env(std::vector<std::string> more = {}) const {
    more.insert(more.begin(), {"PATH=" + bin_.string() + ":" + std::getenv("PATH"),
                               "TMPDIR=" + (work_ / "tmp").string()});
    return more;
  }
  // tempfile-cli mktemp ARGS, in the work directory.
  Finished ours(std::vector<std::string> args, const std::vector<std::string>& extra = {}) {
    args.insert(args.begin(), {"tempfile-cli", "mktemp"});
    return run_to_end(args, env(extra), work_);
  }

  fs::path bin_;
  fs::path work_;
};

struct Golden {
  std::vector<std::string> args;
  std::string err;  // "P" stands for the program name, "W" for the work directory
};

TEST_F(MktempTest, EveryErrorMessageIsGnusWithOurName) {
  const std::string try_help = "Try 'P --help' for more information.\n";
  const std::vector<Golden> table = {
      {{"XX"}, "P: too few X's in template 'XX'\n"},
      {{"fooXXbar"}, "P: too few X's in template 'fooXXbar'\n"},
      {{"foo"}, "P: too few X's in template 'foo'\n"},
      {{"-q", "XX"}, "P: too few X's in template 'XX'\n"},
      {{"a'b\\c"}, "P: too few X's in template 'a\\'b\\\\c'\n"},
      {{"a\nb\x01\xff"}, "P: too few X's in template 'a\\nb\\001\\377'\n"},
      {{"-t", "a/bXXX"}, "P: invalid template, 'a/bXXX', contains directory separator\n"},
      {{"-t", "/abs/XXX"}, "P: invalid template, '/abs/XXX', contains directory separator\n"},
      {{"-p", "d", "/abs/XXX"},
       "P: invalid template, '/abs/XXX'; with --tmpdir, it may not be absolute\n"},
      {{"--tmpdir", "/abs/XXX"},
       "P: invalid template, '/abs/XXX'; with --tmpdir, it may not be absolute\n"},
      {{"--suffix=/x"}, "P: invalid suffix '/x', contains directory separator\n"},
      {{"-d", "XXX/"}, "P: invalid suffix '/', contains directory separator\n"},
      {{"--suffix=x", "aXXXy"}, "P: with --suffix, template 'aXXXy' must end in X\n"},
      {{"-p", "missing"},
       "P: failed to create file via template 'missing/tmp.XXXXXXXXXX': No such file or "
       "directory\n"},
      {{"-d", "--tmpdir=missing"},
       "P: failed to create directory via template 'missing/tmp.XXXXXXXXXX': No such file or "
       "directory\n"},
      {{"missing/XXX"},
       "P: failed to create file via template 'missing/XXX': No such file or directory\n"},
      {{"-q", "-p", "missing"}, ""},
      {{"-q", "-d", "missing/XXX"}, ""},
      {{"a", "b"}, "P: too many templates\n" + try_help},
      {{"--bad"}, "P: unrecognized option '--bad'\n" + try_help},
      {{"-z"}, "P: invalid option -- 'z'\n" + try_help},
      {{"-p"}, "P: option requires an argument -- 'p'\n" + try_help},
      {{"--suffix"}, "P: option '--suffix' requires an argument\n" + try_help},
      {{"--directory=x"}, "P: option '--directory' doesn't allow an argument\n" + try_help},
  };
  for (const std::string program : {"tempfile-cli mktemp", "mktemp"}) {
    for (const Golden& row : table) {
      std::vector<std::string> argv = program == "mktemp"
                                          ? std::vector<std::string>{"mktemp"}
                                          : std::vector<std::string>{"tempfile-cli", "mktemp"};
      argv.insert(argv.end(), row.args.begin(), row.args.end());
      const Finished got = run_to_end(argv, env(), work_);
      std::string expected = row.err;
      for (std::size_t at = 0; (at = expected.find('P', at)) != std::string::npos;) {
        if (at == 0 || expected[at - 1] == '\n' || expected[at - 1] == '\'') {
          expected.replace(at, 1, program);
          at += program.size();
        } else {
          ++at;
        }
      }
      EXPECT_EQ(got.err, expected) << program << " " << ::testing::PrintToString(row.args);
      EXPECT_EQ(got.status, 1) << ::testing::PrintToString(row.args);
      EXPECT_EQ(got.out, "");
    }
  }
  // Nothing was created by any of them.
  EXPECT_THAT(list_dir(work_), ::testing::ElementsAre("d", "tmp"));
  EXPECT_TRUE(list_dir(work_ / "tmp").empty());
}

TEST_F(MktempTest, QuotesAsTheLocaleDoes) {
  const Finished got = ours({"a'b\t\xc3\xa9\xff"}, {"LC_ALL=C.UTF-8"});
  EXPECT_EQ(got.err,
            "tempfile-cli mktemp: too few X's in template \u2018a'b\\t\xc3\xa9\\377\u2019\n");
}

TEST_F(MktempTest, AWriteErrorRemovesWhatWasMadeAndSaysSo) {
  // stdout is /dev/full: the name cannot be printed, so nobody could use the file.
  const Finished got =
      run_to_end({"sh", "-c", "exec tempfile-cli mktemp -p \"$1\" > /dev/full", "sh", work_ / "d"},
                 env(), work_);
  EXPECT_EQ(got.err, "tempfile-cli mktemp: write error: No space left on device\n");
  EXPECT_EQ(got.status, 1);
  EXPECT_TRUE(list_dir(work_ / "d").empty());
}

TEST_F(MktempTest, HelpAndVersion) {
  const Finished help = ours({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, ::testing::StartsWith("Usage: tempfile-cli mktemp [OPTION]... [TEMPLATE]"));
  EXPECT_THAT(help.out, ::testing::HasSubstr("--tmpdir[=DIR]"));
  const Finished version = ours({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_THAT(version.out,
              ::testing::MatchesRegex("mktemp \\(tempfile\\) [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

TEST_F(MktempTest, CreatesOwnerOnlyEntriesWithLettersAndDigits) {
  const Finished file = ours({"-p", "d", "fXXXXXXXXXXXXXXXXXXXX.txt"});
  ASSERT_EQ(file.status, 0) << file.err;
  EXPECT_THAT(file.out, ::testing::MatchesRegex("d/f[A-Za-z0-9]{20}\\.txt\n"));
  const Finished dir = ours({"-d"});
  ASSERT_EQ(dir.status, 0) << dir.err;
  struct stat f {};
  struct stat d {};
  ASSERT_EQ(::lstat((work_ / file.out.substr(0, file.out.size() - 1)).c_str(), &f), 0);
  ASSERT_EQ(::lstat(dir.out.substr(0, dir.out.size() - 1).c_str(), &d), 0);
  EXPECT_TRUE(S_ISREG(f.st_mode));
  EXPECT_TRUE(S_ISDIR(d.st_mode));
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  EXPECT_EQ(f.st_mode & 07777, 0600 & ~umask_now);
  EXPECT_EQ(d.st_mode & 07777, 0700 & ~umask_now);
  EXPECT_THAT(dir.out, ::testing::StartsWith((work_ / "tmp" / "tmp.").string()));
}

// ---- the differential test ----

struct Case {
  std::vector<std::string> args;
  std::size_t random = 0;          // how many characters are random in the name (0: failure)
  std::vector<std::string> env{};  // more environment for this case
};

// One run's observable result: status, output, stderr with the program name made "mktemp",
// and what the printed name refers to (type and mode; "none" if nothing).
struct Observed {
  Finished finished;
  std::string created;
};

std::string describe(const fs::path& cwd, const std::string& out) {
  if (out.empty()) {
    return "none";
  }
  const fs::path path = cwd / out.substr(0, out.size() - 1);
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) {
    return "none";
  }
  const std::string kind = S_ISREG(status.st_mode)   ? "file"
                           : S_ISDIR(status.st_mode) ? "directory"
                                                     : "other";
  return kind + " " + std::to_string(status.st_mode & 07777);
}

std::string normalise(std::string text, const std::string& program) {
  for (std::size_t at = 0; (at = text.find(program, at)) != std::string::npos;) {
    text.replace(at, program.size(), "mktemp");
    at += 6;
  }
  return text;
}

TEST_F(MktempTest, BehavesAsCoreutilsMktemp) {
  const std::vector<Case> table = {
      {{}, 10},
      {{"-d"}, 10},
      {{"-u"}, 10},
      {{"-q"}, 10},
      {{"fooXXX"}, 3},
      {{"fooXXXXXXbar"}, 6},
      {{"XXXfooXXXX"}, 4},
      {{"-d", "dirXXXX"}, 4},
      {{"d/fileXXXXX"}, 5},
      {{"-p", "d", "aXXX"}, 3},
      {{"-p", "d/", "aXXX"}, 3},
      {{"-p", "d//", "-d", "--suffix=.d"}, 10},
      {{"--tmpdir=d", "aXXX"}, 3},
      {{"--tmpdir", "aXXX"}, 3},
      {{"-p", "", "aXXX"}, 3},
      {{"-t", "aXXX"}, 3},
      {{"-t"}, 10},
      {{"-t", "-p", "d", "aXXX"}, 3},
      {{"-t", "-p", "d", "aXXX"}, 3, {"TMPDIR="}},
      {{"-u", "-t"}, 10, {"TMPDIR="}},
      {{"-u", "--tmpdir"}, 10, {"TMPDIR"}},
      {{"--suffix=.txt"}, 10},
      {{"--suffix", ".txt", "aXXX"}, 3},
      {{"-u", "--suffix=.c", "-p", "d"}, 10},
      {{"--directory", "--quiet", "--dry-run"}, 10},
      {{"--", "-XXX"}, 3},
      {{"aXXX", "-d"}, 3},
      {{"-u", "-p", "missing"}, 10},
      {{"-u", "missing/XXX"}, 3},
      {{"XX"}},
      {{"foo"}},
      {{"fooX"}},
      {{"--suffix=/x"}},
      {{"--suffix=x", "aXXXy"}},
      {{"-t", "a/bXXX"}},
      {{"-t", "/abs/XXX"}},
      {{"-p", "d", "/abs/XXX"}},
      {{"-p", "missing"}},
      {{"-d", "-p", "missing"}},
      {{"-q", "-p", "missing"}},
      {{"missing/XXX"}},
      {{"--tmpdir=d", "sub/XXX"}},
      {{"-d", "XXX/"}},
      {{"aXXXb/"}},
      {{"a", "b"}},
      {{"--bad"}},
      {{"-z"}},
      {{"-p"}},
      {{"a'b\\c"}},
      {{"-p", "/nonexistent", "-d"}},
  };
  ASSERT_GE(table.size(), 30U);
  const fs::path mktemp_link = bin_ / "mktemp";
  for (const Case& row : table) {
    const std::string label = ::testing::PrintToString(row.args);
    // Two runs of coreutils, then two of ours as a subcommand and two as a link named mktemp: a
    // position is random if any two names differ there. All six agreeing by chance is 1 in
    // 62**5 per position; with four runs (1 in 62**3) the whole table, some 300 random
    // positions, failed about once in 800 runs.
    std::vector<Observed> runs;
    for (int i = 0; i < 6; ++i) {
      std::vector<std::string> argv = row.args;
      std::string program = "mktemp";
      if (i < 2) {
        argv.insert(argv.begin(), "/usr/bin/env");  // PATH's first mktemp is ours: skip it
        argv.insert(argv.begin() + 1, {"PATH=/usr/bin:/bin", "mktemp"});
      } else if (i < 4) {
        argv.insert(argv.begin(), {"tempfile-cli", "mktemp"});
        program = "tempfile-cli mktemp";
      } else {
        argv.insert(argv.begin(), mktemp_link.string());
        program = mktemp_link.string();
      }
      Observed seen;
      seen.finished = run_to_end(argv, env(row.env), work_);
      seen.finished.err = normalise(seen.finished.err, program);
      seen.created = describe(work_, seen.finished.out);
      if (seen.created != "none") {
        force_remove_all(work_ / seen.finished.out.substr(0, seen.finished.out.size() - 1));
      }
      runs.push_back(seen);
    }
    const Observed& gnu = runs.front();
    for (std::size_t i = 1; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].finished.status, gnu.finished.status) << label << " run " << i;
      EXPECT_EQ(runs[i].finished.err, gnu.finished.err) << label << " run " << i;
      EXPECT_EQ(runs[i].created, gnu.created) << label << " run " << i;
      EXPECT_EQ(runs[i].finished.out.size(), gnu.finished.out.size()) << label << " run " << i;
    }
    if (row.random == 0) {
      EXPECT_EQ(gnu.finished.status, 1) << label;
      for (const Observed& run : runs) {
        EXPECT_EQ(run.finished.out, "") << label;
      }
      continue;
    }
    EXPECT_EQ(gnu.finished.status, 0) << label << gnu.finished.err;
    const std::string& base = gnu.finished.out;
    if (std::any_of(runs.begin(), runs.end(),
                    [&](const Observed& r) { return r.finished.out.size() != base.size(); })) {
      continue;  // reported above
    }
    std::vector<bool> random(base.size(), false);
    for (const Observed& run : runs) {
      for (std::size_t k = 0; k < base.size(); ++k) {
        random[k] = random[k] || run.finished.out[k] != base[k];
      }
    }
    const auto first = std::find(random.begin(), random.end(), true);
    const auto count = static_cast<std::size_t>(std::count(random.begin(), random.end(), true));
    EXPECT_EQ(count, row.random) << label << ": " << base;
    // One run of random letters and digits; everything else (directory, fixed parts, suffix)
    // the same in every name.
    const auto start = static_cast<std::size_t>(first - random.begin());
    for (std::size_t k = start; k < start + count && k < base.size(); ++k) {
      EXPECT_TRUE(random[k]) << label;
      for (const Observed& run : runs) {
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(run.finished.out[k])) != 0) << label;
      }
    }
  }
  EXPECT_THAT(list_dir(work_), ::testing::ElementsAre("d", "tmp"));
  EXPECT_TRUE(list_dir(work_ / "d").empty());
  EXPECT_TRUE(list_dir(work_ / "tmp").empty());
}

}  // namespace
}  // namespace tempfile::test
