// SPDX-License-Identifier: MIT
// File::stream() and File::fdopen(): the C++ stream and the stdio stream see the same bytes
// and, where documented, the same position as the file object.
#include <gmock/gmock.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "support/scratch.hpp"
#include "tempfile/error.hpp"
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

TEST_F(InteropTest, ClosedFileRefusesStreamAndFdopen) {
  TemporaryFile f;
  f.close();
  EXPECT_THROW(static_cast<void>(f.stream()), closed_file_error);
  EXPECT_THROW(static_cast<void>(f.fdopen()), closed_file_error);
}

}  // namespace
}  // namespace tempfile
