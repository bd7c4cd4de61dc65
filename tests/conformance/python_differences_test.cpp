// SPDX-License-Identifier: MIT
// One test per row of docs/python-differences.md, named after the row's id (PD1..): each proves
// that we behave as that row says where we differ from CPython. scripts/check_python_differences.py
// (ctest docs.python-differences) fails when an id has no test here or a test no row.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "create/create.hpp"
#include "create/names.hpp"
#include "create/tempdir.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/tempfile.hpp"

namespace fs = std::filesystem;

namespace {

// PD8 runs a set-user-ID copy of this program with TEMPFILE_PD8_PROBE set: the copy prints its
// effective uid and what gettempdir() found, and ends before GoogleTest starts.
const bool pd8_probe_ran = [] {
  if (std::getenv("TEMPFILE_PD8_PROBE") == nullptr) {
    return false;
  }
  std::error_code ec;
  const fs::path found = tempfile::gettempdir(ec);
  static_cast<void>(
      std::printf("euid=%u\ntempdir=%s\n", static_cast<unsigned>(::geteuid()), found.c_str()));
  static_cast<void>(std::fflush(stdout));
  ::_exit(0);
}();

}  // namespace

namespace tempfile {
namespace {

class PythonDifferencesTest : public test::ScratchTest {};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The output of a shell command (popen), and its exit status.
std::pair<std::string, int> run_shell(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return {"popen failed", -1};
  }
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    output += buffer;
  }
  return {output, ::pclose(pipe)};
}

// ---- Creation and names ----------------------------------------------------------------------

TEST_F(PythonDifferencesTest, PD1_TmpMaxIs10000Everywhere) {
  EXPECT_EQ(TMP_MAX, 10000);
}

TEST_F(PythonDifferencesTest, PD2_PrefixOrSuffixWithSlashOrNulIsRejectedAndNothingCreated) {
  EXPECT_THROW(static_cast<void>(mkstemp({.prefix = "../escaped"})), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(mkdtemp({.suffix = "a/b"})), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(mkstemp({.suffix = std::string("a\0b", 3)})),
               std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(scratch()));
  EXPECT_FALSE(fs::exists(scratch().parent_path() / "escaped"));
}

TEST_F(PythonDifferencesTest, PD3_PathWithNulIsRejectedEvenByRmtreeIgnoringErrors) {
  const std::string with_nul("victim\0/../x", 12);
  fs::create_directory("victim");
  try {
    rmtree(with_nul, /*ignore_errors=*/true);
    ADD_FAILURE() << "rmtree accepted a path with a NUL";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("embedded null byte"));
  }
  EXPECT_TRUE(fs::is_directory("victim"));
  EXPECT_THROW(static_cast<void>(mkstemp({.dir = fs::path(with_nul)})), std::invalid_argument);
  fs::remove("victim");
}

TEST_F(PythonDifferencesTest,
       PD4_NameLongerThan255BytesFailsForEveryCreatorIncludingTemporaryFile) {
  const std::string long_prefix(300, 'x');
  EXPECT_TEMPFILE_ERROR(TemporaryFile({.prefix = long_prefix}), std::errc::filename_too_long,
                        "File name too long");
  EXPECT_TEMPFILE_ERROR(SpooledTemporaryFile({.prefix = long_prefix}), std::errc::filename_too_long,
                        "File name too long");
  EXPECT_TEMPFILE_ERROR(mkstemp({.prefix = long_prefix}), std::errc::filename_too_long,
                        "File name too long");
  EXPECT_TRUE(fs::is_empty(scratch()));
}

TEST_F(PythonDifferencesTest, PD5_PathsInMessagesAreEscapedAndKeptExactInPath1) {
  const fs::path hostile("a\nb\xff");
  const error failure("cannot create file in", hostile,
                      std::make_error_code(std::errc::permission_denied));
  EXPECT_STREQ(failure.what(), "tempfile: cannot create file in 'a\\nb\\xff': Permission denied");
  EXPECT_EQ(failure.path1(), hostile);
}

TEST_F(PythonDifferencesTest, PD6_MkdtempAndMktempInARelativeDirReturnAbsolutePaths) {
  const fs::path directory = mkdtemp({.dir = "."});
  EXPECT_TRUE(directory.is_absolute()) << directory;
  EXPECT_EQ(directory.parent_path(), scratch());
  fs::remove(directory);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const fs::path name = mktemp({.dir = "."});
#pragma GCC diagnostic pop
  EXPECT_TRUE(name.is_absolute()) << name;
  EXPECT_EQ(name.parent_path(), scratch());
}

TEST_F(PythonDifferencesTest, PD7_RelativeTmpdirAndTempdirAreMadeAbsolute) {
  set_tempdir("relative");
  EXPECT_EQ(tempdir(), scratch() / "relative");

  const char* saved = std::getenv("TMPDIR");
  const std::optional<std::string> previous =
      saved == nullptr ? std::nullopt : std::optional<std::string>(saved);
  ASSERT_EQ(::setenv("TMPDIR", ".", 1), 0);
  set_tempdir(std::nullopt);  // search again, as Python's first gettempdir()
  const fs::path found = gettempdir();
  if (previous) {
    ::setenv("TMPDIR", previous->c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  EXPECT_EQ(found, scratch());  // Python: '.'
}

TEST_F(PythonDifferencesTest, PD8_SetUserIdProgramIgnoresTmpdir) {
  // A set-user-ID copy of this test program (owner nobody) run by root: euid != ruid, the
  // kernel sets AT_SECURE, and $TMPDIR must be ignored. The copy without the bit is the
  // positive control: the same TMPDIR is used.
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to give a copy to uid 65534 and run it set-user-ID";
  }
  fs::permissions(scratch(), fs::perms(0755));
  const fs::path wanted = scratch() / "wanted";
  fs::create_directory(wanted);
  fs::permissions(wanted, fs::perms(0777));
  const fs::path copy = scratch() / "probe";
  fs::copy_file("/proc/self/exe", copy);
  const std::string run =
      "TEMPFILE_PD8_PROBE=1 TMPDIR='" + wanted.string() + "' '" + copy.string() + "'";

  fs::permissions(copy, fs::perms(0755));
  const auto [plain, plain_status] = run_shell(run);
  EXPECT_EQ(plain_status, 0);
  EXPECT_THAT(plain, ::testing::HasSubstr("tempdir=" + wanted.string() + "\n"));

  ASSERT_EQ(::chown(copy.c_str(), 65534, 65534), 0) << std::strerror(errno);
  ASSERT_EQ(::chmod(copy.c_str(), 04755), 0) << std::strerror(errno);
  const auto [setuid, setuid_status] = run_shell(run);
  fs::remove(copy);
  fs::remove(wanted);
  ASSERT_EQ(setuid_status, 0) << setuid;
  if (setuid.find("euid=65534\n") == std::string::npos) {
    GTEST_SKIP() << "the set-user-ID bit had no effect here (nosuid mount?): " << setuid;
  }
  EXPECT_THAT(setuid, ::testing::HasSubstr("tempdir=/"));
  EXPECT_THAT(setuid, ::testing::Not(::testing::HasSubstr(wanted.string())));
}

TEST_F(PythonDifferencesTest, PD9_NoUsableDirectoryErrorSaysWhyEachCandidateFailed) {
  const std::string missing = (scratch() / "missing").string();
  create::RandomNames names;
  EXPECT_TEMPFILE_ERROR(
      create::find_usable_tempdir({missing}, names), std::errc::no_such_file_or_directory,
      "no usable temporary directory found among '" + missing + "' (No such file or directory)");
}

TEST_F(PythonDifferencesTest, PD10_NameExhaustionSaysHowManyNamesWereTried) {
  struct SameName final : create::NameSource {
    std::string_view next() override { return "aaaaaaaa"; }
  } names;
  std::ofstream(scratch() / "tmpaaaaaaaa") << "";
  const std::optional<std::string> none;
  const std::optional<fs::path> dir = scratch();
  EXPECT_TEMPFILE_ERROR(
      create::create_unique(create::EntryKind::file,
                            {.function = "mkstemp", .prefix = none, .suffix = none, .dir = dir},
                            names),
      std::errc::file_exists, "No usable temporary file name found (10000 names tried)");
  fs::remove(scratch() / "tmpaaaaaaaa");
}

TEST_F(PythonDifferencesTest, PD11_AForkedChildDrawsNamesOfItsOwn) {
  static_cast<void>(mkdtemp({.dir = make_subdir("warm")}));  // fills this thread's name buffer
  tempfile::rmtree(scratch() / "warm");
  const fs::path child_dir = make_subdir("child");
  const fs::path parent_dir = make_subdir("parent");
  constexpr int count = 20;
  ASSERT_EQ(test::run_in_child([&] {
              for (int i = 0; i < count; ++i) {
                static_cast<void>(mkdtemp({.dir = child_dir}));
              }
              return 0;
            }),
            0);
  for (int i = 0; i < count; ++i) {
    static_cast<void>(mkdtemp({.dir = parent_dir}));
  }
  const std::set<std::string> from_child = test::list_dir(child_dir);
  const std::set<std::string> from_parent = test::list_dir(parent_dir);
  EXPECT_EQ(from_child.size(), static_cast<std::size_t>(count));
  std::vector<std::string> shared;
  for (const std::string& name : from_parent) {
    if (from_child.contains(name)) {
      shared.push_back(name);
    }
  }
  EXPECT_THAT(shared, ::testing::IsEmpty());
  tempfile::rmtree(child_dir);
  tempfile::rmtree(parent_dir);
}

template <class Options>
constexpr bool has_mode = requires(Options options) {
  options.mode;
};

TEST_F(PythonDifferencesTest, PD12_KeywordArgumentsAreDesignatedInitializersInPythonsOrder) {
  // Python's keywords, in Python's order; `delete` is a C++ keyword, so it is `delete_`.
  const NamedTemporaryFileOptions named{.mode = "w+",
                                        .buffering = -1,
                                        .encoding = "utf-8",
                                        .newline = "\n",
                                        .suffix = ".txt",
                                        .prefix = "p",
                                        .dir = scratch(),
                                        .delete_ = true,
                                        .errors = "strict",
                                        .delete_on_close = true};
  EXPECT_EQ(NamedTemporaryFile(named).encoding(), "utf-8");
  static_assert(!has_mode<TemporaryDirectoryOptions>);  // Python: TypeError; here: no member
  // One path type (no bytes variants), and no `template` to change the default prefix.
  static_assert(std::is_same_v<decltype(MkstempResult::path), fs::path>);
  EXPECT_EQ(gettempprefix(), "tmp");
}

TEST_F(PythonDifferencesTest, PD13_OsFailuresAreOneExceptionTypeWithErrnoAndPaths) {
  const fs::path missing = scratch() / "missing";
  try {
    static_cast<void>(mkstemp({.dir = missing}));
    ADD_FAILURE() << "mkstemp in a missing directory succeeded";
  } catch (const std::filesystem::filesystem_error& e) {
    EXPECT_NE(dynamic_cast<const error*>(&e), nullptr);
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
    EXPECT_EQ(e.path1(), missing);
    EXPECT_EQ(e.path2().parent_path(), missing);
  }
}

TEST_F(PythonDifferencesTest, PD14_AnUnnamedFilesIoErrorNamesItsDirectory) {
  const fs::path directory = scratch();
  const int status = test::run_in_child([&] {
    const rlimit limit{1024, 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0 || ::signal(SIGXFSZ, SIG_IGN) == SIG_ERR) {
      return 10;
    }
    TemporaryFile file({.buffering = 0, .dir = directory});
    try {
      file.write(std::string(4096, 'x'));
      file.write(std::string(4096, 'x'));
    } catch (const error& e) {
      const std::string what = e.what();
      const bool as_documented =
          e.code() == std::errc::file_too_large && e.path1() == directory &&
          what.find("cannot write to unnamed temporary file (fd ") != std::string::npos;
      if (!as_documented) {
        static_cast<void>(std::fprintf(stderr, "got: %s\n", what.c_str()));
      }
      return as_documented ? 0 : 1;
    }
    return 2;
  });
  EXPECT_EQ(status, 0);
}

TEST_F(PythonDifferencesTest, PD15_ArgumentErrorsAreInvalidArgument) {
  EXPECT_THROW(TemporaryFile({.mode = "rw"}), std::invalid_argument);  // ValueError
  EXPECT_THROW(TemporaryFile({.mode = "w+", .buffering = 0}), std::invalid_argument);
  TemporaryFile text("w+");
  const std::string_view bytes = "bytes";
  EXPECT_THROW(text.write(std::as_bytes(std::span(bytes))), std::invalid_argument);  // TypeError
}

// ---- The file object -------------------------------------------------------------------------

TEST_F(PythonDifferencesTest, PD16_TextModeDefaultsToUtf8WhateverTheLocale) {
  NamedTemporaryFile file("w+");
  EXPECT_EQ(file.encoding(), "utf-8");
  file.write("\xc3\xa9");  // é
  file.flush();
  EXPECT_EQ(read_file(file.name()), "\xc3\xa9");
}

TEST_F(PythonDifferencesTest, PD17_TextTellIsTheBytePositionOrAnObjectLocalCookie) {
  TemporaryFile file({.mode = "w+", .encoding = "utf-7", .newline = ""});
  file.write(
      "a\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
      "b");  // a€€€€b
  file.seek(0);
  EXPECT_EQ(file.read(1), "a");
  EXPECT_EQ(file.tell(), 1);  // a clean decoder: the byte position, Python's value
  EXPECT_EQ(file.read(1), "\xe2\x82\xac");
  const std::int64_t cookie = file.tell();  // inside a base64 run: Python gives 2**128 + ...
  EXPECT_EQ(cookie & (std::int64_t{1} << 62), std::int64_t{1} << 62);
  const std::string rest = file.read();
  file.seek(cookie);
  EXPECT_EQ(file.read(), rest);

  TemporaryFile other({.mode = "w+", .encoding = "utf-7", .newline = ""});
  EXPECT_THROW(other.seek(cookie), std::invalid_argument);  // only valid where it was made
}

TEST_F(PythonDifferencesTest, PD18_UnknownErrorsHandlerIsRejectedAtConstruction) {
  EXPECT_THROW(TemporaryFile({.mode = "w+", .errors = "bogus"}), std::invalid_argument);
  EXPECT_THROW(NamedTemporaryFile({.mode = "w+", .errors = "bogus"}), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(scratch()));
}

TEST_F(PythonDifferencesTest, PD19_BinaryLineBufferingUsesTheDefaultBufferSilently) {
  ::testing::internal::CaptureStderr();
  NamedTemporaryFile file({.mode = "w+b", .buffering = 1});
  file.write(std::string_view("line\n"));
  EXPECT_EQ(fs::file_size(file.name()), 0U);  // not flushed at the line end: a full buffer
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // Python: RuntimeWarning
}

TEST_F(PythonDifferencesTest, PD20_TheDefaultBufferIs8KiBWithoutAskingTheFileSystem) {
  NamedTemporaryFile file;
  file.write(std::string(8192, 'x'));
  EXPECT_EQ(fs::file_size(file.name()),
            0U);  // CPython's st_blksize buffer (4 KiB) would have written
  file.write(std::string_view("y"));
  EXPECT_EQ(fs::file_size(file.name()), 8192U);
}

TEST_F(PythonDifferencesTest, PD21_EveryOperationOnAClosedFileHasOneMessage) {
  TemporaryFile file;
  file.close();
  std::string read_message;
  std::string write_message;
  try {
    static_cast<void>(file.read());
  } catch (const closed_file_error& e) {
    read_message = e.what();
  }
  try {
    file.write(std::string_view("x"));
  } catch (const closed_file_error& e) {
    write_message = e.what();
  }
  EXPECT_EQ(read_message, "I/O operation on closed file.");   // Python: "read of closed file"
  EXPECT_EQ(write_message, "I/O operation on closed file.");  // Python: "write to closed file"
}

TEST_F(PythonDifferencesTest, PD22_NewlinesIsAlwaysAVector) {
  TemporaryFile file("w+");
  EXPECT_THAT(file.newlines(), ::testing::IsEmpty());  // Python: None
  file.write("a\r\nb\nc\r");
  file.seek(0);
  static_cast<void>(file.read());
  EXPECT_THAT(file.newlines(), ::testing::ElementsAre("\r", "\n", "\r\n"));  // Python: a tuple
}

TEST_F(PythonDifferencesTest, PD23_SurrogateescapeCarriesBytesAsGeneralizedUtf8) {
  NamedTemporaryFile file({.mode = "w+", .errors = "surrogateescape"});
  std::ofstream(file.name(), std::ios::binary) << "\xff";
  EXPECT_EQ(file.read(), "\xed\xb3\xbf");  // U+DCFF as three bytes; Python: '\udcff'
  file.seek(0);
  file.write("\xed\xb3\xbf");
  file.flush();
  EXPECT_EQ(read_file(file.name()), "\xff");
}

TEST_F(PythonDifferencesTest, PD24_AnUnnamedFilesNameIsItsDescriptorNumberAsAPath) {
  TemporaryFile file;
  EXPECT_EQ(file.name(), fs::path(std::to_string(file.fileno())));  // Python: the int
  EXPECT_EQ(file.path(), std::nullopt);                             // not a path: path() says so
  NamedTemporaryFile named({.dir = scratch()});
  EXPECT_EQ(named.path(), std::optional<fs::path>(named.name()));
}

TEST_F(PythonDifferencesTest, PD49_CharDataFollowsTheModeAndByteDataIsBinaryOnly) {
  TemporaryFile binary;
  binary.write(std::string("ab"));  // Python: TypeError; here bytes
  binary.write(std::vector<unsigned char>{'c', 'd'});
  binary.seek(0);
  EXPECT_EQ(binary.read(), "abcd");
  TemporaryFile text({.mode = "w+"});
  EXPECT_THROW(text.write(std::vector<unsigned char>{'x'}), std::invalid_argument);
  text.write(std::string("text"));
  text.seek(0);
  EXPECT_EQ(text.read(), "text");
}

TEST_F(PythonDifferencesTest, PD25_NamedTemporaryFileRemovesOnlyItsOwnFile) {
  NamedTemporaryFile file({.dir = scratch()});
  std::ofstream(scratch() / "impostor") << "someone else's";
  fs::rename(scratch() / "impostor", file.name());
  file.close();  // Python would unlink whatever has the name now
  EXPECT_EQ(read_file(file.name()), "someone else's");
  fs::remove(file.name());
}

TEST_F(PythonDifferencesTest, PD48_AFlushThatFailsAtDestructionIsLostSilently) {
  const fs::path directory = scratch();
  const int status = test::run_in_child([&] {
    const rlimit limit{1024, 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0 || ::signal(SIGXFSZ, SIG_IGN) == SIG_ERR) {
      return 10;
    }
    ::testing::internal::CaptureStderr();
    fs::path name;
    {
      NamedTemporaryFile file({.dir = directory, .delete_ = false});
      name = file.name();
      file.write(std::string(4096, 'x'));  // buffered; the destructor's flush fails (EFBIG)
    }
    const std::string printed = ::testing::internal::GetCapturedStderr();
    const auto size = fs::file_size(name);
    fs::remove(name);
    return printed.empty() && size <= 1024 ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
}

// ---- SpooledTemporaryFile --------------------------------------------------------------------

TEST_F(PythonDifferencesTest, PD27_SpooledArgumentsAreCheckedAtConstruction) {
  EXPECT_THROW(SpooledTemporaryFile({.mode = "rw"}), std::invalid_argument);
  EXPECT_THROW(SpooledTemporaryFile({.prefix = "a/b"}), std::invalid_argument);
  EXPECT_THROW(SpooledTemporaryFile({.mode = "w+", .errors = "bogus"}), std::invalid_argument);
}

TEST_F(PythonDifferencesTest, PD28_NegativeMaxSizeIsAnError) {
  EXPECT_THROW(SpooledTemporaryFile(-1), std::invalid_argument);
}

TEST_F(PythonDifferencesTest, PD29_TheModeIsObeyedInMemory) {
  SpooledTemporaryFile write_only({.mode = "wb"});
  write_only.write(std::string_view("x"));
  write_only.seek(0);
  EXPECT_FALSE(write_only.readable());
  EXPECT_THROW(static_cast<void>(write_only.read()), unsupported_operation);
  EXPECT_FALSE(write_only.rolled());
}

TEST_F(PythonDifferencesTest, PD30_TruncateGrowsAFileInMemory) {
  SpooledTemporaryFile file(100);  // truncate(n) past max_size would roll over, as in Python
  file.write(std::string_view("ab"));
  EXPECT_EQ(file.truncate(5), 5);
  file.seek(0);
  EXPECT_EQ(file.read(), std::string("ab\0\0\0", 5));  // Python's BytesIO: still "ab"
  EXPECT_FALSE(file.rolled());
}

TEST_F(PythonDifferencesTest, PD31_AFailedRolloverLosesNothing) {
  SpooledTemporaryFile file({.max_size = 4, .dir = scratch() / "missing"});
  file.write(std::string_view("abc"));
  EXPECT_TEMPFILE_ERROR(file.write(std::string_view("defgh")), std::errc::no_such_file_or_directory,
                        "missing");
  EXPECT_FALSE(file.rolled());
  EXPECT_EQ(file.tell(), 3);  // the failed write stored nothing
  file.seek(0);
  EXPECT_EQ(file.read(), "abc");
}

TEST_F(PythonDifferencesTest, PD32_TextStateAndCookiesSurviveRollover) {
  SpooledTemporaryFile file({.mode = "w+", .encoding = "utf-7", .newline = ""});
  file.write(
      "a\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
      "b");  // a€€€b
  file.seek(0);
  EXPECT_EQ(file.read(2), "a\xe2\x82\xac");
  const std::int64_t cookie = file.tell();  // a decoder state inside a base64 run
  file.rollover();
  ASSERT_TRUE(file.rolled());
  file.seek(cookie);
  EXPECT_EQ(file.read(),
            "\xe2\x82\xac\xe2\x82\xac"
            "b");
}

TEST_F(PythonDifferencesTest, PD33_IterationGoesOnInTheNewStorageAfterRollover) {
  SpooledTemporaryFile file;
  file.write(std::string_view("1\n2\n3\n"));
  file.seek(0);
  std::vector<std::string> lines;
  for (const std::string& line : file) {
    lines.push_back(line);
    if (lines.size() == 1) {
      file.rollover();  // CPython's iterator keeps reading the abandoned BytesIO
    }
  }
  EXPECT_TRUE(file.rolled());
  EXPECT_THAT(lines, ::testing::ElementsAre("1\n", "2\n", "3\n"));
}

TEST_F(PythonDifferencesTest, PD34_FilenoOfAClosedFileInMemoryCreatesNothing) {
  SpooledTemporaryFile file({.dir = scratch()});
  file.close();
  EXPECT_THROW(static_cast<void>(file.fileno()), closed_file_error);
  EXPECT_FALSE(file.rolled());
  EXPECT_TRUE(fs::is_empty(scratch()));
}

TEST_F(PythonDifferencesTest, PD35_PeekAndRead1WorkInMemoryAndBufferingZeroRefusesThem) {
  SpooledTemporaryFile buffered;
  buffered.write(std::string_view("abc"));
  buffered.seek(0);
  EXPECT_EQ(buffered.peek(), "abc");  // CPython's SpooledTemporaryFile has no peek
  EXPECT_EQ(buffered.read1(2), "ab");

  SpooledTemporaryFile unbuffered({.buffering = 0});
  unbuffered.write(std::string_view("abc"));
  unbuffered.seek(0);
  EXPECT_THROW(static_cast<void>(unbuffered.read1(2)), unsupported_operation);  // BytesIO answers
  EXPECT_THROW(static_cast<void>(unbuffered.peek()), unsupported_operation);
}

TEST_F(PythonDifferencesTest, PD36_NameIsEmptyUntilRolloverThenTheDescriptor) {
  SpooledTemporaryFile file;
  EXPECT_TRUE(file.name().empty());  // Python: None
  file.rollover();
  EXPECT_EQ(file.name(), fs::path(std::to_string(file.fileno())));
}

// ---- TemporaryDirectory and rmtree -----------------------------------------------------------

TEST_F(PythonDifferencesTest, PD37_PD38_AReplacedRootIsLeftAloneAndReported) {
  TemporaryDirectory directory({.dir = scratch()});
  const fs::path name = directory.name();
  std::ofstream(name / "ours.txt") << "ours";
  fs::rename(name, scratch() / "moved");
  fs::create_directory(name);  // an impostor under the name
  std::ofstream(name / "theirs.txt") << "theirs";
  try {
    directory.cleanup();
    ADD_FAILURE() << "cleanup() of a replaced root reported nothing";
  } catch (const cleanup_error& e) {
    ASSERT_FALSE(e.failures().empty());
    EXPECT_EQ(e.failures().front().path, name);
    EXPECT_THAT(e.what(), ::testing::HasSubstr(name.string()));
  }
  EXPECT_EQ(read_file(name / "theirs.txt"), "theirs");         // shutil.rmtree would remove it
  EXPECT_FALSE(fs::exists(scratch() / "moved" / "ours.txt"));  // ours, through the descriptor
  fs::remove_all(name);
  fs::remove_all(scratch() / "moved");
}

TEST_F(PythonDifferencesTest, PD39_NoWarningWhenAnObjectCleansUpAtDestruction) {
  ::testing::internal::CaptureStderr();
  {
    const TemporaryDirectory directory;
    const NamedTemporaryFile file;
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // Python: ResourceWarning
}

TEST_F(PythonDifferencesTest, PD40_AForkedChildNeverRemovesItsParentsDirectory) {
  TemporaryDirectory directory;
  const fs::path name = directory.name();
  const int status = test::run_in_child([&] {
    int result = 3;
    try {
      directory.cleanup();
    } catch (const error& e) {
      result = e.code() == std::errc::operation_not_permitted ? 0 : 4;
    }
    { const TemporaryDirectory taken = std::move(directory); }  // destroyed in the child
    return fs::is_directory(name) ? result : 5;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(fs::is_directory(name));
}

TEST_F(PythonDifferencesTest, PD41_RmtreeRefusesASymbolicLinkRoot) {
  const fs::path target = make_subdir("target");
  std::ofstream(target / "kept.txt") << "kept";
  fs::create_directory_symlink(target, scratch() / "link");
  EXPECT_THROW(rmtree(scratch() / "link"), cleanup_error);
  EXPECT_EQ(read_file(target / "kept.txt"), "kept");
  fs::remove(scratch() / "link");
  fs::remove_all(target);
}

TEST_F(PythonDifferencesTest, PD42_TemporaryDirectoryHoldsASharedFlockByDefault) {
  const auto exclusive_lock_possible = [](const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool locked = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (fd >= 0) {
      ::close(fd);
    }
    return locked;
  };
  const TemporaryDirectory locked;
  EXPECT_FALSE(exclusive_lock_possible(locked.name()));  // a tmp cleaner's exclusive lock fails
  const TemporaryDirectory unlocked({.lock = false});
  EXPECT_TRUE(exclusive_lock_possible(unlocked.name()));
}

// ---- Ends of the process ---------------------------------------------------------------------

TEST_F(PythonDifferencesTest, PD43_CtrlCRemovesNothingUnlessCleanupOnSignalsWasCalled) {
  const auto interrupted = [&](bool opt_in) {
    return test::run_in_child([&] {
      if (opt_in) {
        cleanup_on_signals();
      }
      const NamedTemporaryFile file({.prefix = "pd43-", .dir = scratch()});
      const TemporaryDirectory directory({.prefix = "pd43-", .dir = scratch()});
      ::raise(SIGINT);  // Python: KeyboardInterrupt, and `with` blocks clean up
      return 0;
    });
  };
  EXPECT_EQ(interrupted(false), 128 + SIGINT);
  EXPECT_EQ(test::list_dir(scratch()).size(), 2U);  // both left behind
  for (const std::string& name : test::list_dir(scratch())) {
    fs::remove_all(scratch() / name);
  }
  EXPECT_EQ(interrupted(true), 128 + SIGINT);  // positive control: the opt-in removes them
  EXPECT_TRUE(fs::is_empty(scratch()));
}

TEST_F(PythonDifferencesTest, PD44_AnUncaughtExceptionRemovesNothingWithoutOptIn) {
  const auto terminated = [&](bool opt_in) {
    return test::run_in_child([&] {
      if (opt_in) {
        cleanup_on_terminate();
      }
      const TemporaryDirectory directory({.prefix = "pd44-", .dir = scratch()});
      std::terminate();  // what an uncaught exception ends in; Python unwinds `with` blocks
      return 0;
    });
  };
  EXPECT_EQ(terminated(false), 128 + SIGABRT);
  const auto left = test::list_dir(scratch());
  EXPECT_EQ(left.size(), 1U);
  for (const std::string& name : left) {
    fs::remove_all(scratch() / name);
  }
  // The opt-in: the same end removes the directory, and the process still dies of SIGABRT.
  EXPECT_EQ(terminated(true), 128 + SIGABRT);
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

// ---- Encodings -------------------------------------------------------------------------------

TEST_F(PythonDifferencesTest, PD45_Iso2022CodecsAreRefused) {
  for (const char* encoding : {"iso2022_jp", "iso2022_jp_2", "iso2022_kr"}) {
    try {
      TemporaryFile file({.mode = "w+", .encoding = encoding});
      ADD_FAILURE() << encoding << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("is not supported")) << encoding;
    }
  }
}

TEST_F(PythonDifferencesTest, PD46_OtherPythonCodecsWithoutAnImplementationAreRefused) {
  for (const char* encoding : {"hz", "euc_jis_2004", "shift_jisx0213", "idna", "punycode",
                               "unicode_escape", "raw_unicode_escape"}) {
    try {
      TemporaryFile file({.mode = "w+", .encoding = encoding});
      ADD_FAILURE() << encoding << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("is not supported")) << encoding;
    }
  }
}

TEST_F(PythonDifferencesTest, PD47_DecodingUnderAnEncodeOnlyHandlerIsInvalidArgument) {
  for (const char* handler : {"xmlcharrefreplace", "namereplace"}) {
    NamedTemporaryFile file({.mode = "w+", .errors = handler});
    std::ofstream(file.name(), std::ios::binary) << "\xff";
    try {
      static_cast<void>(file.read());
      ADD_FAILURE() << handler << ": an undecodable byte was accepted";
    } catch (const unicode_error& e) {
      ADD_FAILURE() << handler << ": a unicode_error, not a plain invalid_argument: " << e.what();
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("don't know how to handle UnicodeDecodeError"));
    }
  }
}

}  // namespace
}  // namespace tempfile
