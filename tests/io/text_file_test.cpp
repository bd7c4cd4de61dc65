// SPDX-License-Identifier: MIT
// The text layer against results python3 (3.11, C io) gave for the same operations on
// open(path, 'w+', encoding=..., newline=...): newline handling, character counts, tell()
// cookies and seek(), write-after-read positions, BOMs, errors and line buffering. With newline
// None a write stores "\n" as os.linesep: the expected bytes follow os::line_separator ("\r\n"
// on Windows, where the values are Python's there).
#include "io/text_file.hpp"

#include <gmock/gmock.h>

#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/text_file_testing.hpp"
#include "os/linesep.hpp"
#include "os/sys.hpp"
#include "support/descriptor.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::io {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t table_cookie_bit = std::int64_t{1} << 62;

// Python's text.replace("\n", os.linesep): what a write with newline None stores for `text`.
std::string as_written(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += os::line_separator;
    } else {
      out += c;
    }
  }
  return out;
}

struct TextOptions {
  const char* encoding = "utf-8";
  std::optional<std::string> newline = std::nullopt;
  const char* mode = "w+";
  std::size_t chunk_size = 8192;
  bool line_buffering = false;
  ErrorHandler errors = ErrorHandler::strict;
  std::size_t buffer_size = BufferedFile::default_buffer_size;
};

class TextFileTest : public test::ScratchTest {
 protected:
  // A text file over a new file (already unlinked) that holds `contents`, at offset 0.
  static TextFile open_text(const TextOptions& options, std::string_view contents = {}) {
    os::FileDescriptor fd;
    EXPECT_EQ(os::create_file_exclusive(os::current_directory_fd, "f", os::file_mode, fd), 0);
    EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
    EXPECT_EQ(os::write_all(fd.get(), contents.data(), contents.size()), 0);
    std::int64_t position = -1;
    EXPECT_EQ(os::seek(fd.get(), 0, SEEK_SET, position), 0);
    TextFile file(
        BufferedFile(RawFile(std::move(fd), parse_mode(options.mode)), options.buffer_size),
        Codec::lookup(options.encoding), options.errors, options.newline, options.line_buffering);
    TextFileTesting::set_chunk_size(file, options.chunk_size);
    return file;
  }

  // What the file holds now, read beside the object (its offset does not move).
  static std::string stored(TextFile& file) {
    return test::descriptor_contents(file.buffer().fileno());
  }
};

// python3: f = open(p, 'w+', encoding=e, newline=nl); f.write(s); f.seek(0); f.read()
// (CPython's test_tempfile test_mode_and_encoding round trips).
TEST_F(TextFileTest, RoundTripsOfTestModeAndEncoding) {
  {
    TextFile f = open_text({});
    EXPECT_EQ(f.write("abdc\n"), 5U);
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "abdc\n");
    EXPECT_EQ(stored(f), as_written("abdc\n"));
    f.close();
  }
  {
    TextFile f = open_text({.encoding = "utf-16"});
    EXPECT_EQ(f.encoding(), "utf-16");
    EXPECT_EQ(f.write("\u039B"), 1U);
    f.flush();
    EXPECT_EQ(stored(f), "\xff\xfe\x9b\x03");  // b'\xff\xfe\x9b\x03'
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "\u039B");
    f.close();
  }
  {
    TextFile f = open_text({.newline = ""});
    EXPECT_EQ(f.write("foo\r\n"), 5U);
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "foo\r\n");
    EXPECT_EQ(stored(f), "foo\r\n");
    f.close();
  }
}

// python3: open(p, 'wb').write(b"a\nb\r\nc\rd"); f = open(p, 'r+'); f.read() -> 'a\nb\nc\nd',
// f.newlines -> ('\r', '\n', '\r\n'); None before the read. (A write with newline None stores
// os.linesep for "\n": WriteTranslatesNewlines.)
TEST_F(TextFileTest, UniversalNewlinesTranslateAndRecord) {
  TextFile f = open_text({}, "a\nb\r\nc\rd");
  EXPECT_THAT(f.newlines(), IsEmpty());
  EXPECT_EQ(f.read(), "a\nb\nc\nd");
  EXPECT_THAT(f.newlines(), ElementsAre("\r", "\n", "\r\n"));
  f.close();
}

// python3: newline='' reads 'a\nb\r\nc\rd' unchanged, newlines ('\r', '\n', '\r\n');
// newline='\n', '\r', '\r\n' read the stored bytes and leave newlines None.
TEST_F(TextFileTest, NewlineSettingsOnRead) {
  {
    TextFile f = open_text({.newline = ""}, "a\nb\r\nc\rd");
    EXPECT_EQ(f.read(), "a\nb\r\nc\rd");
    EXPECT_THAT(f.newlines(), ElementsAre("\r", "\n", "\r\n"));
    f.close();
  }
  for (const char* newline : {"\n", "\r", "\r\n"}) {
    TextFile f = open_text({.newline = newline}, "a\nb\r\nc\rd");
    EXPECT_EQ(f.read(), "a\nb\r\nc\rd");
    EXPECT_THAT(f.newlines(), IsEmpty());
    f.close();
  }
}

// python3: open(p, 'w+', newline=nl).write("a\nb\r\nc"), then the stored bytes: with None
// "a\nb\r\nc" on POSIX, "a\r\nb\r\r\nc" on Windows (os.linesep).
TEST_F(TextFileTest, WriteTranslatesNewlines) {
  const std::vector<std::pair<std::optional<std::string>, std::string>> cases = {
      {std::nullopt, as_written("a\nb\r\nc")},
      {"", "a\nb\r\nc"},
      {"\n", "a\nb\r\nc"},
      {"\r", "a\rb\r\rc"},
      {"\r\n", "a\r\nb\r\r\nc"},
  };
  for (const auto& [newline, expected] : cases) {
    SCOPED_TRACE(newline.value_or("None"));
    TextFile f = open_text({.newline = newline});
    EXPECT_EQ(f.write("a\nb\r\nc"), 6U);  // characters given, before translation
    f.flush();
    EXPECT_EQ(stored(f), expected);
    f.close();
  }
}

TEST_F(TextFileTest, IllegalNewlineIsRejected) {
  EXPECT_THAT([&] { static_cast<void>(open_text({.newline = "x"})); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::StrEq("tempfile: illegal newline value: x")));
  EXPECT_THAT([&] { static_cast<void>(open_text({.newline = "\n\n"})); },
              ::testing::Throws<std::invalid_argument>());
}

// python3: open(p, 'wb').write(b"a\nb\r\nc\rd\r"); f = open(p, 'r', newline=nl);
// [f.readline() for _ in range(6)]
TEST_F(TextFileTest, ReadlineForEveryNewlineSetting) {
  const std::vector<std::pair<std::optional<std::string>, std::vector<std::string>>> cases = {
      {std::nullopt, {"a\n", "b\n", "c\n", "d\n", "", ""}},
      {"", {"a\n", "b\r\n", "c\r", "d\r", "", ""}},
      {"\n", {"a\n", "b\r\n", "c\rd\r", "", "", ""}},
      {"\r", {"a\nb\r", "\nc\r", "d\r", "", "", ""}},
      {"\r\n", {"a\nb\r\n", "c\rd\r", "", "", "", ""}},
  };
  for (const auto& [newline, lines] : cases) {
    for (const std::size_t chunk_size : {std::size_t{8192}, std::size_t{1}, std::size_t{2}}) {
      SCOPED_TRACE(newline.value_or("None") + " chunk " + std::to_string(chunk_size));
      TextFile f =
          open_text({.newline = newline, .mode = "r", .chunk_size = chunk_size}, "a\nb\r\nc\rd\r");
      std::vector<std::string> got;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        got.push_back(f.readline());
      }
      EXPECT_EQ(got, lines);
      f.close();
    }
  }
}

// python3: open(p, 'wb').write("λx€\r\n𝄞yz\nq".encode()); f = open(p, 'r', newline=nl,
// encoding='utf-8'); [f.readline(2) for _ in range(7)]; [f.readline(4) for _ in range(4)];
// f.readline(0), f.read(3), f.tell()
TEST_F(TextFileTest, ReadlineLimitCountsCharacters) {
  const std::string contents = "λx€\r\n𝄞yz\nq";
  struct LimitCase {
    std::optional<std::string> newline;
    std::vector<std::string> by_two;
    std::vector<std::string> by_four;
  };
  const std::vector<LimitCase> cases = {
      {std::nullopt, {"λx", "€\n", "𝄞y", "z\n", "q", "", ""}, {"λx€\n", "𝄞yz\n", "q", ""}},
      {"", {"λx", "€\r", "\n", "𝄞y", "z\n", "q", ""}, {"λx€\r", "\n", "𝄞yz\n", "q"}},
      {"\r\n", {"λx", "€\r", "\n𝄞", "yz", "\nq", "", ""}, {"λx€\r", "\n𝄞yz", "\nq", ""}},
  };
  for (const LimitCase& c : cases) {
    for (const std::size_t chunk_size : {std::size_t{8192}, std::size_t{1}, std::size_t{3}}) {
      SCOPED_TRACE(c.newline.value_or("None") + " chunk " + std::to_string(chunk_size));
      TextFile f =
          open_text({.newline = c.newline, .mode = "r", .chunk_size = chunk_size}, contents);
      std::vector<std::string> got;
      for (std::size_t i = 0; i < c.by_two.size(); ++i) {
        got.push_back(f.readline(2));
      }
      EXPECT_EQ(got, c.by_two);
      EXPECT_EQ(f.seek(0, SEEK_SET), 0);
      got.clear();
      for (std::size_t i = 0; i < c.by_four.size(); ++i) {
        got.push_back(f.readline(4));
      }
      EXPECT_EQ(got, c.by_four);
      EXPECT_EQ(f.seek(0, SEEK_SET), 0);
      EXPECT_EQ(f.readline(0), "");
      EXPECT_EQ(f.read(3), "λx€");
      EXPECT_EQ(f.tell(), 6);
      f.close();
    }
  }
}

// The 8192-byte chunk ends between '\r' and '\n'. python3: open(p, 'wb').write(b'x' * 8191 +
// b'\r\ny\rz'); f = open(p, 'r', newline=nl); l = f.readline(); len(l), l[-3:], f.tell(),
// f.newlines, f.readline(), f.readline(), f.readline(), f.newlines
TEST_F(TextFileTest, CarriageReturnAtTheChunkBoundary) {
  const std::string contents = std::string(8191, 'x') + "\r\ny\rz";
  struct BoundaryCase {
    std::optional<std::string> newline;
    std::size_t first_size;
    std::string first_tail;
    std::int64_t first_tell;
    std::vector<std::string> rest;
    std::vector<std::string> newlines;
  };
  const std::vector<BoundaryCase> cases = {
      {std::nullopt, 8192, "xx\n", 8193, {"y\n", "z", ""}, {"\r", "\r\n"}},
      {"", 8193, "x\r\n", 8193, {"y\r", "z", ""}, {"\r", "\r\n"}},
      {"\r\n", 8193, "x\r\n", 8193, {"y\rz", "", ""}, {}},
      {"\r", 8192, "xx\r", 8192, {"\ny\r", "z", ""}, {}},
  };
  for (const BoundaryCase& c : cases) {
    SCOPED_TRACE(c.newline.value_or("None"));
    TextFile f = open_text({.newline = c.newline, .mode = "r"}, contents);
    const std::string first = f.readline();
    EXPECT_EQ(first.size(), c.first_size);
    EXPECT_EQ(first.substr(first.size() - 3), c.first_tail);
    EXPECT_EQ(f.tell(), c.first_tell);
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < c.rest.size(); ++i) {
      rest.push_back(f.readline());
    }
    EXPECT_EQ(rest, c.rest);
    EXPECT_EQ(f.newlines(), c.newlines);
    f.close();
  }
  // python3 (newline=None): f.read(8191); f.tell() -> 2**64 + 8192 (a '\r' held back: not a
  // plain position); f.read(1) -> '\n'; f.tell() -> 8193; f.read() -> 'y\nz'; f.tell() -> 8196
  TextFile f = open_text({.mode = "r"}, contents);
  EXPECT_EQ(f.read(8191), std::string(8191, 'x'));
  const std::int64_t held_back = f.tell();
  EXPECT_GE(held_back, table_cookie_bit);
  EXPECT_EQ(f.read(1), "\n");
  EXPECT_EQ(f.tell(), 8193);
  EXPECT_EQ(f.read(), "y\nz");
  EXPECT_EQ(f.tell(), 8196);
  EXPECT_EQ(f.seek(held_back, SEEK_SET), held_back);
  EXPECT_EQ(f.read(), "\ny\nz");
  f.close();
}

struct PositionCase {
  const char* encoding;
  std::optional<std::string> newline;
  std::size_t chunk_size;
  std::vector<std::int64_t> cookies;  // -1: Python's cookie is not a plain byte position
  // With newline None where os.linesep is "\r\n" (Windows): the text is stored with "\r\n" for
  // each "\n" ("\r\n" becomes "\r\r\n"), so more positions. Python's values there, from
  // _pyio.TextIOWrapper with _writenl "\r\n" (whose cookies are C io's).
  std::vector<std::int64_t> crlf_cookies = {};
};

// python3: f = open(p, 'w+', encoding=e, newline=nl); f.write(text); f.seek(0);
// f._CHUNK_SIZE = cs; then tell() before each read(1) to the end, big cookies shown as -1.
// Also checked there: seek(cookie) then tell() gives the cookie back and read() the rest.
TEST_F(TextFileTest, TellAndSeekAtEveryCharacter) {
  const std::string mixed = "aλ\r\nb€\n𝄞c\rd\r\nend";
  const std::string latin = "aé\r\nbÿ\nc\rd\r\nend";
  const std::vector<PositionCase> cases = {
      {"utf-8",
       std::nullopt,
       8192,
       {0, 1, 3, 5, 6, 9, 10, 14, 15, -1, 17, 19, 20, 21, 22},
       {0, 1, 3, -1, 6, 7, 10, 12, 16, 17, -1, 19, -1, 22, 23, 24, 25}},
      {"utf-8",
       std::nullopt,
       1,
       {0, 1, 3, 5, 6, 9, 10, 14, 15, -1, 17, 19, 20, 21, 22},
       {0, 1, 3, -1, 6, 7, 10, 12, 16, 17, -1, 19, -1, 22, 23, 24, 25}},
      {"utf-8",
       std::nullopt,
       2,
       {0, 1, 3, 5, 6, 9, 10, 14, -1, -1, -1, 19, 20, 21, 22},
       {0, 1, 3, -1, 6, 7, 10, 12, 16, -1, -1, -1, -1, 22, 23, 24, 25}},
      {"utf-8",
       std::nullopt,
       3,
       {0, 1, 3, 5, 6, 9, 10, 14, 15, -1, -1, 19, 20, 21, 22},
       {0, 1, 3, -1, 6, 7, 10, 12, 16, 17, -1, -1, -1, 22, 23, 24, 25}},
      {"utf-8",
       std::nullopt,
       5,
       {0, 1, 3, 5, 6, 9, 10, 14, 15, -1, 17, 19, 20, 21, 22},
       {0, 1, 3, -1, 6, 7, 10, 12, 16, 17, -1, 19, -1, 22, 23, 24, 25}},
      {"utf-8", "", 8192, {0, 1, 3, -1, 5, 6, 9, 10, 14, 15, -1, 17, -1, 19, 20, 21, 22}},
      {"utf-8", "", 1, {0, 1, 3, -1, 5, 6, 9, 10, 14, 15, -1, 17, -1, 19, 20, 21, 22}},
      {"utf-8", "", 2, {0, 1, 3, -1, 5, 6, 9, 10, 14, -1, -1, -1, -1, 19, 20, 21, 22}},
      {"utf-8", "", 3, {0, 1, 3, -1, 5, 6, 9, 10, 14, 15, -1, -1, -1, 19, 20, 21, 22}},
      {"utf-8", "", 5, {0, 1, 3, -1, 5, 6, 9, 10, 14, 15, -1, 17, -1, 19, 20, 21, 22}},
      {"latin-1",
       std::nullopt,
       8192,
       {0, 1, 2, 4, 5, 6, 7, 8, -1, 10, 12, 13, 14, 15},
       {0, 1, 2, -1, 5, 6, 7, 9, 10, -1, 12, -1, 15, 16, 17, 18}},
      {"latin-1",
       std::nullopt,
       1,
       {0, 1, 2, 4, 5, 6, 7, 8, -1, 10, 12, 13, 14, 15},
       {0, 1, 2, -1, 5, 6, 7, 9, 10, -1, 12, -1, 15, 16, 17, 18}},
      {"latin-1",
       std::nullopt,
       2,
       {0, 1, 2, 4, 5, 6, 7, 8, -1, 10, 12, 13, 14, 15},
       {0, 1, 2, -1, 5, 6, -1, 9, 10, -1, 12, -1, 15, 16, 17, 18}},
      {"latin-1",
       std::nullopt,
       3,
       {0, 1, -1, 4, 5, 6, 7, -1, -1, -1, 12, 13, 14, 15},
       {0, 1, -1, -1, 5, 6, 7, 9, 10, -1, 12, -1, 15, 16, 17, 18}},
      {"latin-1",
       std::nullopt,
       5,
       {0, 1, 2, 4, 5, 6, 7, 8, -1, 10, 12, 13, 14, 15},
       {0, 1, 2, -1, 5, 6, 7, 9, 10, -1, 12, -1, 15, 16, 17, 18}},
      {"latin-1", "", 8192, {0, 1, 2, -1, 4, 5, 6, 7, 8, -1, 10, -1, 12, 13, 14, 15}},
      {"latin-1", "", 1, {0, 1, 2, -1, 4, 5, 6, 7, 8, -1, 10, -1, 12, 13, 14, 15}},
      {"latin-1", "", 2, {0, 1, 2, -1, 4, 5, 6, 7, 8, -1, 10, -1, 12, 13, 14, 15}},
      {"latin-1", "", 3, {0, 1, -1, -1, 4, 5, 6, 7, -1, -1, 10, -1, 12, 13, 14, 15}},
      {"latin-1", "", 5, {0, 1, 2, -1, 4, 5, 6, 7, 8, -1, 10, -1, 12, 13, 14, 15}},
      {"utf-16",
       std::nullopt,
       8192,
       {0, 4, 6, 10, 12, 14, 16, 20, 22, -1, 26, 30, 32, 34, 36},
       {0, 4, 6, -1, 12, 14, 16, 20, 24, 26, -1, 30, -1, 36, 38, 40, 42}},
      {"utf-16",
       std::nullopt,
       1,
       {0, 4, 6, 10, 12, 14, 16, 20, 22, -1, 26, 30, 32, 34, 36},
       {0, 4, 6, -1, 12, 14, 16, 20, 24, 26, -1, 30, -1, 36, 38, 40, 42}},
      {"utf-16",
       std::nullopt,
       2,
       {0, 4, 6, 10, 12, 14, 16, 20, 22, -1, 26, 30, 32, 34, 36},
       {0, 4, 6, -1, 12, 14, 16, 20, 24, 26, -1, 30, -1, 36, 38, 40, 42}},
      {"utf-16",
       std::nullopt,
       3,
       {0, 4, 6, 10, 12, 14, 16, 20, 22, -1, 26, 30, 32, 34, 36},
       {0, 4, 6, -1, 12, 14, 16, 20, 24, 26, -1, 30, -1, 36, 38, 40, 42}},
      {"utf-16",
       std::nullopt,
       5,
       {0, 4, 6, 10, 12, 14, 16, 20, -1, -1, 26, 30, 32, 34, 36},
       {0, 4, 6, -1, 12, 14, 16, 20, 24, 26, -1, 30, -1, 36, 38, 40, 42}},
      {"utf-16", "", 8192, {0, 4, 6, -1, 10, 12, 14, 16, 20, 22, -1, 26, -1, 30, 32, 34, 36}},
      {"utf-16", "", 1, {0, 4, 6, -1, 10, 12, 14, 16, 20, 22, -1, 26, -1, 30, 32, 34, 36}},
      {"utf-16", "", 2, {0, 4, 6, -1, 10, 12, 14, 16, 20, 22, -1, 26, -1, 30, 32, 34, 36}},
      {"utf-16", "", 3, {0, 4, 6, -1, 10, 12, 14, 16, 20, 22, -1, 26, -1, 30, 32, 34, 36}},
      {"utf-16", "", 5, {0, 4, 6, -1, 10, 12, 14, 16, 20, -1, -1, 26, -1, 30, 32, 34, 36}},
  };
  for (const PositionCase& c : cases) {
    SCOPED_TRACE(std::string(c.encoding) + " newline " + c.newline.value_or("None") + " chunk " +
                 std::to_string(c.chunk_size));
    TextFile f = open_text({.encoding = c.encoding, .newline = c.newline});
    const std::string& text = std::string(c.encoding) == "latin-1" ? latin : mixed;
    f.write(text);
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    TextFileTesting::set_chunk_size(f, c.chunk_size);
    const std::string whole = f.read();
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);

    std::vector<std::int64_t> cookies;
    std::vector<std::string> rests;  // what read() gives from each position
    std::string done;
    for (;;) {
      cookies.push_back(f.tell());
      rests.push_back(whole.substr(done.size()));
      const std::string one = f.read(1);
      if (one.empty()) {
        break;
      }
      done += one;
    }
    EXPECT_EQ(done, whole);
    const std::vector<std::int64_t>& expected =
        !c.newline && os::line_separator == "\r\n" ? c.crlf_cookies : c.cookies;
    ASSERT_EQ(cookies.size(), expected.size());
    for (std::size_t i = 0; i < cookies.size(); ++i) {
      SCOPED_TRACE("character " + std::to_string(i));
      if (expected[i] >= 0) {
        EXPECT_EQ(cookies[i], expected[i]);
      } else {
        EXPECT_GE(cookies[i], table_cookie_bit);
      }
    }
    // Seek back to every cookie in an order unlike reading: last first.
    for (std::size_t i = cookies.size(); i-- > 0;) {
      SCOPED_TRACE("seek to character " + std::to_string(i));
      EXPECT_EQ(f.seek(cookies[i], SEEK_SET), cookies[i]);
      EXPECT_EQ(f.tell(), cookies[i]);
      EXPECT_EQ(f.read(), rests[i]);
    }
    f.close();
  }
}

// python3: open(p, 'wb').write("aλ\r\nb€\n𝄞c\rd\r\nend\r".encode()); f = open(p, 'r',
// encoding='utf-8', newline=nl); f._CHUNK_SIZE = cs; tell() before each readline().
TEST_F(TextFileTest, TellAndSeekBetweenLines) {
  const std::string contents = "aλ\r\nb€\n𝄞c\rd\r\nend\r";
  struct SeekCase {
    std::optional<std::string> newline;
    std::vector<std::string> lines;
    std::vector<std::int64_t> cookies;  // -1: not a plain byte position
  };
  const std::vector<SeekCase> cases = {
      {std::nullopt, {"aλ\n", "b€\n", "𝄞c\n", "d\n", "end\n"}, {0, 5, 10, -1, 19, -1}},
      {"", {"aλ\r\n", "b€\n", "𝄞c\r", "d\r\n", "end\r"}, {0, 5, 10, -1, 19, -1}},
      {"\n", {"aλ\r\n", "b€\n", "𝄞c\rd\r\n", "end\r"}, {0, 5, 10, 19, 23}},
      {"\r", {"aλ\r", "\nb€\n𝄞c\r", "d\r", "\nend\r"}, {0, 4, 16, 18, 23}},
      {"\r\n", {"aλ\r\n", "b€\n𝄞c\rd\r\n", "end\r"}, {0, 5, 19, 23}},
  };
  for (const SeekCase& c : cases) {
    for (const std::size_t chunk_size : {std::size_t{8192}, std::size_t{3}}) {
      SCOPED_TRACE(c.newline.value_or("None") + " chunk " + std::to_string(chunk_size));
      TextFile f =
          open_text({.newline = c.newline, .mode = "r", .chunk_size = chunk_size}, contents);
      std::vector<std::string> lines;
      std::vector<std::int64_t> cookies;
      for (;;) {
        cookies.push_back(f.tell());
        std::string line = f.readline();
        if (line.empty()) {
          break;
        }
        lines.push_back(std::move(line));
      }
      EXPECT_EQ(lines, c.lines);
      ASSERT_EQ(cookies.size(), c.cookies.size());
      for (std::size_t i = 0; i < cookies.size(); ++i) {
        if (c.cookies[i] >= 0) {
          EXPECT_EQ(cookies[i], c.cookies[i]) << "line " << i;
        } else {
          EXPECT_GE(cookies[i], table_cookie_bit) << "line " << i;
        }
      }
      EXPECT_EQ(f.tell(), static_cast<std::int64_t>(contents.size()));  // after EOF
      for (std::size_t i = lines.size(); i-- > 0;) {
        EXPECT_EQ(f.seek(cookies[i], SEEK_SET), cookies[i]);
        EXPECT_EQ(f.readline(), lines[i]) << "line " << i;
      }
      f.close();
    }
  }
}

TEST_F(TextFileTest, CookiesAreDeduplicatedAndCheckedOnSeek) {
  TextFile f = open_text({.newline = ""}, "a\r\nb");
  EXPECT_EQ(f.read(2), "a\r");
  const std::int64_t inside = f.tell();  // between '\r' and '\n': a table cookie
  EXPECT_GE(inside, table_cookie_bit);
  EXPECT_EQ(f.tell(), inside);
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  EXPECT_EQ(f.read(2), "a\r");
  EXPECT_EQ(f.tell(), inside);  // the same snapshot fields give the same cookie
  EXPECT_EQ(f.read(), "\nb");
  EXPECT_THAT([&] { f.seek(table_cookie_bit | 12345, SEEK_SET); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  HasSubstr("is not a position tell() returned")));
  EXPECT_EQ(f.seek(inside, SEEK_SET), inside);
  EXPECT_EQ(f.read(), "\nb");
  f.close();
}

// python3: f.seek(0, 2), f.seek(0, 1) and the errors' texts:
// "can't do nonzero cur-relative seeks", "can't do nonzero end-relative seeks",
// "negative seek position -1", "invalid whence (3, should be 0, 1 or 2)".
TEST_F(TextFileTest, SeekEndCurAndErrors) {
  TextFile f = open_text({});
  f.write("héllo");
  EXPECT_EQ(f.seek(0, SEEK_END), 6);
  EXPECT_EQ(f.seek(0, SEEK_CUR), 6);
  EXPECT_EQ(f.tell(), 6);
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  EXPECT_EQ(f.read(2), "hé");
  EXPECT_EQ(f.seek(0, SEEK_CUR), 3);
  EXPECT_EQ(f.read(), "llo");
  EXPECT_THAT([&] { f.seek(1, SEEK_CUR); },
              ::testing::ThrowsMessage<unsupported_operation>(
                  ::testing::StrEq("tempfile: can't do nonzero cur-relative seeks")));
  EXPECT_THAT([&] { f.seek(-1, SEEK_END); },
              ::testing::ThrowsMessage<unsupported_operation>(
                  ::testing::StrEq("tempfile: can't do nonzero end-relative seeks")));
  EXPECT_THAT([&] { f.seek(-1, SEEK_SET); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::StrEq("tempfile: negative seek position -1")));
  EXPECT_THAT([&] { f.seek(0, 3); }, ::testing::ThrowsMessage<std::invalid_argument>(
                                         ::testing::StrEq("tempfile: invalid whence (3, "
                                                          "should be 0, 1 or 2)")));
  // seek(0, SEEK_END) also forgets decoded text and newlines (the decoder is reset). (No "\n"
  // written: the same bytes whatever os.linesep is.)
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  f.write("a\rb");
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  EXPECT_EQ(f.read(1), "a");
  EXPECT_THAT(f.newlines(), ElementsAre("\r"));
  EXPECT_EQ(f.seek(0, SEEK_END), 6);
  EXPECT_THAT(f.newlines(), IsEmpty());
  EXPECT_EQ(f.read(), "");
  f.close();
}

// python3: f.write("abc"); f.seek(0); f.read(1); f.write("X") -> the text goes where the
// buffer read ahead to (C io: "XXX What if we were just reading?"): tell() 4, 'abcX'.
TEST_F(TextFileTest, WriteAfterReadGoesWhereTheBufferIs) {
  {
    TextFile f = open_text({});
    f.write("abc");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(1), "a");
    EXPECT_EQ(f.write("X"), 1U);
    EXPECT_EQ(f.tell(), 4);
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "abcX");
    f.close();
  }
  {
    TextFile f = open_text({});
    f.write("aλc");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(1), "a");
    EXPECT_EQ(f.write("X"), 1U);
    EXPECT_EQ(f.tell(), 5);
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "aλcX");
    f.close();
  }
  {
    // A seek to tell() first puts the write at the text position.
    // python3 (utf-16): f.write('ab'); f.seek(0); f.read(1) -> 'a'; f.tell() -> 4;
    // f.seek(f.tell()); f.write('Z'); f.seek(0); f.read() -> 'aZ'
    TextFile f = open_text({.encoding = "utf-16"});
    f.write("ab");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(1), "a");
    EXPECT_EQ(f.tell(), 4);
    EXPECT_EQ(f.seek(f.tell(), SEEK_SET), 4);
    f.write("Z");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "aZ");
    f.close();
  }
}

// python3: f.write("abc"); f.read() -> ''; f.seek(0); f.write("X"); f.tell() -> 1;
// f.read() -> 'bc'; f.tell() -> 3
TEST_F(TextFileTest, ReadAfterWrite) {
  TextFile f = open_text({});
  f.write("abc");
  EXPECT_EQ(f.read(), "");
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  f.write("X");
  EXPECT_EQ(f.tell(), 1);
  EXPECT_EQ(f.read(), "bc");
  EXPECT_EQ(f.tell(), 3);
  f.close();
}

// python3 (utf-16): f.write('a'); f.seek(0); f.write('b') -> b'\xff\xfeb\x00' (seek(0)
// resets the encoder: a BOM again); f.seek(0, 2); f.write('c'); f.seek(2); f.write('d')
// -> b'\xff\xfed\x00c\x00' (no BOM away from the start).
TEST_F(TextFileTest, ByteOrderMarkOnlyAtTheStart) {
  TextFile f = open_text({.encoding = "utf-16"});
  f.write("a");
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  f.write("b");
  f.flush();
  EXPECT_EQ(stored(f), std::string("\xff\xfe"
                                   "b\0",
                                   4));
  EXPECT_EQ(f.seek(0, SEEK_END), 4);
  f.write("c");
  EXPECT_EQ(f.seek(2, SEEK_SET), 2);
  f.write("d");
  f.flush();
  EXPECT_EQ(stored(f), std::string("\xff\xfe"
                                   "d\0c\0",
                                   6));
  f.close();

  // A file opened at a non-zero offset writes no BOM either (Python's constructor).
  os::FileDescriptor fd;
  ASSERT_EQ(os::create_file_exclusive(os::current_directory_fd, "g", os::file_mode, fd), 0);
  ASSERT_EQ(os::remove_file(os::current_directory_fd, "g"), 0);
  ASSERT_EQ(os::write_all(fd.get(),
                          "\xff\xfe"
                          "a\0",
                          4),
            0);
  TextFile g(BufferedFile(RawFile(std::move(fd), parse_mode("a+"), 4), 64), Codec::lookup("utf-16"),
             ErrorHandler::strict, std::nullopt, false);
  g.write("b");
  g.flush();
  EXPECT_EQ(stored(g), std::string("\xff\xfe"
                                   "a\0b\0",
                                   6));
  g.close();
}

// python3: open(p, 'wb').write(b'\xfe\xff\x00a\x00b'); f = open(p, encoding='utf-16');
// f.read(1) -> 'a'; f.tell() is a big cookie (big-endian BOM: decoder flags 1); f.read() -> 'b'
TEST_F(TextFileTest, BigEndianByteOrderMark) {
  TextFile f = open_text({.encoding = "utf-16", .mode = "r"}, std::string("\xfe\xff\0a\0b", 6));
  EXPECT_EQ(f.read(1), "a");
  const std::int64_t after_a = f.tell();
  EXPECT_GE(after_a, table_cookie_bit);
  EXPECT_EQ(f.read(), "b");
  EXPECT_EQ(f.tell(), 6);
  EXPECT_EQ(f.seek(after_a, SEEK_SET), after_a);
  EXPECT_EQ(f.read(), "b");
  f.close();
}

// python3: "xyz": f.read(1); f.truncate(2) -> 2; f.tell() -> 1; f.read() -> 'yz' (already
// decoded); f.seek(0); f.read() -> 'xy'. f.read(1); f.truncate() -> 3 (C io truncates at the
// buffer's position, after its read-ahead); f.tell() -> 1.
TEST_F(TextFileTest, TruncateThenTell) {
  {
    TextFile f = open_text({});
    f.write("xyz");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(1), "x");
    EXPECT_EQ(f.truncate(2), 2);
    EXPECT_EQ(f.tell(), 1);
    EXPECT_EQ(f.read(), "yz");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(), "xy");
    f.close();
  }
  {
    TextFile f = open_text({});
    f.write("xyz");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(f.read(1), "x");
    EXPECT_EQ(f.tell(), 1);
    EXPECT_EQ(f.truncate(std::nullopt), 3);
    EXPECT_EQ(f.tell(), 1);
    EXPECT_EQ(f.read(), "yz");
    f.close();
  }
  {
    TextFile f = open_text({});
    f.write("hello");
    EXPECT_EQ(f.truncate(std::nullopt), 5);  // flushes first: the text reached the file
    EXPECT_EQ(stored(f), "hello");
    EXPECT_EQ(f.truncate(1), 1);
    EXPECT_EQ(stored(f), "h");
    EXPECT_EQ(f.tell(), 5);  // truncate never moves the position
    f.close();
  }
}

// python3: after "a\r\nb\rc" is read, newlines is ('\r', '\r\n'); a write resets the decoder
// (None); a seek(1) keeps it, seek(0) resets it. And C io's tell() re-decodes from a reset
// decoder: "a\r\nb\nc", read(2) -> ('\n', '\r\n'), then tell() -> 3 and newlines '\r\n'.
TEST_F(TextFileTest, NewlinesAreResetAsInPython) {
  {
    TextFile f = open_text({}, "a\r\nb\rc");
    EXPECT_EQ(f.read(), "a\nb\nc");
    EXPECT_THAT(f.newlines(), ElementsAre("\r", "\r\n"));
    EXPECT_EQ(f.seek(1, SEEK_SET), 1);
    EXPECT_THAT(f.newlines(), ElementsAre("\r", "\r\n"));
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_THAT(f.newlines(), IsEmpty());
    f.read();
    f.write("z");
    EXPECT_THAT(f.newlines(), IsEmpty());
    f.close();
  }
  {
    TextFile f = open_text({}, "a\r\nb\nc");
    EXPECT_EQ(f.read(2), "a\n");
    EXPECT_THAT(f.newlines(), ElementsAre("\n", "\r\n"));
    EXPECT_EQ(f.tell(), 3);
    EXPECT_THAT(f.newlines(), ElementsAre("\r\n"));
    EXPECT_EQ(f.read(), "b\nc");
    EXPECT_THAT(f.newlines(), ElementsAre("\r\n"));
    f.close();
  }
}

TEST_F(TextFileTest, ReadCountsCharacters) {
  TextFile f = open_text({.mode = "r", .chunk_size = 2}, "λ€𝄞abc");
  EXPECT_EQ(f.read(0), "");
  EXPECT_EQ(f.read(1), "λ");
  EXPECT_EQ(f.read(2), "€𝄞");
  EXPECT_EQ(f.tell(), 9);
  EXPECT_EQ(f.read(-5), "abc");  // any negative count reads to the end, as Python
  EXPECT_EQ(f.read(3), "");
  // C io sizes its next chunk by the count asked for and fails with MemoryError for a huge
  // one; we cap that guess, so a huge count just reads to the end.
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  EXPECT_EQ(f.read(1), "λ");
  EXPECT_EQ(f.read(std::numeric_limits<std::int64_t>::max()), "€𝄞abc");
  f.close();
}

// python3: b'ab\xffc' with errors='replace' -> 'ab\ufffdc'; strict -> UnicodeDecodeError.
TEST_F(TextFileTest, DecodeErrorsFollowTheHandler) {
  {
    TextFile f = open_text({.mode = "r", .errors = ErrorHandler::replace},
                           "ab\xff"
                           "c");
    EXPECT_EQ(f.read(),
              "ab\uFFFD"
              "c");
    f.close();
  }
  {
    TextFile f = open_text({.mode = "r"},
                           "ab\xff"
                           "c");
    EXPECT_THROW(f.read(), unicode_error);
    f.close();
  }
  {
    TextFile f = open_text({.mode = "r"},
                           "ab\xff"
                           "c");
    EXPECT_THROW(f.read(2), unicode_error);  // the whole chunk is decoded at once
    f.close();
  }
}

TEST_F(TextFileTest, EncodeErrorsFollowTheHandler) {
  TextFile f = open_text({.encoding = "ascii", .errors = ErrorHandler::replace});
  EXPECT_EQ(f.write("aλ"), 2U);
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  EXPECT_EQ(f.read(), "a?");
  f.close();
  TextFile g = open_text({.encoding = "ascii"});
  EXPECT_THROW(g.write("λ"), unicode_error);
  EXPECT_EQ(g.tell(), 0);
  g.close();
}

// python3: on a file opened 'w', read() -> UnsupportedOperation('not readable'); on 'r',
// write() -> UnsupportedOperation('not writable').
TEST_F(TextFileTest, ModeIsEnforced) {
  TextFile w = open_text({.mode = "w"});
  EXPECT_THAT([&] { w.read(); }, ::testing::ThrowsMessage<unsupported_operation>(
                                     HasSubstr("read: file not open for reading")));
  EXPECT_THROW(w.readline(), unsupported_operation);
  EXPECT_THAT(w.newlines(), IsEmpty());
  w.close();
  TextFile r = open_text({.mode = "r"}, "abc");
  EXPECT_THAT([&] { r.write("x"); }, ::testing::ThrowsMessage<unsupported_operation>(
                                         HasSubstr("write: file not open for writing")));
  EXPECT_THROW(r.truncate(0), unsupported_operation);
  EXPECT_EQ(r.read(), "abc");
  r.close();
}

// python3: every operation but close (and newlines) on a closed TextIOWrapper raises
// ValueError('I/O operation on closed file.'); close() twice is fine.
TEST_F(TextFileTest, ClosedFileErrors) {
  TextFile f = open_text({});
  f.write("pending");
  f.close();
  EXPECT_TRUE(f.closed());
  EXPECT_THROW(f.write("x"), closed_file_error);
  EXPECT_THROW(f.read(), closed_file_error);
  EXPECT_THROW(f.read(1), closed_file_error);
  EXPECT_THROW(f.readline(), closed_file_error);
  EXPECT_THROW(f.tell(), closed_file_error);
  EXPECT_THROW(f.seek(0, SEEK_SET), closed_file_error);
  EXPECT_THROW(f.seek(0, SEEK_END), closed_file_error);
  EXPECT_THROW(f.truncate(std::nullopt), closed_file_error);
  EXPECT_THROW(f.flush(), closed_file_error);
  EXPECT_NO_THROW(f.close());
  EXPECT_THAT(f.newlines(), IsEmpty());
  EXPECT_EQ(f.encoding(), "utf-8");

  TextFile moved = open_text({});
  TextFile target = std::move(moved);
  EXPECT_TRUE(moved.closed());  // NOLINT(bugprone-use-after-move): a moved-from file is closed
  EXPECT_THROW(moved.read(), closed_file_error);  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(target.closed());
  target.close();
}

// Closing (and destroying) flushes what was written.
TEST_F(TextFileTest, CloseFlushes) {
  os::FileDescriptor fd;
  ASSERT_EQ(os::create_file_exclusive(os::current_directory_fd, "f", os::file_mode, fd), 0);
  os::FileDescriptor watcher;
  ASSERT_EQ(os::duplicate(fd.get(), watcher), 0);
  ASSERT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
  {
    TextFile f(BufferedFile(RawFile(std::move(fd), parse_mode("w")), 64), Codec::lookup("utf-8"),
               ErrorHandler::strict, std::nullopt, false);
    f.write("kept");
  }
  EXPECT_EQ(test::descriptor_contents(watcher.get()), "kept");
  EXPECT_EQ(watcher.close(), 0);
}

// python3: line_buffering=True flushes when the text has '\n' or '\r', not otherwise.
TEST_F(TextFileTest, LineBufferingFlushesOnLineEnds) {
  TextFile f = open_text({.line_buffering = true});
  f.write("ab");
  EXPECT_EQ(stored(f), "");
  f.write("c\n");
  EXPECT_EQ(stored(f), as_written("abc\n"));
  f.write("d");
  EXPECT_EQ(stored(f), as_written("abc\n"));
  f.write("\re");
  EXPECT_EQ(stored(f), as_written("abc\nd\re"));
  f.close();

  TextFile g = open_text({.newline = "\r\n", .line_buffering = true});
  g.write("x\ny");
  EXPECT_EQ(stored(g), "x\r\ny");
  g.close();

  TextFile h = open_text({});
  h.write("no\nflush\r");
  EXPECT_EQ(stored(h), "");
  h.flush();
  EXPECT_EQ(stored(h), as_written("no\nflush\r"));
  h.close();
}

// A small buffer makes every layer's boundaries fall inside characters and line ends.
TEST_F(TextFileTest, SmallBuffersGiveTheSameText) {
  const std::string text = "λ€𝄞\r\nx\ry\n" + std::string(50, 'z') + "\r";
  for (const std::size_t buffer_size : {std::size_t{1}, std::size_t{3}, std::size_t{16}}) {
    for (const std::size_t chunk_size : {std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
      SCOPED_TRACE(std::to_string(buffer_size) + "/" + std::to_string(chunk_size));
      TextFile f = open_text({.newline = "", .chunk_size = chunk_size, .buffer_size = buffer_size});
      EXPECT_EQ(f.write(text), 60U);
      EXPECT_EQ(f.seek(0, SEEK_SET), 0);
      std::string lines;
      std::vector<std::int64_t> cookies;
      for (;;) {
        cookies.push_back(f.tell());
        const std::string line = f.readline(5);
        if (line.empty()) {
          break;
        }
        lines += line;
      }
      EXPECT_EQ(lines, text);
      EXPECT_EQ(f.seek(cookies[2], SEEK_SET), cookies[2]);
      EXPECT_EQ(f.read(3), "y\nz");
      f.close();
    }
  }
}

// C io's TextIOWrapper keeps written text as pending bytes: they reach the buffer when
// chunk_size (8192) bytes are pending (earlier pending text first if the new text would pass
// it), with line buffering on a line end, and before a read, tell, seek, truncate or close.
// python3: f = open(p, 'w+', encoding='utf-8'); f.write('a' * 5000); f.buffer.tell() -> 0;
//   f.write('b' * 5000); f.buffer.tell() -> 5000; f.write('c' * 3192); f.buffer.tell() -> 13192
//   f.write('abc') then f.read() -> '', f.buffer.tell() -> 3 (the read writes them first)
TEST_F(TextFileTest, WrittenTextWaitsAsPendingBytes) {
  {
    TextFile f = open_text({});
    f.write(std::string(5000, 'a'));
    EXPECT_EQ(f.buffer().tell(), 0);
    f.write(std::string(5000, 'b'));
    EXPECT_EQ(f.buffer().tell(), 5000);
    f.write(std::string(3192, 'c'));
    EXPECT_EQ(f.buffer().tell(), 13192);
    f.close();
  }
  {
    TextFile f = open_text({});
    f.write("abc");
    EXPECT_EQ(f.buffer().tell(), 0);
    EXPECT_EQ(f.read(), "");
    EXPECT_EQ(f.buffer().tell(), 3);
    f.close();
  }
}

// Pending text goes to the buffer in one write: with a 16-byte buffer, two 10-character writes
// become one 20-byte write, which passes the buffer straight to the file, so the read after it
// starts at the end. python3: f = open(p, 'w+', buffering=16, encoding='latin-1')
//   f.write('0123456789abcdefghij'); f.seek(0); f.write('ABCDEFGHIJ'); f.write('KLMNOPQRST')
//   f.buffer.tell() -> 0; f.read(4) -> ''; f.tell() -> 20; content b'ABCDEFGHIJKLMNOPQRST'
TEST_F(TextFileTest, PendingTextReachesTheBufferInOneWrite) {
  TextFile f = open_text({.encoding = "latin-1", .buffer_size = 16});
  f.write("0123456789abcdefghij");
  EXPECT_EQ(f.seek(0, SEEK_SET), 0);
  f.write("ABCDEFGHIJ");
  f.write("KLMNOPQRST");
  EXPECT_EQ(f.buffer().tell(), 0);
  EXPECT_EQ(f.read(4), "");
  EXPECT_EQ(f.tell(), 20);
  f.flush();
  EXPECT_EQ(stored(f), "ABCDEFGHIJKLMNOPQRST");
  f.close();
}

// The differential test's first reports: a short write after seek(0) is still pending in the
// buffer when the text layer's read1 reads the file, so the read sees the old text and the
// write lands after it. python3: f = open(p, 'x+', buffering=1, encoding='latin-1')
//   f.write('abc'); f.seek(0); f.write('\xe9'); f.read(8) -> 'abc'; content b'abc\xe9'
//   (newline='\r') f.write('\n'); f.seek(0); f.write('b'); f.readline(8) -> '\r';
//   content b'\rb'
TEST_F(TextFileTest, ReadAfterRewriteSeesWhatCIoSees) {
  {
    TextFile f = open_text({.encoding = "latin-1", .line_buffering = true});
    f.write("abc");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    f.write("é");
    EXPECT_EQ(f.read(8), "abc");
    f.flush();
    EXPECT_EQ(stored(f), "abc\xe9");
    f.close();
  }
  {
    TextFile f = open_text({.encoding = "latin-1", .newline = "\r", .line_buffering = true});
    f.write("\n");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    f.write("b");
    EXPECT_EQ(f.readline(8), "\r");
    f.flush();
    EXPECT_EQ(stored(f), "\rb");
    f.close();
  }
}

// Iteration (next(), and so readlines()) turns tell() off until it reaches the end of file,
// or until flush() or seek(); an error on the way leaves it off. python3 (utf-8):
//   f.write('a\nb\n'); f.seek(0); next(f) -> 'a\n'; f.tell() -> OSError "telling position
//   disabled by next() call"; f.seek(0); next(f); next(f); next(f) -> StopIteration; f.tell() -> 4
//   f.buffer.write(b'ok\n\xff\n'); f.seek(0); f.readlines() -> UnicodeDecodeError;
//   f.tell() -> OSError
TEST_F(TextFileTest, IterationDisablesTellUntilTheEnd) {
  {
    TextFile f = open_text({});
    f.write("a\nb\n");
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(next_line(f), "a\n");
    EXPECT_THAT([&] { static_cast<void>(f.tell()); },
                ::testing::ThrowsMessage<error>(HasSubstr("telling position disabled by next()")));
    EXPECT_EQ(f.seek(0, SEEK_SET), 0);
    EXPECT_EQ(next_line(f), "a\n");
    EXPECT_EQ(next_line(f), "b\n");
    EXPECT_EQ(next_line(f), "");
    EXPECT_EQ(f.tell(), static_cast<std::int64_t>(as_written("a\nb\n").size()));  // 4 on POSIX
    f.close();
  }
  {
    TextFile f = open_text({}, "ok\n\xff\n");
    EXPECT_THROW(static_cast<void>(next_line(f)), unicode_error);  // decoding the first chunk
    EXPECT_THROW(static_cast<void>(f.tell()), error);
    f.close();
  }
}

// File::readlines is C io's IOBase.readlines: it iterates (next(), so an early stop leaves
// tell() off) and, with a hint, stops once the lines total more than hint characters (text) or
// bytes (binary). python3 (utf-8): f.write('\xe9\xe9\ncd\nef\n'); f.seek(0);
//   f.readlines(4) -> ['éé\n', 'cd\n'] (3 characters, then 6 > 4)
//   'ab\ncd\nef\n': f.readlines(3) -> ['ab\n', 'cd\n']; f.seek(0); f.readlines(2) -> ['ab\n'],
//   then f.tell() -> OSError; 'w+b': f.readlines(3) -> [b'ab\n', b'cd\n']
TEST_F(TextFileTest, ReadlinesHintCountsAsCIo) {
  {
    TemporaryFile f({.mode = "w+", .encoding = "utf-8"});
    f.write("éé\ncd\nef\n");
    EXPECT_EQ(f.seek(0), 0);
    EXPECT_THAT(f.readlines(4), ElementsAre("éé\n", "cd\n"));
    f.close();
  }
  {
    TemporaryFile f({.mode = "w+", .encoding = "utf-8"});
    f.write("ab\ncd\nef\n");
    EXPECT_EQ(f.seek(0), 0);
    EXPECT_THAT(f.readlines(3), ElementsAre("ab\n", "cd\n"));
    EXPECT_EQ(f.seek(0), 0);
    EXPECT_THAT(f.readlines(2), ElementsAre("ab\n"));
    EXPECT_THROW(static_cast<void>(f.tell()), error);
    f.close();
  }
  {
    TemporaryFile f({.mode = "w+b"});
    f.write("ab\ncd\nef\n");
    EXPECT_EQ(f.seek(0), 0);
    EXPECT_THAT(f.readlines(3), ElementsAre("ab\n", "cd\n"));
    f.close();
  }
}

}  // namespace
}  // namespace tempfile::io
