// SPDX-License-Identifier: MIT
// The creation layer on Windows (run under wine in CI): gettempdir's candidates, mkstemp,
// mkdtemp and mktemp with wide-character paths, CREATE_NEW collisions retried, and a name held
// by a directory (ERROR_ACCESS_DENIED) retried a bounded number of times, never forever.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <io.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "create/create.hpp"
#include "create/paths.hpp"
#include "create/tempdir.hpp"
#include "os/path.hpp"
#include "os/random.hpp"
#include "os/sys.hpp"
#include "os/windows_error.hpp"
#include "support/name_sources.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/tempfile.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

// A directory of the test's own under the system's temporary directory, removed afterwards.
class Scratch {
 public:
  Scratch() {
    const fs::path base = fs::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
      char name[16];
      os::random_name(name);
      fs::path candidate = base / ("tf_win_" + std::string(name, os::name_length));
      if (fs::create_directory(candidate)) {
        path_ = candidate;
        return;
      }
    }
    throw std::runtime_error("no scratch directory");
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] const fs::path& path() const noexcept { return path_; }
  // The directory as the library's UTF-8 text.
  [[nodiscard]] std::string text() const { return os::from_path(path_); }

 private:
  fs::path path_;
};

// Sets (or with nullopt unsets) an environment variable for the test's duration.
class ScopedVariable {
 public:
  ScopedVariable(const wchar_t* name, const std::optional<std::wstring>& value) : name_(name) {
    wchar_t buffer[32768];
    const DWORD length = ::GetEnvironmentVariableW(name, buffer, 32768);
    if (length > 0 && length < 32768) {
      old_ = std::wstring(buffer, length);
    }
    ::SetEnvironmentVariableW(name, value ? value->c_str() : nullptr);
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;
  ~ScopedVariable() { ::SetEnvironmentVariableW(name_, old_ ? old_->c_str() : nullptr); }

 private:
  const wchar_t* name_;
  std::optional<std::wstring> old_;
};

bool is_name_character(char c) {
  return os::name_alphabet.find(c) != std::string_view::npos;
}

// The name part between prefix and suffix is Python's: 8 characters of [a-z0-9_].
void expect_random_part(const std::string& name, const std::string& prefix,
                        const std::string& suffix) {
  ASSERT_EQ(name.size(), prefix.size() + os::name_length + suffix.size()) << name;
  EXPECT_EQ(name.substr(0, prefix.size()), prefix);
  EXPECT_EQ(name.substr(name.size() - suffix.size()), suffix);
  const std::string random = name.substr(prefix.size(), os::name_length);
  EXPECT_TRUE(std::all_of(random.begin(), random.end(), is_name_character)) << random;
}

// --- names and random bytes -----------------------------------------------------------------

TEST(WindowsRandom, BCryptGenRandomFillsTheBuffer) {
  unsigned char first[64] = {};
  unsigned char second[64] = {};
  os::random_bytes(first, sizeof first);
  os::random_bytes(second, sizeof second);
  EXPECT_FALSE(std::equal(std::begin(first), std::end(first), std::begin(second)));
  EXPECT_FALSE(
      std::all_of(std::begin(first), std::end(first), [](unsigned char b) { return b == 0; }));
}

TEST(WindowsRandom, NamesArePythonsAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    char name[os::name_length];
    os::random_name(name);
    const std::string text(name, os::name_length);
    EXPECT_TRUE(std::all_of(text.begin(), text.end(), is_name_character)) << text;
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 1000U);
}

// --- path syntax ----------------------------------------------------------------------------

TEST(WindowsPaths, NormalAbsoluteIsADriveLetterPathWithBackslashesOnly) {
  EXPECT_TRUE(os::is_normal_absolute("C:\\"));
  EXPECT_TRUE(os::is_normal_absolute("C:\\Users\\me\\Temp"));
  EXPECT_FALSE(os::is_normal_absolute("C:\\Users\\"));
  EXPECT_FALSE(os::is_normal_absolute("C:/Users"));
  EXPECT_FALSE(os::is_normal_absolute("C:\\a\\..\\b"));
  EXPECT_FALSE(os::is_normal_absolute("C:\\a\\.\\b"));
  EXPECT_FALSE(os::is_normal_absolute("C:\\a.\\b"));
  EXPECT_FALSE(os::is_normal_absolute("C:\\a\\\\b"));
  EXPECT_FALSE(os::is_normal_absolute("C:relative"));
  EXPECT_FALSE(os::is_normal_absolute("\\temp"));
  EXPECT_FALSE(os::is_normal_absolute("relative"));
}

TEST(WindowsPaths, ParentOfAbsoluteStopsAtTheRoot) {
  EXPECT_EQ(os::parent_of_absolute("C:\\a\\b"), "C:\\a");
  EXPECT_EQ(os::parent_of_absolute("C:\\a"), "C:\\");
  EXPECT_EQ(os::parent_of_absolute("C:\\"), "C:\\");
  EXPECT_EQ(os::parent_of_absolute("\\\\server\\share\\a"), "\\\\server\\share\\");
}

TEST(WindowsPaths, AbsolutePathIsGetFullPathNameNormalised) {
  std::string cwd;
  ASSERT_EQ(os::current_directory(cwd), 0);
  EXPECT_EQ(create::absolute_path("C:/a/b/"), "C:\\a\\b");
  EXPECT_EQ(create::absolute_path("C:\\a\\x\\..\\b\\.\\c"), "C:\\a\\b\\c");
  EXPECT_EQ(create::absolute_path("C:\\"), "C:\\");
  EXPECT_EQ(create::absolute_path(""), cwd);
  const std::string relative = create::absolute_path("sub\\..\\leaf");
  EXPECT_EQ(relative, (cwd.back() == '\\' ? cwd : cwd + "\\") + "leaf");
}

TEST(WindowsPaths, Utf8RoundTripsThroughFilesystemPath) {
  const std::string text = "C:\\t\xC3\xA9mp\\\xE6\x97\xA5\xE6\x9C\xAC";  // C:\témp\日本
  const fs::path path = os::to_path(text);
  EXPECT_EQ(path.native(), L"C:\\t\u00e9mp\\\u65e5\u672c");
  EXPECT_EQ(os::from_path(path), text);
}

TEST(WindowsPaths, APrefixOrSuffixWithEitherSeparatorIsRefused) {
  Scratch scratch;
  MkstempOptions back;
  back.dir = scratch.path();
  back.prefix = "a\\b";
  EXPECT_THROW(static_cast<void>(mkstemp(back)), std::invalid_argument);
  MkdtempOptions forward;
  forward.dir = scratch.path();
  forward.suffix = "a/b";
  EXPECT_THROW(static_cast<void>(mkdtemp(forward)), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(scratch.path()));
}

// The names Windows would not make a plain entry of: each refused with a message naming the
// argument and why, by every class that takes a prefix and suffix (they share the check), with
// nothing created; near misses accepted (the positive control that the rule is not too wide).
TEST(WindowsPaths, NamePartsWindowsWouldNotMakeAPlainEntryAreRefused) {
  Scratch scratch;
  struct Case {
    std::string prefix;
    std::string suffix;
    std::string argument;  // the one the message must name
    std::string reason;    // a part of the message's reason
  };
  const std::vector<Case> refused = {
      {"", ":stream", "suffix", "':'"},
      {"a:", "", "prefix", "':'"},
      {"", ".txt:x", "suffix", "':'"},
      {"a<", "", "prefix", "'<'"},
      {"", "?", "suffix", "'?'"},
      {"", "a\x01", "suffix", "control characters"},
      {"", "x.", "suffix", "must not end in '.' or ' '"},
      {"", ".txt ", "suffix", "must not end in '.' or ' '"},
      {"con.", "", "prefix", "device"},
      {"NUL.", ".txt", "prefix", "device"},
      {"Com1.", "", "prefix", "device"},
      {"lpt9.", "", "prefix", "device"},
      {"aux .", "", "prefix", "device"},
      {"CONOUT$.", "", "prefix", "device"},
      {"com\xc2\xb9.", "", "prefix", "device"},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE("prefix '" + c.prefix + "', suffix '" + c.suffix + "'");
    const std::string& argument = c.argument;
    try {
      static_cast<void>(mkstemp({.suffix = c.suffix, .prefix = c.prefix, .dir = scratch.path()}));
      ADD_FAILURE() << "mkstemp accepted it";
    } catch (const std::invalid_argument& refusal) {
      const std::string what = refusal.what();
      EXPECT_NE(what.find("tempfile::mkstemp: " + argument), std::string::npos) << what;
      EXPECT_NE(what.find(c.reason), std::string::npos) << what;
    }
    EXPECT_THROW(
        static_cast<void>(mkdtemp({.suffix = c.suffix, .prefix = c.prefix, .dir = scratch.path()})),
        std::invalid_argument);
    EXPECT_THROW(
        NamedTemporaryFile({.suffix = c.suffix, .prefix = c.prefix, .dir = scratch.path()}),
        std::invalid_argument);
    EXPECT_THROW(TemporaryFile({.suffix = c.suffix, .prefix = c.prefix, .dir = scratch.path()}),
                 std::invalid_argument);
    EXPECT_THROW(
        TemporaryDirectory({.suffix = c.suffix, .prefix = c.prefix, .dir = scratch.path()}),
        std::invalid_argument);
  }
  EXPECT_TRUE(fs::is_empty(scratch.path()));

  const std::vector<std::pair<std::string, std::string>> accepted = {
      {"console.", ""}, {"con", ""},     {"com10.", ""}, {"nul", ".txt"},
      {"a.b.", ".c"},   {"x ", ". txt"}, {"tmp.", ".x"},
  };
  for (const auto& [prefix, suffix] : accepted) {
    SCOPED_TRACE("prefix '" + prefix + "', suffix '" + suffix + "'");
    const auto [fd, path] = mkstemp({.suffix = suffix, .prefix = prefix, .dir = scratch.path()});
    EXPECT_EQ(os::from_path(path.filename()).substr(0, prefix.size()), prefix);
    EXPECT_TRUE(fs::is_regular_file(path));
    ::_close(fd);
    EXPECT_TRUE(fs::remove(path));
  }
  EXPECT_TRUE(fs::is_empty(scratch.path()));
}

// --- the temporary directory ----------------------------------------------------------------

TEST(WindowsTempdir, CandidatesAreTheVariablesThenWindowsThenPythonsList) {
  const ScopedVariable tmpdir(L"TMPDIR", L"C:\\from_tmpdir");
  const ScopedVariable temp(L"TEMP", L"C:\\from_temp");
  const ScopedVariable tmp(L"TMP", L"C:\\from_tmp");
  const std::vector<std::string> candidates = create::candidate_tempdir_list();
  ASSERT_GE(candidates.size(), 8U);
  EXPECT_EQ(candidates[0], "C:\\from_tmpdir");
  EXPECT_EQ(candidates[1], "C:\\from_temp");
  EXPECT_EQ(candidates[2], "C:\\from_tmp");
  // Then Windows' own answer (GetTempPath2W, else GetTempPathW, which reads TMP first).
  EXPECT_EQ(candidates[3], "C:\\from_tmp");
  // Python's fixed tail, then the current directory last.
  const auto at = [&](const char* wanted) {
    return std::find(candidates.begin(), candidates.end(), wanted) - candidates.begin();
  };
  const auto c_temp = at("C:\\TEMP");
  ASSERT_LT(c_temp, static_cast<std::ptrdiff_t>(candidates.size()));
  EXPECT_EQ(at("C:\\TMP"), c_temp + 1);
  EXPECT_EQ(at("\\TEMP"), c_temp + 2);
  EXPECT_EQ(at("\\TMP"), c_temp + 3);
  std::string cwd;
  ASSERT_EQ(os::current_directory(cwd), 0);
  EXPECT_EQ(candidates.back(), cwd);
  EXPECT_EQ(c_temp + 5, static_cast<std::ptrdiff_t>(candidates.size()));
}

TEST(WindowsTempdir, EmptyAndUnsetVariablesAreSkipped) {
  const ScopedVariable tmpdir(L"TMPDIR", std::nullopt);
  const ScopedVariable temp(L"TEMP", L"");
  const ScopedVariable tmp(L"TMP", L"C:\\only_tmp");
  const std::vector<std::string> candidates = create::candidate_tempdir_list();
  ASSERT_FALSE(candidates.empty());
  EXPECT_EQ(candidates[0], "C:\\only_tmp");
}

TEST(WindowsTempdir, TheFirstUsableCandidateWins) {
  Scratch scratch;
  create::RandomNames names;
  const std::string missing = scratch.text() + "\\missing";
  EXPECT_EQ(create::find_usable_tempdir({missing, scratch.text()}, names), scratch.text());
  // The probe file is gone again.
  EXPECT_TRUE(fs::is_empty(scratch.path()));
}

TEST(WindowsTempdir, NoUsableCandidateIsENOENTNamingThemAll) {
  Scratch scratch;
  create::RandomNames names;
  const std::string missing = scratch.text() + "\\missing";
  try {
    static_cast<void>(create::find_usable_tempdir({missing}, names));
    FAIL() << "no exception";
  } catch (const error& failure) {
    EXPECT_EQ(failure.code(), std::errc::no_such_file_or_directory);
    EXPECT_NE(std::string(failure.what()).find("missing"), std::string::npos) << failure.what();
  }
}

TEST(WindowsTempdir, GettempdirFollowsTMPDIRAndIsAbsolute) {
  Scratch scratch;
  const ScopedVariable tmpdir(L"TMPDIR", scratch.path().native());
  set_tempdir(std::nullopt);  // forget the cached answer: search again
  const fs::path dir = gettempdir();
  set_tempdir(std::nullopt);
  EXPECT_EQ(dir, scratch.path());
  EXPECT_TRUE(os::is_normal_absolute(os::from_path(dir))) << os::from_path(dir);
}

// --- mkstemp, mkdtemp, mktemp ---------------------------------------------------------------

TEST(WindowsMkstemp, CreatesAWritableFileWithPythonsName) {
  Scratch scratch;
  MkstempOptions options;
  options.dir = scratch.path();
  options.prefix = "pre_";
  options.suffix = ".txt";
  auto [fd, path] = mkstemp(options);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(path.parent_path(), scratch.path());
  expect_random_part(os::from_path(path.filename()), "pre_", ".txt");
  EXPECT_EQ(::_write(fd, "hello", 5), 5);
  EXPECT_EQ(::_close(fd), 0);
  EXPECT_EQ(fs::file_size(path), 5U);
}

TEST(WindowsMkstemp, DefaultsToGettempdirAndTmpPrefix) {
  auto [fd, path] = mkstemp();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::_close(fd), 0);
  EXPECT_EQ(path.parent_path(), gettempdir());
  expect_random_part(os::from_path(path.filename()), "tmp", "");
  EXPECT_TRUE(fs::remove(path));
}

TEST(WindowsMkstemp, RelativeDirIsMadeAbsolute) {
  Scratch scratch;
  const fs::path before = fs::current_path();
  fs::current_path(scratch.path());
  fs::create_directory("rel");
  MkstempOptions options;
  options.dir = "rel";
  auto [fd, path] = mkstemp(options);
  fs::current_path(before);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::_close(fd), 0);
  EXPECT_EQ(path.parent_path(), scratch.path() / "rel");
}

TEST(WindowsMkstemp, WideCharacterDirectoryEndToEnd) {
  Scratch scratch;
  // "tëst_日本_😀": outside every ANSI code page, so only a wide path reaches it.
  const fs::path dir = scratch.path() / fs::path(L"t\u00ebst_\u65e5\u672c_\U0001F600");
  ASSERT_TRUE(fs::create_directory(dir));
  MkstempOptions options;
  options.dir = dir;
  options.prefix = "\xC3\xA9t\xC3\xA9_";  // "été_"
  auto [fd, path] = mkstemp(options);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::_close(fd), 0);
  EXPECT_EQ(path.parent_path(), dir);
  EXPECT_EQ(path.filename().native().substr(0, 4), L"\u00e9t\u00e9_");
  EXPECT_TRUE(fs::is_regular_file(path));

  MkdtempOptions dir_options;
  dir_options.dir = dir;
  const fs::path made = mkdtemp(dir_options);
  EXPECT_EQ(made.parent_path(), dir);
  EXPECT_TRUE(fs::is_directory(made));
}

TEST(WindowsMkstemp, OpenedWithSharingSoItCanBeReopenedAndDeletedWhileOpen) {
  Scratch scratch;
  MkstempOptions options;
  options.dir = scratch.path();
  auto [fd, path] = mkstemp(options);
  ASSERT_GE(fd, 0);
  // FILE_SHARE_READ | FILE_SHARE_WRITE: another open by name for writing works.
  HANDLE other = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                               OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  EXPECT_NE(other, INVALID_HANDLE_VALUE);
  if (other != INVALID_HANDLE_VALUE) {
    ::CloseHandle(other);
  }
  // FILE_SHARE_DELETE: removing the name while the descriptor is open works, as on POSIX.
  EXPECT_NE(::DeleteFileW(path.c_str()), 0) << ::GetLastError();
  EXPECT_EQ(::_close(fd), 0);
  EXPECT_FALSE(fs::exists(path));
}

TEST(WindowsMkstemp, DescriptorIsNotInherited) {
  Scratch scratch;
  MkstempOptions options;
  options.dir = scratch.path();
  auto [fd, path] = mkstemp(options);
  ASSERT_GE(fd, 0);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the C runtime's handle as a HANDLE
  const auto handle = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  DWORD flags = 0;
  ASSERT_NE(::GetHandleInformation(handle, &flags), 0);
  EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, 0U);
  EXPECT_EQ(::_close(fd), 0);
}

TEST(WindowsMkstemp, MissingDirectoryFailsAtOnceWithENOENT) {
  Scratch scratch;
  test::CountingRandomNames names;
  const std::optional<std::string> none;
  const DirOption dir(scratch.text() + "\\missing");
  try {
    static_cast<void>(
        create::create_unique(create::EntryKind::file, {"mkstemp", none, none, dir}, names));
    FAIL() << "no exception";
  } catch (const error& failure) {
    EXPECT_EQ(failure.code(), std::errc::no_such_file_or_directory);
  }
  EXPECT_EQ(names.calls(), 1);
}

// CREATE_NEW refuses an existing file with ERROR_FILE_EXISTS: the next name is tried.
TEST(WindowsCollisions, AnExistingFileIsRetriedWithTheNextName) {
  Scratch scratch;
  {
    std::FILE* taken = ::_wfopen((scratch.path() / "tmptaken").c_str(), L"wb");
    ASSERT_NE(taken, nullptr);
    std::fclose(taken);
  }
  test::ScriptedNames names({"taken", "fresh"});
  const std::optional<std::string> none;
  const DirOption dir(scratch.path());
  const create::CreatedEntry created =
      create::create_unique(create::EntryKind::file, {"mkstemp", none, none, dir}, names);
  EXPECT_EQ(names.calls(), 2);
  EXPECT_EQ(created.path, scratch.text() + "\\tmpfresh");
}

// A directory under the name makes CreateFileW fail with ERROR_ACCESS_DENIED on Windows (wine
// answers ERROR_FILE_EXISTS): a collision either way, since the name does exist, so the next
// name is tried. The ACCESS_DENIED rule itself is tested below, on the function that applies it.
TEST(WindowsCollisions, ADirectoryHoldingTheNameIsACollision) {
  Scratch scratch;
  ASSERT_TRUE(fs::create_directory(scratch.path() / "tmpdir_taken"));
  test::ScriptedNames names({"dir_taken", "fresh"});
  const std::optional<std::string> none;
  const DirOption dir(scratch.path());
  const create::CreatedEntry created =
      create::create_unique(create::EntryKind::file, {"mkstemp", none, none, dir}, names);
  EXPECT_EQ(names.calls(), 2);
  EXPECT_EQ(created.path, scratch.text() + "\\tmpfresh");
  // And for mkdtemp: CreateDirectoryW says ERROR_ALREADY_EXISTS.
  test::ScriptedNames dir_names({"dir_taken", "fresh_dir"});
  const create::CreatedEntry made =
      create::create_unique(create::EntryKind::directory, {"mkdtemp", none, none, dir}, dir_names);
  EXPECT_EQ(dir_names.calls(), 2);
  EXPECT_TRUE(fs::is_directory(os::to_path(made.path)));
}

// CPython gh-66305: a name that always collides with a directory must end, after TMP_MAX
// names, with EEXIST, not spin on ACCESS_DENIED for ever.
TEST(WindowsCollisions, ANameAlwaysHeldByADirectoryEndsWithEEXIST) {
  Scratch scratch;
  ASSERT_TRUE(fs::create_directory(scratch.path() / "tmpalways"));
  test::RepeatingName names("always");
  const std::optional<std::string> none;
  const DirOption dir(scratch.path());
  try {
    static_cast<void>(
        create::create_unique(create::EntryKind::file, {"mkstemp", none, none, dir}, names));
    FAIL() << "no exception";
  } catch (const error& failure) {
    EXPECT_EQ(failure.code(), std::errc::file_exists);
  }
  EXPECT_EQ(names.calls(), TMP_MAX);
}

// The gh-66305 rule: ACCESS_DENIED is a collision only when something is under the name.
TEST(WindowsCollisions, AccessDeniedIsACollisionOnlyWhenTheNameExists) {
  Scratch scratch;
  ASSERT_TRUE(fs::create_directory(scratch.path() / "held"));
  const std::wstring held = (scratch.path() / "held").native();
  const std::wstring free = (scratch.path() / "free").native();
  EXPECT_EQ(os::windows::collision_or_refusal(held, EACCES), EEXIST);
  EXPECT_EQ(os::windows::collision_or_refusal(free, EACCES), EACCES);
  EXPECT_EQ(os::windows::collision_or_refusal(free, ENOENT), ENOENT);
  EXPECT_EQ(os::windows::collision_or_refusal(held, EEXIST), EEXIST);
}

TEST(WindowsErrors, Win32ErrorsBecomeErrnoValues) {
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_SUCCESS), 0);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_FILE_EXISTS), EEXIST);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_ALREADY_EXISTS), EEXIST);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_FILE_NOT_FOUND), ENOENT);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_PATH_NOT_FOUND), ENOENT);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_ACCESS_DENIED), EACCES);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_FILENAME_EXCED_RANGE), ENAMETOOLONG);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_DISK_FULL), ENOSPC);
  EXPECT_EQ(os::windows::errno_from_win32(ERROR_GEN_FAILURE), EIO);
}

TEST(WindowsErrors, IllFormedUtf8IsRefusedNotGuessed) {
  std::wstring wide;
  EXPECT_EQ(os::windows::widen("good", wide), 0);
  EXPECT_EQ(wide, L"good");
  // 0xFF is never part of UTF-8: a path with it must not silently name some other file.
  EXPECT_EQ(os::windows::widen(std::string_view("bad\xFF", 4), wide), EILSEQ);
  Scratch scratch;
  MkdtempOptions options;
  options.dir = scratch.path();
  options.prefix = std::string("\xFF", 1);
  try {
    static_cast<void>(mkdtemp(options));
    FAIL() << "no exception";
  } catch (const error& failure) {
    EXPECT_EQ(failure.code(), std::errc::illegal_byte_sequence);
  }
  EXPECT_TRUE(fs::is_empty(scratch.path()));
}

TEST(WindowsMkdtemp, CreatesADirectory) {
  Scratch scratch;
  MkdtempOptions options;
  options.dir = scratch.path();
  options.prefix = "d_";
  const fs::path made = mkdtemp(options);
  EXPECT_TRUE(fs::is_directory(made));
  EXPECT_EQ(made.parent_path(), scratch.path());
  expect_random_part(os::from_path(made.filename()), "d_", "");
}

// mktemp is deprecated (unsafe), and still Python's: it is tested as it is.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(WindowsMktemp, ReturnsAnUnusedNameAndCreatesNothing) {
  Scratch scratch;
  MktempOptions options;
  options.dir = scratch.path();
  const fs::path name = mktemp(options);
  EXPECT_EQ(name.parent_path(), scratch.path());
  EXPECT_FALSE(fs::exists(name));
  EXPECT_TRUE(fs::is_empty(scratch.path()));
}
#pragma GCC diagnostic pop

TEST(WindowsMktemp, SkipsAnExistingName) {
  Scratch scratch;
  ASSERT_TRUE(fs::create_directory(scratch.path() / "tmpused"));
  test::ScriptedNames names({"used", "free"});
  MktempOptions options;
  options.dir = scratch.text();
  EXPECT_EQ(create::unused_name(options, names), scratch.text() + "\\tmpfree");
  EXPECT_EQ(names.calls(), 2);
}

}  // namespace
}  // namespace tempfile
