// SpooledTemporaryFile: what the C++ object adds to Python's (the rollover's strong guarantee,
// text state carried across rollover, memfd backing, moves) and the rules it shares with
// Python's (when it rolls, what name/mode say). CPython's own tests are in
// tests/conformance/spooled_temporary_file_test.cpp.
#include "tempfile/spooled_temporary_file.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
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
  EXPECT_EQ(f.mode(), "wb+");
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
  SpooledTemporaryFile f({.dir = scratch() / "does-not-exist", .memfd = true});
  f.write(std::string_view("hello"));
  const int fd = f.fileno();
  if (!os::linux_fast_paths) {
    GTEST_SKIP() << "no memfd in this build: the rollover goes to dir, which is missing";
  }
  EXPECT_GE(fd, 0);
  EXPECT_EQ(read_all_from(f), "hello");
}

TEST_F(SpooledTemporaryFileTest, MoveTransfersTheContents) {
  SpooledTemporaryFile a({.dir = scratch()});
  a.write(std::string_view("abc"));
  SpooledTemporaryFile b(std::move(a));
  EXPECT_FALSE(a.rolled());  // NOLINT(bugprone-use-after-move): moved-from is defined
  EXPECT_EQ(read_all_from(b), "abc");
}

}  // namespace
}  // namespace tempfile
