// SPDX-License-Identifier: MIT
// tempfile-cli run: the command's status passed on (exit, signal, not found, not executable),
// TMPDIR/TEMP/TMP, --keep-on-failure and --json, and the scratch directory gone after every way
// of ending: the command's, SIGINT/SIGTERM/SIGHUP sent to the tool, and the tool SIGKILLed.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "support/child_program.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

class RunTest : public ScratchTest {
 protected:
  // tempfile-cli run ARGS with TMPDIR = the scratch directory, where the tool creates its own.
  Finished run(std::vector<std::string> args) {
    args.insert(args.begin(), {cli_program.string(), "run"});
    return run_to_end(args, {"TMPDIR=" + scratch().string()}, scratch());
  }
  // Only what the test made itself may be left in the scratch directory.
  void expect_no_run_directory() {
    for (const std::string& name : list_dir(scratch())) {
      EXPECT_NE(name.rfind("tempfile-run-", 0), 0U) << name << " was left";
    }
  }
};

TEST_F(RunTest, TheCommandGetsAnOwnerOnlyDirectoryAsTmpdirTempAndTmp) {
  const Finished got =
      run({"--", "sh", "-c",
           "test \"$TEMP\" = \"$TMPDIR\" && test \"$TMP\" = \"$TMPDIR\" && "
           "echo \"$TMPDIR\" && stat -c %a \"$TMPDIR\" && echo hi > \"$TMPDIR/f\""});
  EXPECT_EQ(got.status, 0) << got.err;
  const fs::path dir = got.out.substr(0, got.out.find('\n'));
  EXPECT_EQ(dir.parent_path(), scratch());
  EXPECT_THAT(dir.filename().string(), ::testing::MatchesRegex("tempfile-run-[a-z0-9_]{8}"));
  EXPECT_THAT(got.out, ::testing::EndsWith("\n700\n"));
  EXPECT_FALSE(fs::exists(dir));
  expect_no_run_directory();
}

TEST_F(RunTest, PassesOnTheCommandsStatus) {
  EXPECT_EQ(run({"--", "true"}).status, 0);
  EXPECT_EQ(run({"--", "sh", "-c", "exit 3"}).status, 3);
  EXPECT_EQ(run({"--", "sh", "-c", "kill -KILL $$"}).status, 128 + SIGKILL);
  EXPECT_EQ(run({"--", "sh", "-c", "kill -TERM $$"}).status, 128 + SIGTERM);
  expect_no_run_directory();
}

TEST_F(RunTest, NotFoundIs127AndNotExecutableIs126) {
  // A PATH of the test's own (an empty directory): the caller's may name directories this user
  // cannot search, which makes the answer "Permission denied" (the next test).
  const fs::path bin = make_subdir("empty-bin");
  const Finished missing =
      run_to_end({cli_program.string(), "run", "--", "no-such-command-here"},
                 {"TMPDIR=" + scratch().string(), "PATH=" + bin.string()}, scratch());
  EXPECT_EQ(missing.status, 127);
  EXPECT_THAT(missing.err,
              ::testing::HasSubstr("run: 'no-such-command-here': No such file or directory"));
  const fs::path plain = scratch() / "plain";
  std::ofstream(plain) << "echo never\n";
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  const Finished not_executable = run({"--", plain.string()});
  EXPECT_EQ(not_executable.status, 126);
  EXPECT_THAT(not_executable.err, ::testing::HasSubstr("Permission denied"));
  fs::remove(plain);
  fs::remove(bin);
  expect_no_run_directory();
}

// A command not found where PATH also names a directory the user cannot search: execvp reports
// that denial, and GNU env answers 126 "Permission denied"; run answers as env does, on the same
// PATH (as root, where nothing is denied, both answer 127).
TEST_F(RunTest, NotFoundBehindAnUnsearchableDirectoryAnswersAsEnvDoes) {
  const fs::path closed = make_subdir("closed");
  const fs::path bin = make_subdir("bin");
  ASSERT_EQ(::chmod(closed.c_str(), 0), 0);
  const std::vector<std::string> env = {"TMPDIR=" + scratch().string(),
                                        "PATH=" + closed.string() + ":" + bin.string()};
  const Finished ours =
      run_to_end({cli_program.string(), "run", "--", "no-such-command-here"}, env, scratch());
  const Finished gnu = run_to_end({"/usr/bin/env", "no-such-command-here"}, env, scratch());
  EXPECT_EQ(ours.status, gnu.status) << ours.err << gnu.err;
  EXPECT_EQ(ours.status, permissions_are_bypassed() ? 127 : 126) << ours.err;
  EXPECT_THAT(ours.err, ::testing::HasSubstr(ours.status == 126 ? "Permission denied"
                                                                : "No such file or directory"));
  ::chmod(closed.c_str(), 0700);
  fs::remove(closed);
  fs::remove(bin);
  expect_no_run_directory();
}

TEST_F(RunTest, UsageErrorsAre125) {
  EXPECT_EQ(run({}).status, 125);
  EXPECT_EQ(run({"--no-such-option", "--", "true"}).status, 125);
}

TEST_F(RunTest, JsonReportsPathStatusAndKept) {
  const Finished got = run({"--json", "--prefix", "q\"uote-", "--", "sh", "-c", "exit 5"});
  EXPECT_EQ(got.status, 5);
  const auto report = nlohmann::json::parse(got.out);
  const fs::path dir = report.at("path").get<std::string>();
  EXPECT_EQ(dir.parent_path(), scratch());
  EXPECT_THAT(dir.filename().string(), ::testing::StartsWith("q\"uote-"));
  EXPECT_EQ(report.at("status").get<int>(), 5);
  EXPECT_FALSE(report.at("kept").get<bool>());
  EXPECT_FALSE(fs::exists(dir));
}

// JSON text is Unicode: a path byte that is not UTF-8 is reported as U+FFFD, and the line
// still parses.
TEST_F(RunTest, JsonReportsANonUtf8PathWithReplacementCharacters) {
  const Finished got = run({"--json", "--prefix", "bad\xff-", "--", "true"});
  EXPECT_EQ(got.status, 0);
  const auto report = nlohmann::json::parse(got.out);
  const std::string name = fs::path(report.at("path").get<std::string>()).filename().string();
  EXPECT_THAT(name, ::testing::StartsWith("bad\xef\xbf\xbd-"));
  expect_no_run_directory();
}

TEST_F(RunTest, KeepOnFailureKeepsTheDirectoryAndSaysWhere) {
  const Finished got =
      run({"--keep-on-failure", "--json", "--", "sh", "-c", "echo data > \"$TMPDIR/f\"; exit 4"});
  EXPECT_EQ(got.status, 4);
  const auto report = nlohmann::json::parse(got.out);
  const fs::path dir = report.at("path").get<std::string>();
  EXPECT_TRUE(report.at("kept").get<bool>());
  EXPECT_THAT(got.err, ::testing::HasSubstr("kept " + dir.string()));
  EXPECT_TRUE(fs::exists(dir / "f"));
  fs::remove_all(dir);
  // A success is removed even with the option.
  const Finished ok = run({"--keep-on-failure", "--json", "--", "true"});
  EXPECT_FALSE(nlohmann::json::parse(ok.out).at("kept").get<bool>());
  expect_no_run_directory();
}

TEST_F(RunTest, RemovesWhatTheCommandLeftWithoutFollowingLinksOut) {
  const fs::path outside = make_subdir("outside");
  std::ofstream(outside / "keep.txt") << "precious";
  const Finished got = run(
      {"--", "sh", "-c",
       "cd \"$TMPDIR\" && mkdir -p ro/sub && echo x > ro/sub/f && chmod 0500 ro/sub ro && "
       "ln -s \"$1\" linkdir && ln -s \"$1/keep.txt\" linkfile && chmod 0400 linkfile 2>/dev/null;"
       "exit 0",
       "sh", outside.string()});
  EXPECT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(list_dir(outside), std::set<std::string>{"keep.txt"});
  std::ifstream in(outside / "keep.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
  fs::remove_all(outside);
  expect_no_run_directory();
}

// The command traps the signal and says so; the tool forwards it, waits, removes the
// directory and dies of the same signal.
void interrupt_with(const fs::path& scratch, int signal_number, const std::string& name) {
  ChildProgram tool({cli_program.string(), "run", "--", "sh", "-c",
                     "echo \"$TMPDIR\"; trap 'echo got-" + name + "; exit 7' " + name +
                         "; echo ready; while :; do sleep 0.05; done"},
                    {"TMPDIR=" + scratch.string()});
  ASSERT_EQ(tool.why, "");
  const fs::path dir = tool.line();
  ASSERT_EQ(tool.line(), "ready");
  EXPECT_TRUE(fs::is_directory(dir));
  ASSERT_TRUE(tool.kill(signal_number));
  EXPECT_EQ(tool.line(), "got-" + name);
  const int status = tool.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal_number) << status;
  EXPECT_FALSE(fs::exists(dir)) << name;
}

TEST_F(RunTest, SigintToTheToolReachesTheCommandThenTheToolDiesOfIt) {
  interrupt_with(scratch(), SIGINT, "INT");
}
TEST_F(RunTest, SigtermToTheToolReachesTheCommandThenTheToolDiesOfIt) {
  interrupt_with(scratch(), SIGTERM, "TERM");
}
TEST_F(RunTest, SighupToTheToolReachesTheCommandThenTheToolDiesOfIt) {
  interrupt_with(scratch(), SIGHUP, "HUP");
}

TEST_F(RunTest, TheGuardianRemovesTheDirectoryWhenTheToolIsKilled) {
  ChildProgram tool({cli_program.string(), "run", "--", "sh", "-c",
                     "echo \"$TMPDIR\"; echo $$; while :; do sleep 0.05; done"},
                    {"TMPDIR=" + scratch().string()});
  ASSERT_EQ(tool.why, "");
  const fs::path dir = tool.line();
  const pid_t command = std::stoi(tool.line());
  ASSERT_TRUE(fs::is_directory(dir));
  ASSERT_TRUE(tool.kill(SIGKILL));
  const int status = tool.wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(eventually([&] { return !fs::exists(dir); })) << dir;
  // The command outlives the tool (its own process group): end it.
  EXPECT_EQ(::kill(-command, SIGKILL), 0);
  EXPECT_TRUE(eventually([&] { return process_ended(command); }));
}

}  // namespace
}  // namespace tempfile::test
