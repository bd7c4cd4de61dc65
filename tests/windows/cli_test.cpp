// SPDX-License-Identifier: MIT
// tempfile-cli.exe under wine: mktemp's names, errors and exit statuses, run's scratch
// directory (exported, removed afterwards, the command's status passed through, its arguments
// quoted as it parses them back, what it left running ended), and sweep's report.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <io.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Finished {
  DWORD status = 0;
  std::string out;
  std::string err;
};

// Reads a pipe to its end on a thread of its own, "\r\n" made "\n" (the C runtime's text mode).
void drain(HANDLE pipe, std::string& into) {
  char buffer[4096];
  DWORD got = 0;
  while (::ReadFile(pipe, buffer, sizeof buffer, &got, nullptr) != 0 && got > 0) {
    into.append(buffer, got);
  }
  std::string plain;
  for (std::size_t i = 0; i < into.size(); ++i) {
    if (!(into[i] == '\r' && i + 1 < into.size() && into[i + 1] == '\n')) {
      plain += into[i];
    }
  }
  into = plain;
}

std::wstring in_quotes(const std::wstring& argument) {
  return L"\"" + argument + L"\"";
}

// A program the build made, as a Windows path: under wine, where the build ran on the Linux
// host, its path is the host's ("/work/..."), which wine shows as drive Z:.
std::wstring built_program(const char* path) {
  std::wstring wide = fs::path(path).wstring();
  if (!wide.empty() && wide.front() == L'/') {
    wide = L"Z:" + wide;
  }
  for (wchar_t& c : wide) {
    if (c == L'/') {
      c = L'\\';
    }
  }
  return in_quotes(wide);
}

// Runs tempfile-cli.exe with `arguments` (each given as it should reach the tool: no quoting
// needed but around blanks) and TMPDIR set to `tmpdir`, to its end.
Finished run_cli(const std::wstring& arguments, const fs::path& tmpdir, DWORD flags = 0) {
  Finished result;
  SECURITY_ATTRIBUTES inherit{};
  inherit.nLength = sizeof inherit;
  inherit.bInheritHandle = TRUE;
  HANDLE out_read = nullptr;
  HANDLE out_write = nullptr;
  HANDLE err_read = nullptr;
  HANDLE err_write = nullptr;
  if (::CreatePipe(&out_read, &out_write, &inherit, 0) == 0 ||
      ::CreatePipe(&err_read, &err_write, &inherit, 0) == 0) {
    ADD_FAILURE() << "CreatePipe failed";
    return result;
  }
  ::SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
  ::SetHandleInformation(err_read, HANDLE_FLAG_INHERIT, 0);
  ::SetEnvironmentVariableW(L"TMPDIR", tmpdir.c_str());
  std::wstring command = built_program(TEMPFILE_CLI) + L" " + arguments;
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES | STARTF_USESHOWWINDOW;
  startup.wShowWindow = SW_HIDE;
  startup.hStdInput = ::GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = out_write;
  startup.hStdError = err_write;
  PROCESS_INFORMATION started{};
  const BOOL made = ::CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, flags,
                                     nullptr, nullptr, &startup, &started);
  ::SetEnvironmentVariableW(L"TMPDIR", nullptr);
  ::CloseHandle(out_write);
  ::CloseHandle(err_write);
  if (made == 0) {
    ADD_FAILURE() << "CreateProcessW failed, error " << ::GetLastError();
    ::CloseHandle(out_read);
    ::CloseHandle(err_read);
    return result;
  }
  std::thread err_reader([&] { drain(err_read, result.err); });
  drain(out_read, result.out);
  err_reader.join();
  EXPECT_EQ(::WaitForSingleObject(started.hProcess, 60000), WAIT_OBJECT_0);
  ::GetExitCodeProcess(started.hProcess, &result.status);
  ::CloseHandle(started.hProcess);
  ::CloseHandle(started.hThread);
  ::CloseHandle(out_read);
  ::CloseHandle(err_read);
  return result;
}

std::wstring helper() {
  return built_program(TEMPFILE_CLI_HELPER);
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

class WindowsCliTest : public test::ScratchTest {};

TEST_F(WindowsCliTest, MktempMakesFilesAndDirectoriesInTmpdir) {
  const fs::path area = make_subdir("area");
  const Finished file = run_cli(L"mktemp", area);
  EXPECT_EQ(file.status, 0U) << file.err;
  const fs::path made = fs::u8path(first_line(file.out));
  EXPECT_EQ(made.parent_path(), area);
  EXPECT_EQ(made.filename().string().size(), std::string("tmp.XXXXXXXXXX").size());
  EXPECT_TRUE(fs::is_regular_file(made));
  EXPECT_EQ(fs::file_size(made), 0U);

  const Finished directory = run_cli(L"mktemp -d --suffix=.d job-XXXXXX", area);
  EXPECT_EQ(directory.status, 0U) << directory.err;
  // Without -p, relative to the current directory: the scratch directory.
  const fs::path dir = fs::u8path(first_line(directory.out));
  EXPECT_TRUE(fs::is_directory(scratch() / dir)) << dir;
  const std::string made_name = dir.string();
  ASSERT_EQ(made_name.size(), std::string("job-XXXXXX.d").size()) << made_name;
  EXPECT_TRUE(made_name.starts_with("job-") && made_name.ends_with(".d")) << made_name;
  for (const char c : made_name.substr(4, 6)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) != 0) << made_name;
  }

  const Finished dry = run_cli(L"mktemp -u -p " + in_quotes(area.wstring()) + L" x.XXXX", area);
  EXPECT_EQ(dry.status, 0U) << dry.err;
  EXPECT_FALSE(fs::exists(fs::u8path(first_line(dry.out))));
  EXPECT_EQ(test::list_dir(area).size(), 1U);
  fs::remove(scratch() / dir);
  fs::remove_all(area);
}

TEST_F(WindowsCliTest, MktempSaysWhatIsWrongAsGnuDoes) {
  const Finished few = run_cli(L"mktemp aXX", scratch());
  EXPECT_EQ(few.status, 1U);
  EXPECT_THAT(few.err, HasSubstr("mktemp: too few X's in template 'aXX'\n"));
  const Finished suffix = run_cli(L"mktemp --suffix=a\\b XXX", scratch());
  EXPECT_EQ(suffix.status, 1U);
  EXPECT_THAT(suffix.err, HasSubstr("invalid suffix 'a\\\\b', contains directory separator"));
  const Finished absolute = run_cli(L"mktemp -p . C:\\x.XXX", scratch());
  EXPECT_EQ(absolute.status, 1U);
  EXPECT_THAT(absolute.err, HasSubstr("with --tmpdir, it may not be absolute"));
  const Finished missing = run_cli(L"mktemp -p C:\\no\\such\\dir", scratch());
  EXPECT_EQ(missing.status, 1U);
  EXPECT_THAT(missing.err, HasSubstr("failed to create file via template"));
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(WindowsCliTest, RunExportsTheDirectoryRemovesItAndPassesTheStatusThrough) {
  const fs::path area = make_subdir("area");
  const Finished ran = run_cli(L"run --json --prefix job- -- " + helper() + L" write 3", area);
  EXPECT_EQ(ran.status, 3U) << ran.err;
  // The helper's line (TMPDIR as the command saw it), then the tool's report.
  const std::string tmpdir = first_line(ran.out);
  EXPECT_EQ(fs::u8path(tmpdir).parent_path(), area);
  EXPECT_THAT(fs::u8path(tmpdir).filename().string(), ::testing::StartsWith("job-"));
  EXPECT_THAT(ran.out, HasSubstr("\"status\":3,\"kept\":false}"));
  EXPECT_TRUE(test::list_dir(area).empty()) << "the scratch directory stayed";

  const Finished kept = run_cli(L"run --keep-on-failure -- " + helper() + L" write 4", area);
  EXPECT_EQ(kept.status, 4U);
  EXPECT_THAT(kept.err, HasSubstr("the command failed (status 4); kept "));
  const std::set<std::string> left = test::list_dir(area);
  ASSERT_EQ(left.size(), 1U);
  EXPECT_TRUE(fs::exists(area / *left.begin() / "written"));
  fs::remove_all(area);
}

TEST_F(WindowsCliTest, RunQuotesEveryArgumentAsTheCommandParsesItBack) {
  const Finished ran = run_cli(L"run -- " + helper() +
                                   L" args plain \"two words\" \"\" \"a\\\"quote\" "
                                   L"\"back\\\\slash\\\\\" \"tab\there\" \"ünï\"",
                               scratch());
  EXPECT_EQ(ran.status, 0U) << ran.err;
  EXPECT_EQ(ran.out,
            "<plain>\n<two words>\n<>\n<a\"quote>\n<back\\\\slash\\>\n<tab\there>\n"
            "<\xC3\xBCn\xC3\xAF>\n");
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(WindowsCliTest, RunEndsWhatTheCommandLeftRunningAndRemovesTheDirectory) {
  // The helper starts a process that holds a file in the directory without sharing deletion,
  // and exits: the tool ends that process (the job) before it removes the directory. The
  // holder also keeps the tool's stdout open: the read below ends only once it is gone.
  const Finished ran = run_cli(L"run -- " + helper() + L" leave-holder", scratch());
  EXPECT_EQ(ran.status, 0U) << ran.err;
  EXPECT_EQ(ran.out, "left a holder\n");
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(WindowsCliTest, RunLeavesCtrlCToTheCommandAndStillRemovesTheDirectory) {
  // The tool and its command in a console of their own; the command sends Ctrl+C to the whole
  // console, sees it itself, and exits 5. The tool's handler keeps the tool alive and notes the
  // interrupt: the directory is removed despite --keep-on-failure and the command's failure
  // (the run was interrupted), and the tool exits with the command's status. Without the
  // handler the tool would die of the event, with no report and the directory left.
  const fs::path area = make_subdir("area");
  const Finished ran = run_cli(L"run --json --keep-on-failure -- " + helper() + L" ctrl-c", area,
                               CREATE_NEW_CONSOLE);
  EXPECT_EQ(ran.status, 5U) << ran.err;
  EXPECT_THAT(ran.out, HasSubstr("\"status\":5,\"kept\":false}"));
  EXPECT_THAT(ran.err, ::testing::Not(HasSubstr("kept")));
  EXPECT_TRUE(test::list_dir(area).empty()) << "the scratch directory stayed";
  fs::remove_all(area);
}

TEST_F(WindowsCliTest, RunReportsACommandNotFound) {
  const Finished ran = run_cli(L"run -- no-such-command-here", scratch());
  EXPECT_EQ(ran.status, 127U);
  EXPECT_THAT(ran.err, HasSubstr("'no-such-command-here': No such file or directory"));
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(WindowsCliTest, SweepRemovesTheDeadsLeftoversAndSaysWhyItLeavesTheLives) {
  const fs::path area = make_subdir("area");
  const MkstempResult dead = mkstemp({.prefix = "job-", .dir = area});
  ::_close(dead.fd);
  {
    NamedTemporaryFile live({.prefix = "job-", .dir = area});
    const Finished swept =
        run_cli(L"sweep " + in_quotes(area.wstring()) + L" --prefix job- --min-age 0", scratch());
    EXPECT_EQ(swept.status, 0U) << swept.err;
    EXPECT_THAT(swept.out, HasSubstr("removed file " + dead.path.string() + "\n"));
    EXPECT_THAT(swept.out, HasSubstr("left " + live.name().string() +
                                     ": in use (a live owner holds its lock)\n"));
    EXPECT_EQ(test::list_dir(area), std::set<std::string>{live.name().filename().string()});
  }
  const Finished missing = run_cli(L"sweep C:\\no\\such\\dir", scratch());
  EXPECT_EQ(missing.status, 1U);
  EXPECT_THAT(missing.err, HasSubstr("cannot read 'C:\\\\no\\\\such\\\\dir'"));
  fs::remove_all(area);
}

}  // namespace
}  // namespace tempfile
