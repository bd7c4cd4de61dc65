// SPDX-License-Identifier: MIT
// SpooledTemporaryFile: what the C++ object adds to Python's (the rollover's strong guarantee,
// text state carried across rollover, memfd backing, moves) and the rules it shares with
// Python's (when it rolls, what name/mode say). CPython's own tests are in
// tests/conformance/spooled_temporary_file_test.cpp.
#include "tempfile/spooled_temporary_file.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "os/sys.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace {

using ::testing::ElementsAre;

class SpooledTemporaryFileTest : public test::ScratchTest {};

std::string read_all_from(File& f) {
  f.seek(0);
  return f.read();
}

TEST_F(SpooledTemporaryFileTest, StaysInMemoryUntilPositionPassesMaxSize) {
  SpooledTemporaryFile f({.max_size = 30, .dir = scratch()});
  f.write(std::string(20, 'a'));
  f.write(std::string(10, 'b'));
  EXPECT_FALSE(f.rolled());
  EXPECT_TRUE(f.name().empty());
  f.write(std::string_view("c"));
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.name(), std::to_string(f.fileno()));
  EXPECT_EQ(f.tell(), 31);
  EXPECT_EQ(read_all_from(f), std::string(20, 'a') + std::string(10, 'b') + "c");
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(SpooledTemporaryFileTest, RolloverKeepsPositionAndContents) {
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("abcdef"));
  f.seek(2);
  f.rollover();
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.tell(), 2);
  EXPECT_EQ(f.read(), "cdef");
  struct stat info {};
  ASSERT_EQ(::fstat(f.fileno(), &info), 0);
  EXPECT_EQ(info.st_size, 6);
}

TEST_F(SpooledTemporaryFileTest, SparseWriteRollsWithZeroGap) {
  SpooledTemporaryFile f({.max_size = 30, .dir = scratch()});
  EXPECT_EQ(f.seek(100), 100);
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("x"));
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(read_all_from(f), std::string(100, '\0') + "x");
}

TEST_F(SpooledTemporaryFileTest, FilenoRollsOverAndModeChanges) {
  SpooledTemporaryFile f({.dir = scratch()});
  EXPECT_EQ(f.mode(), "w+b");
  EXPECT_GE(f.fileno(), 0);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.mode(), "rb+");
}

TEST_F(SpooledTemporaryFileTest, TruncatePastMaxSizeRollsEvenWithNoLimit) {
  // Python compares the size asked for with max_size, so with max_size 0 any size above 0
  // rolls over; truncate(0) and truncate() do not.
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("abc"));
  EXPECT_EQ(f.truncate(0), 0);
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("de"));
  EXPECT_EQ(f.truncate(5), 5);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(read_all_from(f), std::string("\0\0\0de", 5));
}

TEST_F(SpooledTemporaryFileTest, TruncateGrowsInMemoryAsOnDisk) {
  // Python's BytesIO cannot grow by truncate (it returns the size but keeps 3 bytes); a file
  // can, so ours grows in memory too and the size never depends on where the bytes live.
  SpooledTemporaryFile f({.max_size = 10, .dir = scratch()});
  f.write(std::string_view("abc"));
  EXPECT_EQ(f.truncate(8), 8);
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(read_all_from(f), std::string("abc\0\0\0\0\0", 8));
}

TEST_F(SpooledTemporaryFileTest, NegativeMaxSizeIsRejected) {
  EXPECT_THROW(SpooledTemporaryFile(-1), std::invalid_argument);
}

TEST_F(SpooledTemporaryFileTest, BadModeIsRejectedAtConstruction) {
  EXPECT_THROW(SpooledTemporaryFile({.mode = "zz+b"}), std::invalid_argument);
}

TEST_F(SpooledTemporaryFileTest, TextStateSurvivesRollover) {
  // A '\r' read at the end of the memory contents is held back by the newline decoder; the
  // rollover must not lose it or the '\n' that follows would count twice.
  SpooledTemporaryFile f({.mode = "w+", .dir = scratch()});
  f.write(std::string_view("ab\r\ncd\r"));
  f.seek(0);
  EXPECT_EQ(f.read(3), "ab\n");
  const std::int64_t cookie = f.tell();
  f.rollover();
  EXPECT_EQ(f.read(), "cd\n");
  f.seek(cookie);
  EXPECT_EQ(f.read(), "cd\n");
  EXPECT_THAT(f.newlines(), ElementsAre("\r", "\r\n"));
}

TEST_F(SpooledTemporaryFileTest, TextModeCountsEncodedBytes) {
  SpooledTemporaryFile f({.max_size = 10, .mode = "w+", .dir = scratch()});
  f.write(std::string_view("a\r\nb\n"));
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("\u039b\u039b\u039b"));
  EXPECT_TRUE(f.rolled());
}

TEST_F(SpooledTemporaryFileTest, MemfdBackingLeavesTheDirectoryAlone) {
  const std::filesystem::path missing = scratch() / "does-not-exist";
  SpooledTemporaryFile f({.dir = missing, .memfd = true});
  f.write(std::string_view("hello"));
  if (!os::linux_fast_paths) {
    // No memfd in this build: the rollover goes to dir, which is missing, and fails cleanly.
    EXPECT_TEMPFILE_ERROR(f.fileno(), std::errc::no_such_file_or_directory, missing.native());
    EXPECT_FALSE(f.rolled());
    EXPECT_EQ(read_all_from(f), "hello");
    return;
  }
  EXPECT_GE(f.fileno(), 0);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(read_all_from(f), "hello");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(SpooledTemporaryFileTest, MoveTransfersTheContents) {
  SpooledTemporaryFile a({.dir = scratch()});
  a.write(std::string_view("abc"));
  SpooledTemporaryFile b(std::move(a));
  // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): moved-from is defined
  EXPECT_FALSE(a.rolled());
  EXPECT_EQ(read_all_from(b), "abc");
}

TEST_F(SpooledTemporaryFileTest, WriteOnlyModeRefusesReadsInMemoryAndOnDisk) {
  // Python's BytesIO would read a "wb" spooled file until rollover; ours obeys the mode.
  for (const std::string mode : {"wb", "w"}) {
    SCOPED_TRACE(mode);
    SpooledTemporaryFile f({.mode = mode, .dir = scratch()});
    f.write(std::string_view("abc"));
    EXPECT_FALSE(f.readable());
    EXPECT_TRUE(f.writable());
    EXPECT_TRUE(f.seekable());
    f.seek(0);
    EXPECT_THROW(static_cast<void>(f.read()), unsupported_operation);
    EXPECT_THROW(static_cast<void>(f.readline()), unsupported_operation);
    EXPECT_THROW(static_cast<void>(f.readlines()), unsupported_operation);
    f.rollover();
    EXPECT_TRUE(f.rolled());
    EXPECT_FALSE(f.readable());
    EXPECT_THROW(static_cast<void>(f.read()), unsupported_operation);
    EXPECT_THROW(static_cast<void>(f.readline()), unsupported_operation);
    struct stat info {};
    ASSERT_EQ(::fstat(f.fileno(), &info), 0);
    EXPECT_EQ(info.st_size, 3);
  }
  SpooledTemporaryFile binary({.mode = "wb", .dir = scratch()});
  std::array<std::byte, 4> into{};
  EXPECT_THROW(static_cast<void>(binary.readinto(into)), unsupported_operation);
}

TEST_F(SpooledTemporaryFileTest, ReadOnlyModeRefusesWritesInMemoryAndOnDisk) {
  for (const std::string mode : {"rb", "r"}) {
    SCOPED_TRACE(mode);
    SpooledTemporaryFile f({.mode = mode, .dir = scratch()});
    EXPECT_TRUE(f.readable());
    EXPECT_FALSE(f.writable());
    EXPECT_THROW(static_cast<void>(f.write(std::string_view("abc"))), unsupported_operation);
    EXPECT_EQ(f.read(), "");
    f.rollover();
    EXPECT_THROW(static_cast<void>(f.write(std::string_view("abc"))), unsupported_operation);
    EXPECT_EQ(f.read(), "");
  }
}

TEST_F(SpooledTemporaryFileTest, StreamInterleavesWithWritesAcrossRollover) {
  SpooledTemporaryFile f({.max_size = 10, .dir = scratch()});
  std::iostream& s = f.stream();
  s << "hello ";
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("world"));  // 11 > 10
  EXPECT_TRUE(f.rolled());
  s << ' ' << 42 << '\n';
  f.write(std::string_view("last line\n"));
  EXPECT_TRUE(s.good());
  f.seek(0);
  std::string word;
  s >> word;
  EXPECT_EQ(word, "hello");
  EXPECT_EQ(f.read(7), " world ");
  int number = 0;
  s >> number;
  EXPECT_EQ(number, 42);
  EXPECT_EQ(f.readline(), "\n");
  std::string line;
  std::getline(s, line);
  EXPECT_EQ(line, "last line");
  EXPECT_EQ(read_all_from(f), "hello world 42\nlast line\n");
}

TEST_F(SpooledTemporaryFileTest, StreamReadsContinueAcrossRollover) {
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("one two three"));
  f.seek(0);
  std::iostream& s = f.stream();
  std::string word;
  s >> word;
  EXPECT_EQ(word, "one");
  EXPECT_EQ(s.peek(), ' ');  // a looked-ahead character, given back before rollover
  f.rollover();
  EXPECT_EQ(f.tell(), 3);
  s >> word;
  EXPECT_EQ(word, "two");
  s >> word;
  EXPECT_EQ(word, "three");
}

TEST_F(SpooledTemporaryFileTest, ReadintoReadlineReadlinesInMemoryAndAcrossRollover) {
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("abcdefgh\nline2\nline3\nline4\n"));
  f.seek(0);
  std::array<std::byte, 4> four{};
  EXPECT_EQ(f.readinto(four), 4U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(four.data()), four.size()), "abcd");
  EXPECT_EQ(f.readline(2), "ef");
  EXPECT_EQ(f.readline(), "gh\n");
  EXPECT_EQ(f.readlines(1), (std::vector<std::string>{"line2\n"}));
  EXPECT_FALSE(f.rolled());
  f.rollover();
  EXPECT_EQ(f.tell(), 15);
  EXPECT_EQ(f.readlines(), (std::vector<std::string>{"line3\n", "line4\n"}));
  f.seek(-3, SEEK_END);
  std::array<std::byte, 8> eight{};
  EXPECT_EQ(f.readinto(eight), 3U);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(eight.data()), 3), "e4\n");
  EXPECT_EQ(f.readinto(eight), 0U);
  EXPECT_EQ(f.readline(), "");
  EXPECT_TRUE(f.readlines().empty());
  // In memory, at and past the end.
  SpooledTemporaryFile g({.dir = scratch()});
  g.write(std::string_view("no newline"));
  g.seek(3);
  EXPECT_EQ(g.readlines(), (std::vector<std::string>{"newline"}));
  g.seek(100);
  EXPECT_EQ(g.readline(), "");
  EXPECT_EQ(g.readinto(eight), 0U);
  EXPECT_EQ(g.read(), "");
  EXPECT_FALSE(g.rolled());
}

TEST_F(SpooledTemporaryFileTest, IterationContinuesFromTheSamePlaceAcrossRollover) {
  // gh-87034: CPython's iterator keeps reading the old buffer; ours reads the current storage.
  for (const std::string mode : {"w+b", "w+"}) {
    SCOPED_TRACE(mode);
    SpooledTemporaryFile f({.mode = mode, .dir = scratch()});
    f.write(std::string_view("l1\nl2\nl3\nl4\n"));
    f.seek(0);
    std::vector<std::string> lines;
    for (const std::string& line : f) {
      lines.push_back(line);
      if (lines.size() == 2) {
        EXPECT_FALSE(f.rolled());
        f.rollover();
        EXPECT_TRUE(f.rolled());
      }
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"l1\n", "l2\n", "l3\n", "l4\n"}));
    // Writes after the rollover are seen by an iteration in progress too.
    f.seek(0);
    LineIterator it = f.begin();
    EXPECT_EQ(*it, "l1\n");
    f.seek(0, SEEK_END);
    f.write(std::string_view("l5\n"));
    f.seek(9);
    ++it;
    EXPECT_EQ(*it, "l4\n");
    ++it;
    EXPECT_EQ(*it, "l5\n");
    ++it;
    EXPECT_TRUE(it == f.end());
  }
}

TEST_F(SpooledTemporaryFileTest, SeekWhenceInMemory) {
  SpooledTemporaryFile f({.max_size = 100, .dir = scratch()});
  f.write(std::string_view("0123456789"));
  EXPECT_EQ(f.seek(-4, SEEK_END), 6);
  EXPECT_EQ(f.read(2), "67");
  EXPECT_EQ(f.seek(-5, SEEK_CUR), 3);
  EXPECT_EQ(f.read(1), "3");
  EXPECT_EQ(f.seek(0, SEEK_CUR), 4);
  EXPECT_EQ(f.seek(5, SEEK_END), 15);  // past the end: allowed, nothing grows yet
  EXPECT_EQ(f.read(), "");
  EXPECT_EQ(f.seek(0, SEEK_END), 10);
  EXPECT_EQ(f.seek(2, SEEK_CUR), 12);
  f.write(std::string_view("x"));
  EXPECT_EQ(f.seek(0, SEEK_END), 13);
  EXPECT_EQ(read_all_from(f), std::string("0123456789\0\0x", 13));
  EXPECT_FALSE(f.rolled());
}

TEST_F(SpooledTemporaryFileTest, NegativeSeekIsEinvalInMemoryAndOnDisk) {
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("abc"));
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "in memory" : "on disk");
    EXPECT_TEMPFILE_ERROR(f.seek(-1), std::errc::invalid_argument, "Invalid argument");
    EXPECT_TEMPFILE_ERROR(f.seek(-4, SEEK_END), std::errc::invalid_argument, "Invalid argument");
    f.seek(1);
    EXPECT_TEMPFILE_ERROR(f.seek(-2, SEEK_CUR), std::errc::invalid_argument, "Invalid argument");
    EXPECT_EQ(f.tell(), 1);  // unchanged by the failures
    EXPECT_EQ(f.read(), "bc");
    f.rollover();
  }
  EXPECT_TRUE(f.rolled());
}

TEST_F(SpooledTemporaryFileTest, CloseIsIdempotentAndLaterUseThrows) {
  for (const bool roll : {false, true}) {
    SCOPED_TRACE(roll ? "rolled" : "in memory");
    SpooledTemporaryFile f({.dir = scratch()});
    f.write(std::string_view("abc"));
    if (roll) {
      f.rollover();
    }
    f.close();
    f.close();
    EXPECT_TRUE(f.closed());
    EXPECT_EQ(f.rolled(), roll);
    EXPECT_THROW(static_cast<void>(f.read()), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.write(std::string_view("x"))), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.seek(0)), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.tell()), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.truncate(100)), closed_file_error);
    EXPECT_THROW(f.flush(), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.fileno()), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.readable()), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.isatty()), closed_file_error);
    EXPECT_THROW(f.chmod(std::filesystem::perms::owner_read), closed_file_error);
    EXPECT_THROW(static_cast<void>(f.fdopen()), closed_file_error);
    if (roll) {
      EXPECT_NO_THROW(f.rollover());  // already rolled: a no-op, even closed
    } else {
      // CPython's fileno() here made a file and broke the object; ours changes nothing.
      EXPECT_THROW(f.rollover(), closed_file_error);
    }
    EXPECT_EQ(f.rolled(), roll);
    EXPECT_TRUE(test::list_dir(scratch()).empty());
  }
}

TEST_F(SpooledTemporaryFileTest, MoveAssignmentTransfersAndReleases) {
  SpooledTemporaryFile target({.max_size = 5, .dir = scratch()});
  target.write(std::string_view("old contents, rolled"));
  ASSERT_TRUE(target.rolled());
  SpooledTemporaryFile source({.max_size = 5, .dir = scratch()});
  source.write(std::string_view("new"));
  target = std::move(source);  // the old descriptor closes (the fixture checks for leaks)
  EXPECT_FALSE(target.rolled());
  EXPECT_TRUE(target.name().empty());
  // The moved-from state is defined: closed, not rolled.
  // NOLINTBEGIN(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(source.closed());
  EXPECT_FALSE(source.rolled());
  EXPECT_THROW(source.rollover(), closed_file_error);
  EXPECT_THROW(static_cast<void>(source.read()), closed_file_error);
  // NOLINTEND(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_EQ(read_all_from(target), "new");
  target.write(std::string_view("er"));
  EXPECT_FALSE(target.rolled());  // the moved spill keeps max_size 5
  target.write(std::string_view("!"));
  EXPECT_TRUE(target.rolled());
  EXPECT_EQ(read_all_from(target), "newer!");

  SpooledTemporaryFile rolled({.dir = scratch()});
  rolled.write(std::string_view("on disk"));
  const int fd = rolled.fileno();
  SpooledTemporaryFile other({.dir = scratch()});
  other = std::move(rolled);
  EXPECT_TRUE(other.rolled());
  EXPECT_EQ(other.fileno(), fd);
  EXPECT_EQ(other.name(), std::to_string(fd));
  EXPECT_EQ(read_all_from(other), "on disk");
}

TEST_F(SpooledTemporaryFileTest, UnbufferedBinaryWritesReachTheFileAtOnceAfterRollover) {
  SpooledTemporaryFile f({.max_size = 4, .buffering = 0, .dir = scratch()});
  f.write(std::string_view("abc"));
  f.write(std::string_view("de"));
  ASSERT_TRUE(f.rolled());
  const int fd = f.fileno();
  struct stat info {};
  ASSERT_EQ(::fstat(fd, &info), 0);
  EXPECT_EQ(info.st_size, 5);
  f.write(std::string_view("fgh"));
  ASSERT_EQ(::fstat(fd, &info), 0);
  EXPECT_EQ(info.st_size, 8) << "a write stayed in a buffer";
  std::array<char, 8> bytes{};
  ASSERT_EQ(::pread(fd, bytes.data(), bytes.size(), 0), 8);
  EXPECT_EQ(std::string(bytes.data(), bytes.size()), "abcdefgh");
  // The default is buffered after rollover: a small write waits for flush().
  SpooledTemporaryFile buffered({.dir = scratch()});
  buffered.rollover();
  buffered.write(std::string_view("xyz"));
  ASSERT_EQ(::fstat(buffered.fileno(), &info), 0);
  EXPECT_EQ(info.st_size, 0);
  buffered.flush();
  ASSERT_EQ(::fstat(buffered.fileno(), &info), 0);
  EXPECT_EQ(info.st_size, 3);
}

TEST_F(SpooledTemporaryFileTest, Utf16BomCountsTowardsMaxSize) {
  SpooledTemporaryFile f({.max_size = 6, .mode = "w+", .encoding = "utf-16", .dir = scratch()});
  f.write(std::string_view("ab"));
  EXPECT_EQ(f.tell(), 6);  // 2-byte BOM + 4
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("c"));
  EXPECT_EQ(f.tell(), 8);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(read_all_from(f), "abc");
  struct stat info {};
  ASSERT_EQ(::fstat(f.fileno(), &info), 0);
  EXPECT_EQ(info.st_size, 8);
}

TEST_F(SpooledTemporaryFileTest, EmptyWritePastMaxSizeRolls) {
  // Python: after write(b""), tell() 20 > max_size 10, so it rolls over (writing nothing).
  SpooledTemporaryFile f({.max_size = 10, .dir = scratch()});
  f.seek(20);
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.write(std::string_view("")), 0U);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.tell(), 20);
  EXPECT_EQ(f.seek(0, SEEK_END), 0);
  // At or below max_size an empty write stays in memory.
  SpooledTemporaryFile g({.max_size = 10, .dir = scratch()});
  g.seek(10);
  g.write(std::string_view(""));
  EXPECT_FALSE(g.rolled());
}

TEST_F(SpooledTemporaryFileTest, ChmodAndFdopenRollOver) {
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("abc"));
  f.chmod(std::filesystem::perms::owner_read);
  EXPECT_TRUE(f.rolled());
  struct stat info {};
  ASSERT_EQ(::fstat(f.fileno(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0400U);

  SpooledTemporaryFile g({.dir = scratch()});
  g.write(std::string_view("hello"));
  g.seek(1);
  std::FILE* stream = g.fdopen();
  ASSERT_NE(stream, nullptr);
  EXPECT_TRUE(g.rolled());
  std::array<char, 8> got{};
  EXPECT_EQ(std::fread(got.data(), 1, got.size(), stream), 4U);
  EXPECT_EQ(std::string(got.data(), 4), "ello");
  EXPECT_EQ(std::fclose(stream), 0);
  EXPECT_FALSE(g.closed());
}

TEST_F(SpooledTemporaryFileTest, RolloverIsANoOpOnceRolled) {
  SpooledTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("abc"));
  f.rollover();
  const int fd = f.fileno();
  f.write(std::string_view("d"));  // buffered
  f.rollover();
  EXPECT_EQ(f.fileno(), fd);
  EXPECT_EQ(f.tell(), 4);
  EXPECT_EQ(read_all_from(f), "abcd");
}

TEST_F(SpooledTemporaryFileTest, StateInMemoryQueries) {
  SpooledTemporaryFile f({.dir = scratch()});
  EXPECT_FALSE(f.isatty());
  EXPECT_TRUE(f.readable());
  EXPECT_TRUE(f.writable());
  EXPECT_TRUE(f.seekable());
  EXPECT_FALSE(f.closed());
  EXPECT_EQ(f.encoding(), std::nullopt);
  EXPECT_FALSE(f.rolled());
  SpooledTemporaryFile text({.mode = "w+", .dir = scratch()});
  EXPECT_EQ(text.encoding(), "utf-8");
  EXPECT_EQ(text.mode(), "w+");
  EXPECT_FALSE(text.rolled());
}

// A failed rollover leaves the object as it was, so every retry must behave as the first try:
// these use a `dir` that does not exist yet (a rollover failure without special privileges;
// tests/security/spooled_rollover_test.cpp has the real ENOSPC, EFBIG and EMFILE).
TEST_F(SpooledTemporaryFileTest, FailedRolloverThenRetryKeepsTheBom) {
  // The write that fails is the first one, so its encoded bytes carry the BOM; taking them
  // back must also take back the encoder's "BOM written", or the retry writes none and the
  // file cannot be read from the start.
  for (const std::string encoding : {"utf-16", "utf-32", "utf-8-sig"}) {
    SCOPED_TRACE(encoding);
    const std::filesystem::path later = scratch() / "later";
    SpooledTemporaryFile f({.max_size = 1, .mode = "w+", .encoding = encoding, .dir = later});
    EXPECT_TEMPFILE_ERROR(f.write(std::string_view("ab")), std::errc::no_such_file_or_directory,
                          later.native());
    EXPECT_FALSE(f.rolled());
    EXPECT_EQ(f.tell(), 0);
    std::filesystem::create_directory(later);
    f.write(std::string_view("ab"));
    EXPECT_TRUE(f.rolled());
    const std::int64_t bom = encoding == "utf-16" ? 2 : encoding == "utf-32" ? 4 : 3;
    const std::int64_t unit = encoding == "utf-16" ? 2 : encoding == "utf-32" ? 4 : 1;
    EXPECT_EQ(f.tell(), bom + 2 * unit);
    f.flush();
    struct stat info {};
    ASSERT_EQ(::fstat(f.fileno(), &info), 0);
    EXPECT_EQ(info.st_size, bom + 2 * unit);
    f.seek(0);
    std::string back;
    EXPECT_NO_THROW(back = f.read());
    EXPECT_EQ(back, "ab");
    f.close();
    std::filesystem::remove(later);
  }
}

TEST_F(SpooledTemporaryFileTest, FailedRolloverInWriteTruncateFilenoChangesNothing) {
  const std::filesystem::path later = scratch() / "later";
  SpooledTemporaryFile f({.max_size = 4, .dir = later});
  f.write(std::string_view("abcd"));
  f.seek(1);
  EXPECT_TEMPFILE_ERROR(f.write(std::string_view("XYZW")), std::errc::no_such_file_or_directory,
                        later.native());
  EXPECT_TEMPFILE_ERROR(f.truncate(10), std::errc::no_such_file_or_directory, later.native());
  EXPECT_TEMPFILE_ERROR(f.fileno(), std::errc::no_such_file_or_directory, later.native());
  EXPECT_TEMPFILE_ERROR(f.rollover(), std::errc::no_such_file_or_directory, later.native());
  EXPECT_FALSE(f.rolled());
  EXPECT_TRUE(f.name().empty());
  EXPECT_EQ(f.mode(), "w+b");
  EXPECT_EQ(f.tell(), 1);
  EXPECT_EQ(f.read(), "bcd");
  EXPECT_EQ(f.seek(0, SEEK_END), 4);
  std::filesystem::create_directory(later);
  f.seek(1);
  EXPECT_EQ(f.write(std::string_view("XYZW")), 4U);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(read_all_from(f), "aXYZW");
  EXPECT_EQ(f.truncate(10), 10);
  EXPECT_EQ(read_all_from(f), std::string("aXYZW\0\0\0\0\0", 10));
  f.close();
  EXPECT_TRUE(test::list_dir(later).empty());
  std::filesystem::remove(later);
}

TEST_F(SpooledTemporaryFileTest, FailedRolloverInTextWriteTakesTheWholeWriteBack) {
  // More than the text layer's 8192-byte chunk in one write: still all or nothing.
  const std::filesystem::path later = scratch() / "later";
  SpooledTemporaryFile f({.max_size = 10000, .mode = "w+", .dir = later});
  f.write(std::string_view("start\n"));
  const std::string big(20000, 'x');
  EXPECT_TEMPFILE_ERROR(f.write(big), std::errc::no_such_file_or_directory, later.native());
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.tell(), 6);
  f.flush();
  EXPECT_EQ(read_all_from(f), "start\n");
  std::filesystem::create_directory(later);
  EXPECT_EQ(f.write(big), 20000U);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(read_all_from(f), "start\n" + big);
  f.close();
  std::filesystem::remove(later);
}

TEST_F(SpooledTemporaryFileTest, WriteAtTheLargestPositionStillRollsOver) {
  // Python's rule: the position after the write (2^63) > max_size, so the write needs the
  // rollover first. Computing that position must not overflow (signed overflow: UB, and in
  // practice a wrap to a negative number that skips the rollover). The rollover is made to
  // fail (a missing dir), so the outcome does not depend on the file system's largest offset.
  const std::filesystem::path later = scratch() / "later";
  SpooledTemporaryFile f({.max_size = 10, .dir = later});
  constexpr std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(f.seek(largest), largest);
  EXPECT_TEMPFILE_ERROR(f.write(std::string_view("x")), std::errc::no_such_file_or_directory,
                        later.native());
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.tell(), largest);
  EXPECT_EQ(f.seek(0, SEEK_END), 0);
}

// Found by the differential test (seed 6, 20,000 sequences): the text write that rolls over
// must reach the file before the next read, whose read1 reads at the descriptor's offset.
TEST_F(SpooledTemporaryFileTest, TextWriteThatRollsOverIsVisibleToTheNextRead) {
  SpooledTemporaryFile f(
      {.max_size = 4, .mode = "w+", .encoding = "utf-8", .newline = "\n", .dir = scratch()});
  f.write(std::string_view("a"));
  f.seek(0);
  f.write(std::string_view("bcdef"));
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.readline(), "");
  EXPECT_EQ(f.tell(), 5);
  f.seek(0);
  EXPECT_EQ(f.read(), "bcdef");
}

// What another process, mmap or fstat sees through the descriptor: the file's bytes, read
// with pread so the object's position is untouched.
std::string bytes_through_descriptor(int fd) {
  struct stat info {};
  EXPECT_EQ(::fstat(fd, &info), 0);
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  EXPECT_EQ(::pread(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  return bytes;
}

// python3: f = SpooledTemporaryFile(mode='w+', newline='\n'); f.write('\n'); f.seek(0);
// f.write('\r'); f.rollover(); f.readlines() -> [], and the file holds '\r'.
TEST_F(SpooledTemporaryFileTest, RolloverWritesPendingTextBeforeTheCopy) {
  SpooledTemporaryFile f({.mode = "w+", .newline = "\n", .dir = scratch()});
  f.write(std::string_view("\n"));
  f.seek(0);
  f.write(std::string_view("\r"));
  f.rollover();
  EXPECT_EQ(bytes_through_descriptor(f.fileno()), "\r");
  EXPECT_THAT(f.readlines(), ElementsAre());
  EXPECT_EQ(bytes_through_descriptor(f.fileno()), "\r");
}

// python3: write('abc'); seek(0); write('X'); rollover(); read(1) -> 'b'; the file is 'Xbc'.
TEST_F(SpooledTemporaryFileTest, RolloverKeepsRewrittenTextInPlace) {
  for (const bool memfd : {false, true}) {
    SCOPED_TRACE(memfd ? "memfd" : "dir");
    SpooledTemporaryFile f({.mode = "w+", .dir = scratch(), .memfd = memfd});
    f.write(std::string_view("abc"));
    f.seek(0);
    f.write(std::string_view("X"));
    f.rollover();
    EXPECT_EQ(bytes_through_descriptor(f.fileno()), "Xbc");
    EXPECT_EQ(f.read(1), "b");
    f.seek(0);
    EXPECT_EQ(f.read(), "Xbc");
  }
}

// python3: S = SpooledTemporaryFile(max_size=30); S.seek(100); S.write(b'x');
// os.fstat(S.fileno()).st_size -> 101 (and 20 for max_size=10 after write(b'a'*20)): the
// write that rolls over is in the file when it returns.
TEST_F(SpooledTemporaryFileTest, WriteThatRollsOverIsInTheFileAtOnce) {
  for (const bool memfd : {false, true}) {
    for (const int buffering : {-1, 0, 64}) {
      SCOPED_TRACE(std::string(memfd ? "memfd" : "dir") + " buffering " +
                   std::to_string(buffering));
      SpooledTemporaryFile sparse(
          {.max_size = 30, .buffering = buffering, .dir = scratch(), .memfd = memfd});
      sparse.seek(100);
      EXPECT_EQ(sparse.write(std::string_view("x")), 1U);
      ASSERT_TRUE(sparse.rolled());
      EXPECT_EQ(sparse.tell(), 101);
      EXPECT_EQ(bytes_through_descriptor(sparse.fileno()), std::string(100, '\0') + "x");

      SpooledTemporaryFile big(
          {.max_size = 10, .buffering = buffering, .dir = scratch(), .memfd = memfd});
      big.write(std::string_view("0123"));
      EXPECT_EQ(big.write(std::string(20, 'a')), 20U);
      ASSERT_TRUE(big.rolled());
      EXPECT_EQ(bytes_through_descriptor(big.fileno()), "0123" + std::string(20, 'a'));
      EXPECT_EQ(big.tell(), 24);
    }
  }
}

// python3: SpooledTemporaryFile(mode='w+'); write('abc'); then rollover() or fileno(): the
// file holds 3 bytes; with encoding='utf-16' b'\xff\xfea\x00b\x00c\x00'; with max_size=10
// and write('abcdefgh') in utf-16 the write rolls over and the file holds all 18 bytes.
TEST_F(SpooledTemporaryFileTest, TextRolloverPutsEveryCharacterInTheFile) {
  const std::string utf16(
      "\xff\xfe"
      "a\0b\0c\0",
      8);
  for (const bool memfd : {false, true}) {
    for (const bool explicit_rollover : {false, true}) {
      SCOPED_TRACE(std::string(memfd ? "memfd" : "dir") +
                   (explicit_rollover ? " rollover()" : " fileno()"));
      SpooledTemporaryFile f({.mode = "w+", .dir = scratch(), .memfd = memfd});
      SpooledTemporaryFile g(
          {.mode = "w+", .encoding = "utf-16", .dir = scratch(), .memfd = memfd});
      f.write(std::string_view("abc"));
      g.write(std::string_view("abc"));
      if (explicit_rollover) {
        f.rollover();
        g.rollover();
      }
      EXPECT_EQ(bytes_through_descriptor(f.fileno()), "abc");
      EXPECT_EQ(bytes_through_descriptor(g.fileno()), utf16);
      f.seek(0);
      EXPECT_EQ(f.read(), "abc");
      g.seek(0);
      EXPECT_EQ(g.read(), "abc");
    }
    SpooledTemporaryFile h(
        {.max_size = 10, .mode = "w+", .encoding = "utf-16", .dir = scratch(), .memfd = memfd});
    h.write(std::string_view("abcdefgh"));
    ASSERT_TRUE(h.rolled());
    EXPECT_EQ(bytes_through_descriptor(h.fileno()), std::string("\xff\xfe"
                                                                "a\0b\0c\0d\0e\0f\0g\0h\0",
                                                                18));
  }
}

// python3: S = SpooledTemporaryFile(max_size=10); S.seek(20); S.writelines([]) rolls over
// (S._rolled True, tell() 20, st_size 0); on a closed file it raises ValueError.
TEST_F(SpooledTemporaryFileTest, EmptyWritelinesChecksTheSize) {
  SpooledTemporaryFile f({.max_size = 10, .dir = scratch()});
  f.seek(20);
  f.writelines(std::vector<std::string>{});
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.tell(), 20);
  EXPECT_EQ(bytes_through_descriptor(f.fileno()), "");

  SpooledTemporaryFile text({.max_size = 10, .mode = "w+", .dir = scratch()});
  text.writelines(std::vector<std::string>{"0123456789"});
  EXPECT_FALSE(text.rolled());
  text.writelines(std::vector<std::string>{});
  EXPECT_FALSE(text.rolled());
  text.seek(0, SEEK_END);
  text.writelines(std::vector<std::string>{"x"});
  EXPECT_TRUE(text.rolled());

  SpooledTemporaryFile closed({.max_size = 10, .dir = scratch()});
  closed.close();
  EXPECT_THROW(closed.writelines(std::vector<std::string>{}), closed_file_error);
}

// python3: SpooledTemporaryFile(max_size=10) (also buffering=0); seek(20); write(b'')
// rolls over, and the empty write adds nothing: tell() 20, st_size 0.
TEST_F(SpooledTemporaryFileTest, EmptyWritePastMaxSizeRollsOverWithoutGrowing) {
  for (const int buffering : {-1, 0}) {
    SpooledTemporaryFile f({.max_size = 10, .buffering = buffering, .dir = scratch()});
    f.seek(20);
    EXPECT_EQ(f.write(std::string_view()), 0U);
    EXPECT_TRUE(f.rolled());
    EXPECT_EQ(f.tell(), 20);
    EXPECT_EQ(bytes_through_descriptor(f.fileno()), "");
    EXPECT_EQ(f.seek(0, SEEK_END), 0);
  }
}

// Errors name the storage: "<memory>" while spooled; after the rollover, an unnamed file with
// its descriptor number, in its directory.
TEST_F(SpooledTemporaryFileTest, ErrorsNameTheStorage) {
  SpooledTemporaryFile f({.dir = scratch()});
  EXPECT_TEMPFILE_ERROR(f.seek(-1), std::errc::invalid_argument, "<memory>");
  f.rollover();
  EXPECT_TEMPFILE_ERROR(f.seek(-1), std::errc::invalid_argument,
                        "unnamed temporary file (fd " + std::to_string(f.fileno()) + ") in '" +
                            scratch().string() + "'");
}

// read1() in memory is BytesIO's (-1: everything ahead); on disk, the buffer's size. peek()
// in memory gives what a buffer fill at the position would give on disk (CPython's
// SpooledTemporaryFile has no peek). buffering=0 has neither, in memory too (FileIO has none).
//   s = tempfile.SpooledTemporaryFile(100000); s.write(b'y' * 10000); s.seek(0)
//   len(s.read1()) -> 10000
TEST_F(SpooledTemporaryFileTest, Read1AndPeekInMemoryAndOnDisk) {
  SpooledTemporaryFile f({.max_size = 100000});
  f.write(std::string(10000, 'y'));
  f.seek(0);
  EXPECT_EQ(f.peek().size(), 8192U);
  EXPECT_EQ(f.tell(), 0);
  EXPECT_EQ(f.read1().size(), 10000U);
  f.seek(9998);
  EXPECT_EQ(f.peek(), "yy");
  f.rollover();
  EXPECT_EQ(f.peek(), "yy");
  f.seek(0);
  EXPECT_EQ(f.read1().size(), 8192U);  // our default buffer (CPython's: st_blksize)
  SpooledTemporaryFile raw({.max_size = 100, .buffering = 0});
  raw.write(std::string_view("abc"));
  raw.seek(0);
  EXPECT_THROW(static_cast<void>(raw.read1()), unsupported_operation);
  EXPECT_THROW(static_cast<void>(raw.peek()), unsupported_operation);
  EXPECT_FALSE(raw.rolled());
}

}  // namespace
}  // namespace tempfile
