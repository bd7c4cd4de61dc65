// SPDX-License-Identifier: MIT
// File::stream() and File::fdopen(): the C++ stream and the stdio stream see the same bytes
// and, where documented, the same position as the file object.
#include <gmock/gmock.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

class InteropTest : public test::ScratchTest {};

TEST_F(InteropTest, StreamAndWriteInterleaveInOrder) {
  TemporaryFile f;
  f.write(std::string_view("a"));
  f.stream() << "b" << 42;
  f.write(std::string_view("c"));
  f.stream() << 'd' << std::flush;
  f.seek(0);
  EXPECT_EQ(f.read(), "ab42cd");
}

TEST_F(InteropTest, StreamReadsShareThePosition) {
  TemporaryFile f;
  f.write(std::string_view("12 apples\nsecond line\nthird"));
  f.seek(0);
  int count = 0;
  std::string word;
  f.stream() >> count >> word;
  EXPECT_EQ(count, 12);
  EXPECT_EQ(word, "apples");
  // operator>> looked one character ahead ('\n'); the file gets it back.
  EXPECT_EQ(f.tell(), 9);
  EXPECT_EQ(f.readline(), "\n");
  std::string line;
  std::getline(f.stream(), line);
  EXPECT_EQ(line, "second line");
  EXPECT_EQ(f.read(), "third");
}

TEST_F(InteropTest, StreamSeekAndTellAreTheFiles) {
  TemporaryFile f;
  f.stream() << "0123456789";
  EXPECT_EQ(f.stream().tellp(), std::streampos(10));
  f.stream().seekg(3);
  EXPECT_EQ(f.tell(), 3);
  char c = 0;
  f.stream().get(c);
  EXPECT_EQ(c, '3');
  EXPECT_EQ(f.read(2), "45");
  std::string rest;
  f.stream() >> rest;
  EXPECT_EQ(rest, "6789");
  EXPECT_TRUE(f.stream().eof());
}

TEST_F(InteropTest, TextModeStreamSeesDecodedText) {
  TemporaryFile f({.mode = "w+", .encoding = "latin-1"});
  f.stream() << "caf\u00e9\n";
  f.seek(0);
  std::string line;
  std::getline(f.stream(), line);
  EXPECT_EQ(line, "caf\u00e9");  // UTF-8 in, UTF-8 out; latin-1 on disk
  f.seek(0);
  f.flush();
  std::FILE* raw = f.fdopen();
  ASSERT_NE(raw, nullptr);
  char bytes[8] = {};
  EXPECT_EQ(std::fread(bytes, 1, sizeof bytes, raw), 5U);
  EXPECT_EQ(std::string(bytes, 5), "caf\xe9\n");
  std::fclose(raw);
}

TEST_F(InteropTest, FdopenSharesTheOffsetAndNotTheLifetime) {
  TemporaryFile f;
  f.write(std::string_view("hello world"));
  f.seek(6);
  std::FILE* c_stream = f.fdopen();
  ASSERT_NE(c_stream, nullptr);
  char buffer[16] = {};
  EXPECT_EQ(std::fread(buffer, 1, sizeof buffer, c_stream), 5U);
  EXPECT_EQ(std::string(buffer, 5), "world");
  std::fputs("!", c_stream);
  EXPECT_EQ(std::fclose(c_stream), 0);  // closes the duplicate only
  EXPECT_FALSE(f.closed());
  f.seek(0);
  EXPECT_EQ(f.read(), "hello world!");
}

TEST_F(InteropTest, FdopenFlushesPendingWrites) {
  TemporaryFile f;
  f.write(std::string_view("pending"));
  std::FILE* c_stream = f.fdopen();
  ASSERT_NE(c_stream, nullptr);
  std::rewind(c_stream);
  char buffer[16] = {};
  EXPECT_EQ(std::fread(buffer, 1, sizeof buffer, c_stream), 7U);
  std::fclose(c_stream);
}

// A TemporaryFile nobody else holds uses pread/pwrite and leaves the descriptor's offset
// alone; fileno() hands the descriptor out with its offset at the position, and from then on
// what others do through it is seen.
TEST_F(InteropTest, FilenoHandsOutTheOffsetAtThePosition) {
  TemporaryFile f;
  f.write(std::string_view("abcdef"));
  f.seek(2);
  const int fd = f.fileno();
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 2);
  ASSERT_EQ(::write(fd, "XY", 2), 2);
  ASSERT_EQ(::lseek(fd, 0, SEEK_END), 6);
  ASSERT_EQ(::write(fd, "gh", 2), 2);
  f.seek(0);
  EXPECT_EQ(f.read(), "abXYefgh");
}

TEST_F(InteropTest, UnsharedFileTracksItsSizeThroughGapsAndTruncation) {
  TemporaryFile f;
  f.write(std::string_view("abc"));
  EXPECT_EQ(f.seek(0, SEEK_END), 3);
  EXPECT_EQ(f.seek(10), 10);
  f.write(std::string_view("x"));
  f.seek(0);
  EXPECT_EQ(f.read(), std::string("abc\0\0\0\0\0\0\0x", 11));
  EXPECT_EQ(f.truncate(4), 4);
  f.seek(0);
  EXPECT_EQ(f.read(), std::string("abc\0", 4));
  EXPECT_EQ(f.seek(0, SEEK_END), 4);
  f.truncate(6);
  EXPECT_EQ(f.read(), std::string("\0\0", 2));
}

// Python's tell() asks the system (lseek) each time, so after writes through a duplicate of
// the descriptor (flushed) it reports where they left the offset; python3 gives 7 and
// b"abcdefgh" for this sequence on os.fdopen(os.dup(f.fileno()), "r+b").
TEST_F(InteropTest, TellSeesWritesMadeThroughFdopen) {
  TemporaryFile f;
  f.write(std::string_view("abc"));
  std::FILE* c_stream = f.fdopen();
  ASSERT_NE(c_stream, nullptr);
  ASSERT_GE(std::fputs("defg", c_stream), 0);
  ASSERT_EQ(std::fflush(c_stream), 0);
  EXPECT_EQ(f.tell(), 7);
  EXPECT_EQ(f.stream().tellp(), std::streampos(7));
  f.write(std::string_view("h"));
  EXPECT_EQ(f.tell(), 8);
  f.seek(0);
  EXPECT_EQ(f.read(), "abcdefgh");
  EXPECT_EQ(std::fclose(c_stream), 0);
}

TEST_F(InteropTest, TellSeesWritesMadeThroughFdopenOnEveryKindOfFile) {
  NamedTemporaryFile named;
  SpooledTemporaryFile spooled;  // fdopen() rolls it over
  TemporaryFile unbuffered({.buffering = 0});
  for (File* f : {static_cast<File*>(&named), static_cast<File*>(&spooled),
                  static_cast<File*>(&unbuffered)}) {
    f->write(std::string_view("12"));
    std::FILE* c_stream = f->fdopen();
    ASSERT_NE(c_stream, nullptr);
    ASSERT_GE(std::fputs("345", c_stream), 0);
    ASSERT_EQ(std::fflush(c_stream), 0);
    EXPECT_EQ(f->tell(), 5);
    f->write(std::string_view("6"));
    f->seek(0);
    EXPECT_EQ(f->read(), "123456");
    EXPECT_EQ(std::fclose(c_stream), 0);
  }
}

// Text mode: python3 gives 4 and "abcde".
TEST_F(InteropTest, TextTellSeesWritesMadeThroughFdopen) {
  TemporaryFile f("w+");
  f.write(std::string_view("ab"));
  std::FILE* c_stream = f.fdopen();
  ASSERT_NE(c_stream, nullptr);
  ASSERT_GE(std::fputs("cd", c_stream), 0);
  ASSERT_EQ(std::fflush(c_stream), 0);
  EXPECT_EQ(f.tell(), 4);
  EXPECT_EQ(f.stream().tellp(), std::streampos(4));
  EXPECT_EQ(f.seek(0, SEEK_CUR), 4);
  f.write(std::string_view("e"));
  f.seek(0);
  EXPECT_EQ(f.read(), "abcde");
  EXPECT_EQ(std::fclose(c_stream), 0);
}

// What stdio still holds is not in the file, so not in tell() either: fflush() first (the
// documented rule).
TEST_F(InteropTest, TellDoesNotSeeWhatStdioStillBuffers) {
  TemporaryFile f;
  f.write(std::string_view("abc"));
  std::FILE* c_stream = f.fdopen();
  ASSERT_NE(c_stream, nullptr);
  ASSERT_GE(std::fputs("de", c_stream), 0);  // in stdio's buffer
  EXPECT_EQ(f.tell(), 3);
  ASSERT_EQ(std::fflush(c_stream), 0);
  EXPECT_EQ(f.tell(), 5);
  EXPECT_EQ(std::fclose(c_stream), 0);
}

// A descriptor never handed out is never asked: an unshared TemporaryFile writes with pwrite,
// so the descriptor's own offset stays 0 while the position is 3, and tell() must keep
// answering from the position (asking lseek would say 0).
TEST_F(InteropTest, TellOfAFileNeverHandedOutIgnoresTheDescriptorsStaleOffset) {
  TemporaryFile f;
  f.write(std::string_view("abc"));
  f.flush();
  std::ifstream fdinfo("/proc/self/fdinfo/" + f.name().string());  // name() is the fd number
  if (!fdinfo) {
    GTEST_SKIP() << "no /proc/self/fdinfo to read the descriptor's offset from";
  }
  std::string key;
  long long offset = -1;
  fdinfo >> key >> offset;
  ASSERT_EQ(key, "pos:");
  EXPECT_EQ(offset, 0);  // pwrite left it alone
  EXPECT_EQ(f.tell(), 3);
}

TEST_F(InteropTest, ClosedFileRefusesStreamAndFdopen) {
  TemporaryFile f;
  f.close();
  EXPECT_THROW(static_cast<void>(f.stream()), closed_file_error);
  EXPECT_THROW(static_cast<void>(f.fdopen()), closed_file_error);
}

}  // namespace
}  // namespace tempfile
