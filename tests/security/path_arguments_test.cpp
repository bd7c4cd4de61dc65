// SPDX-License-Identifier: MIT
// Paths given by the caller and paths shown to the caller: a NUL in any path argument is refused
// before any system call (A8), an overlong generated name fails the same way with and without
// O_TMPFILE (A10), hostile entry names are escaped in what() (C-series cleanup reports), and
// write errors name the file, not its descriptor number as if it were a path (E1).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include "harness.hpp"
#include "support/name_sources.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// `base` + NUL + `tail`: what the system calls would read is only `base`.
fs::path with_nul(const fs::path& base, const std::string& tail) {
  std::string text = base.native();
  text += '\0';
  text += tail;
  return {text};
}

auto RefusedNul(const char* function, const char* argument) {
  return ::testing::AllOf(::testing::StartsWith("invalid_argument: "), HasSubstr(function),
                          HasSubstr(argument), HasSubstr("embedded null byte"));
}

class PathArgumentTest : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    // "d" exists: a path truncated at its NUL ("d\0x" read as "d") would name it, so every
    // create under "d\0x/..." would collide with it (EEXIST) or land next to it.
    dir_ = make_subdir("d");
    bad_dir_ = with_nul(dir_, "x");
  }
  void TearDown() override {
    EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"d"}) << "something was created";
    EXPECT_TRUE(list_dir(dir_).empty()) << "something was created in d";
    fs::remove(dir_);
    ScratchTest::TearDown();
  }
  fs::path dir_;
  fs::path bad_dir_;
};

// Every creation function refuses a dir with a NUL at once, naming itself and "dir". Before,
// the path was cut at the NUL: dir "d\0x" meant creating "d" itself, EEXIST 10,000 times, then
// a misleading "No usable temporary file name found".
TEST_F(PathArgumentTest, A8_EveryCreatorRefusesADirWithANulBeforeAnySystemCall) {
  EXPECT_THAT(outcome([&] { static_cast<void>(mkstemp({.dir = bad_dir_})); }),
              RefusedNul("mkstemp", "dir"));
  EXPECT_THAT(outcome([&] { static_cast<void>(mkdtemp({.dir = bad_dir_})); }),
              RefusedNul("mkdtemp", "dir"));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_THAT(outcome([&] { static_cast<void>(mktemp({.dir = bad_dir_})); }),
              RefusedNul("mktemp", "dir"));
#pragma GCC diagnostic pop
  EXPECT_THAT(outcome([&] { NamedTemporaryFile f({.dir = bad_dir_}); }),
              RefusedNul("NamedTemporaryFile", "dir"));
  EXPECT_THAT(outcome([&] { TemporaryFile f({.dir = bad_dir_}); }),
              RefusedNul("TemporaryFile", "dir"));
  // Refused at construction, not at a rollover long after the data was entrusted to it.
  EXPECT_THAT(outcome([&] { SpooledTemporaryFile f({.max_size = 10, .dir = bad_dir_}); }),
              RefusedNul("SpooledTemporaryFile", "dir"));
  EXPECT_THAT(outcome([&] { TemporaryDirectory t({.dir = bad_dir_}); }),
              RefusedNul("TemporaryDirectory", "dir"));

  // The error_code forms report it as EINVAL.
  std::error_code ec;
  const MkstempResult made = mkstemp({.dir = bad_dir_}, ec);
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(made.fd, -1);
  EXPECT_TRUE(mkdtemp({.dir = bad_dir_}, ec).empty());
  EXPECT_EQ(ec, std::errc::invalid_argument);
}

// No system call is made: not one candidate name is drawn for a dir with a NUL (before, all
// 10,000 were, each answered EEXIST by the existing "d").
TEST_F(PathArgumentTest, A8_ADirWithANulDrawsNoCandidateName) {
  const std::optional<std::string> no_part;
  const std::optional<fs::path> dir = bad_dir_;
  for (const create::EntryKind kind : {create::EntryKind::file, create::EntryKind::directory}) {
    CountingRandomNames names;
    EXPECT_THAT(
        outcome([&] {
          static_cast<void>(create::create_unique(kind, {"mkstemp", no_part, no_part, dir}, names));
        }),
        RefusedNul("mkstemp", "dir"));
    EXPECT_EQ(names.calls(), 0) << "candidate names were tried";
  }
}

// The NUL may hide anywhere, even right at the end ("d\0"), and relative dirs too (which would
// otherwise first ask for the current directory).
TEST_F(PathArgumentTest, A8_ANulAnywhereInDirIsRefused) {
  for (const fs::path& bad : {with_nul(dir_, ""), with_nul("d", "/sub"), with_nul("", "d"),
                              fs::path(std::string("d/\0/..", 6))}) {
    EXPECT_THAT(outcome([&] { static_cast<void>(mkstemp({.dir = bad})); }),
                RefusedNul("mkstemp", "dir"))
        << "dir of " << bad.native().size() << " bytes";
  }
}

// set_tempdir() with a NUL is refused and changes nothing (before: accepted, and every later
// creation without a dir then failed after 10,000 tries).
TEST_F(PathArgumentTest, A8_SetTempdirRefusesANulAndKeepsTheDirectory) {
  const std::optional<fs::path> before = tempdir();
  EXPECT_THAT(outcome([&] { set_tempdir(bad_dir_); }), RefusedNul("set_tempdir", "dir"));
  EXPECT_EQ(tempdir(), before);
  // Creation without a dir still works, in the old directory.
  const MkstempResult made = mkstemp({.prefix = "still-"});
  EXPECT_EQ(made.path.parent_path(), *before);
  ::close(made.fd);
  fs::remove(made.path);
}

// rmtree("<d>/victim\0/../x") used to remove <d>/victim: the system calls saw only the part
// before the NUL. Now it is refused, even with ignore_errors, and the victim is untouched.
TEST_F(PathArgumentTest, A8_RmtreeWithANulRemovesNothing) {
  const fs::path victim = dir_ / "victim";
  fs::create_directory(victim);
  {
    const int fd = ::open((victim / "precious").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "data", 4), 4);
    ::close(fd);
  }
  const fs::path hostile = with_nul(victim, "/../x");
  EXPECT_THAT(outcome([&] { rmtree(hostile); }), RefusedNul("rmtree", "path"));
  EXPECT_THAT(outcome([&] { rmtree(hostile, true); }), RefusedNul("rmtree", "path"));
  EXPECT_TRUE(fs::exists(victim / "precious")) << "the victim was removed";
  fs::remove_all(victim);
}

// The same rule for the generated name in every build: a name longer than a file-name
// component may be (255 bytes) fails with ENAMETOOLONG naming the directory and the name, before
// anything is created. Before, TemporaryFile with O_TMPFILE (which never uses the name)
// succeeded while the create-and-unlink fallback (portable builds, file systems without
// O_TMPFILE) failed.
TEST_F(PathArgumentTest, A10_AnOverlongNameFailsTheSameWithAndWithoutOTmpfile) {
  const std::string too_long(300, 'x');
  const auto expect_too_long = [&](const std::string& got, const char* which) {
    EXPECT_THAT(got, HasSubstr("error " + std::to_string(ENAMETOOLONG) + ": ")) << which;
    EXPECT_THAT(got, HasSubstr(dir_.native())) << which;
    EXPECT_THAT(got, HasSubstr(too_long)) << which;
  };
  expect_too_long(outcome([&] { TemporaryFile f({.prefix = too_long, .dir = dir_}); }),
                  "TemporaryFile prefix");
  expect_too_long(outcome([&] { TemporaryFile f({.suffix = too_long, .dir = dir_}); }),
                  "TemporaryFile suffix");
  expect_too_long(
      outcome([&] { SpooledTemporaryFile f({.max_size = 1, .prefix = too_long, .dir = dir_}); }),
      "SpooledTemporaryFile");
  expect_too_long(
      outcome([&] {
        SpooledTemporaryFile f({.max_size = 1, .prefix = too_long, .dir = dir_, .memfd = true});
      }),
      "SpooledTemporaryFile with memfd");
  expect_too_long(outcome([&] { NamedTemporaryFile f({.prefix = too_long, .dir = dir_}); }),
                  "NamedTemporaryFile");
  expect_too_long(outcome([&] { static_cast<void>(mkstemp({.prefix = too_long, .dir = dir_})); }),
                  "mkstemp");
  expect_too_long(outcome([&] { static_cast<void>(mkdtemp({.suffix = too_long, .dir = dir_})); }),
                  "mkdtemp");
  expect_too_long(outcome([&] { TemporaryDirectory t({.prefix = too_long, .dir = dir_}); }),
                  "TemporaryDirectory");

  // The limit itself: 247 + 8 random characters = 255 bytes works everywhere, 248 does not.
  EXPECT_EQ(outcome([&] {
              TemporaryFile f({.prefix = std::string(247, 'y'), .dir = dir_});
              f.write("ok");
            }),
            "ok");
  EXPECT_EQ(
      outcome([&] {
        NamedTemporaryFile f({.suffix = "1234567", .prefix = std::string(240, 'y'), .dir = dir_});
      }),
      "ok");
  EXPECT_THAT(outcome([&] { TemporaryFile f({.prefix = std::string(248, 'z'), .dir = dir_}); }),
              HasSubstr("error " + std::to_string(ENAMETOOLONG) + ": "));
}

// A SpooledTemporaryFile judges the name at construction, but without searching for the default
// directory: a file that never rolls over needs none.
TEST_F(PathArgumentTest, A10_SpooledChecksTheNameWithoutSearchingForADirectory) {
  set_tempdir(std::nullopt);  // ScratchTest puts it back
  const std::string got =
      outcome([&] { SpooledTemporaryFile f({.max_size = 10, .prefix = std::string(300, 'x')}); });
  EXPECT_THAT(got, ::testing::StartsWith("error " + std::to_string(ENAMETOOLONG) + ": "));
  EXPECT_THAT(got, HasSubstr("the default temporary directory")) << got;
  EXPECT_EQ(tempdir(), std::nullopt) << "the default directory was searched for";
  EXPECT_EQ(outcome([&] { SpooledTemporaryFile f({.max_size = 10}); }), "ok");
  EXPECT_EQ(tempdir(), std::nullopt) << "the default directory was searched for";
}

// --- what() of errors about hostile names ----------------------------------------------------

class HostileNameTest : public ScratchTest {};

constexpr const char* forged_line = "a\nfake: line";
constexpr const char* invalid_utf8 = "\xff";

// tempfile::error's what() escapes the path: no raw newline or invalid UTF-8 reaches a log.
TEST_F(HostileNameTest, ErrorWhatEscapesNewlinesAndInvalidUtf8InPaths) {
  const fs::path forged = scratch() / forged_line;
  const fs::path invalid = scratch() / invalid_utf8;
  fs::create_directory(forged);
  fs::create_directory(invalid);
  for (const fs::path& dir : {forged, invalid}) {
    try {
      static_cast<void>(mkstemp({.dir = dir / "missing"}));
      ADD_FAILURE() << "mkstemp in a missing directory succeeded";
    } catch (const tempfile::error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_EQ(what.find('\xff'), std::string::npos) << what;
      EXPECT_EQ(e.path1(), dir / "missing") << "path1() keeps the exact bytes";
      EXPECT_THAT(
          what, ::testing::AnyOf(HasSubstr("a\\nfake: line/missing"), HasSubstr("/\\xff/missing")));
    }
  }
  fs::remove(forged);
  fs::remove(invalid);
}

// cleanup_error lists every entry left behind; real entries named "a\nfake: line" and "\xff"
// appear escaped, one line in all. The entries are root's inside a tree removed by uid 65534,
// so removal really fails (as root nothing would; without root no such tree can be made).
TEST_F(HostileNameTest, CleanupErrorWhatEscapesHostileEntryNames) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to make entries the removing user cannot remove";
  }
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0) << std::strerror(errno);
  for (const char* name : {forged_line, invalid_utf8}) {
    fs::create_directory(work / name);  // root's, 0755: uid 65534 cannot empty it
    const int fd = ::open((work / name / "kept").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  const ChildRun child = run_child([&](std::string& out) {
    if (!become_unprivileged()) {
      out = std::string("become_unprivileged: ") + std::strerror(errno);
      return 1;
    }
    try {
      rmtree(work);
      out = "rmtree succeeded";
      return 2;
    } catch (const cleanup_error& e) {
      out = e.what();
      out += "\n";
      for (const auto& failure : e.failures()) {
        out +=
            failure.path.native() == (work / forged_line / "kept").native() ? "raw-forged\n" : "";
        out +=
            failure.path.native() == (work / invalid_utf8 / "kept").native() ? "raw-invalid\n" : "";
      }
      return 0;
    }
  });
  ASSERT_EQ(child.status, 0) << child.output;
  const std::string what = child.output.substr(0, child.output.find('\n'));
  EXPECT_THAT(what, HasSubstr("/a\\nfake: line/kept'")) << what;
  EXPECT_THAT(what, HasSubstr("/\\xff/kept'")) << what;
  EXPECT_EQ(what.find('\xff'), std::string::npos) << what;
  EXPECT_THAT(child.output, HasSubstr("raw-forged\n")) << "failures() keeps the exact path";
  EXPECT_THAT(child.output, HasSubstr("raw-invalid\n")) << "failures() keeps the exact path";
  // Exactly one line of what(): the forged "fake: line" did not start a line of its own.
  EXPECT_THAT(child.output, Not(HasSubstr("\nfake: line")));
  force_remove_all(work);
}

// --- write errors name the file --------------------------------------------------------------

class WriteErrorNameTest : public ScratchTest {};

// In a child, files may grow to 4 KiB (RLIMIT_FSIZE, SIGXFSZ ignored, so write(2) reports
// EFBIG). A named file's error names its path; a file with no name (TemporaryFile, a spooled
// file after rollover) says so and names its directory, instead of "cannot write to '3'" (its
// descriptor number, shown as if it were a path). Python names nothing at all here.
TEST_F(WriteErrorNameTest, E1_WriteErrorsNameThePathOrTheDirectoryNeverJustTheDescriptor) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    static_cast<void>(std::signal(SIGXFSZ, SIG_IGN));
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 4096;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
      out = std::string("setrlimit: ") + std::strerror(errno);
      return 1;
    }
    const std::string big(8192, 'x');
    NamedTemporaryFile named({.dir = dir});
    add_fact(out, "named_path", named.name().native());
    add_fact(out, "named", outcome([&] {
               named.write(big);
               named.flush();
             }));
    TemporaryFile unnamed({.dir = dir});
    add_fact(out, "unnamed_fd", std::to_string(unnamed.fileno()));
    add_fact(out, "unnamed", outcome([&] {
               unnamed.write(big);
               unnamed.flush();
             }));
    TemporaryFile text({.mode = "w+", .dir = dir});
    add_fact(out, "text", outcome([&] {
               text.write(big);
               text.flush();
             }));
    SpooledTemporaryFile spooled({.max_size = 10, .dir = dir});
    spooled.write("small");
    spooled.rollover();
    add_fact(out, "spooled", outcome([&] {
               spooled.write(big);
               spooled.flush();
             }));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  const std::string efbig = "error " + std::to_string(EFBIG) + ": ";
  const std::string named_path = fact(child.output, "named_path").value_or("?");
  EXPECT_THAT(fact(child.output, "named").value_or(""),
              ::testing::StartsWith(efbig + "tempfile: cannot write to '" + named_path + "'"));
  const std::string unnamed_fd = fact(child.output, "unnamed_fd").value_or("?");
  for (const char* key : {"unnamed", "text", "spooled"}) {
    const std::string got = fact(child.output, key).value_or("");
    EXPECT_THAT(got, ::testing::StartsWith(efbig)) << key;
    EXPECT_THAT(got, HasSubstr("unnamed temporary file (fd ")) << key;
    EXPECT_THAT(got, HasSubstr(") in '" + dir.native() + "': File too large")) << key;
    EXPECT_THAT(got, Not(HasSubstr("'" + unnamed_fd + "'"))) << key;
  }
  EXPECT_TRUE(list_dir(dir).empty());
  fs::remove(dir);
}

}  // namespace
}  // namespace tempfile::test
