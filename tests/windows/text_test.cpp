// SPDX-License-Identifier: MIT
// Text mode's line separator on Windows: with newline None a "\n" is stored as "\r\n" (Python's
// os.linesep there), as another reader of the file sees it; tell() and seek() count those bytes
// (Python's cookies, from _pyio with _writenl "\r\n"); reading translates "\r\n" back; the other
// newline values store what they store on POSIX; SpooledTemporaryFile does the same in memory
// and after its rollover.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "os/linesep.hpp"
#include "support/descriptor.hpp"
#include "support/scratch.hpp"
#include "support/windows_files.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

class WindowsTextTest : public test::ScratchTest {};

TEST(WindowsLineSeparator, IsCarriageReturnLineFeed) {
  EXPECT_EQ(os::line_separator, "\r\n");
}

// python (Windows): f = NamedTemporaryFile('w+'); f.write('one\ntwo\n') -> 8; f.flush();
// the file holds b'one\r\ntwo\r\n'; f.tell() -> 10; f.seek(0); f.read() -> 'one\ntwo\n';
// f.newlines -> '\r\n'.
TEST_F(WindowsTextTest, NewlineNoneStoresCarriageReturnLineFeed) {
  NamedTemporaryFile file({.mode = "w+"});
  EXPECT_EQ(file.write("one\ntwo\n"), 8U);
  file.flush();
  EXPECT_EQ(test::descriptor_contents(file.fileno()), "one\r\ntwo\r\n");
  EXPECT_EQ(test::read_by_name(file.name()), "one\r\ntwo\r\n");
  EXPECT_EQ(file.tell(), 10);
  EXPECT_EQ(file.seek(0, SEEK_SET), 0);
  EXPECT_EQ(file.read(), "one\ntwo\n");
  EXPECT_THAT(file.newlines(), ElementsAre("\r\n"));
  file.close();
}

// python (Windows): f.write('a\nbc\nd'); f.tell() -> 8; f.seek(0); tell() before each read(1):
// 0, 1, 3, 4, 5, 7, 8; readline() 'a\n' then tell() 3, 'bc\n' then 7; seek(3); read() 'bc\nd'.
TEST_F(WindowsTextTest, TellAndSeekCountTheStoredCarriageReturns) {
  TemporaryFile file({.mode = "w+"});
  EXPECT_EQ(file.write("a\nbc\nd"), 6U);
  EXPECT_EQ(file.tell(), 8);
  EXPECT_EQ(file.seek(0, SEEK_SET), 0);
  std::vector<std::int64_t> cookies;
  std::vector<std::string> rests;
  std::string done;
  for (;;) {
    cookies.push_back(file.tell());
    rests.push_back(std::string("a\nbc\nd").substr(done.size()));
    const std::string one = file.read(1);
    if (one.empty()) {
      break;
    }
    done += one;
  }
  EXPECT_EQ(done, "a\nbc\nd");
  EXPECT_EQ(cookies, (std::vector<std::int64_t>{0, 1, 3, 4, 5, 7, 8}));
  for (std::size_t i = cookies.size(); i-- > 0;) {
    SCOPED_TRACE("seek to character " + std::to_string(i));
    EXPECT_EQ(file.seek(cookies[i], SEEK_SET), cookies[i]);
    EXPECT_EQ(file.read(), rests[i]);
  }
  EXPECT_EQ(file.seek(0, SEEK_SET), 0);
  EXPECT_EQ(file.readline(), "a\n");
  EXPECT_EQ(file.tell(), 3);
  EXPECT_EQ(file.readline(), "bc\n");
  EXPECT_EQ(file.tell(), 7);
  EXPECT_EQ(file.seek(3, SEEK_SET), 3);
  EXPECT_EQ(file.read(), "bc\nd");
  file.close();
}

// A file another writer left with "\r\n": newline None reads "\n" (universal newlines) and
// records "\r\n", newline "" keeps "\r\n" and records it, newline "\r\n" keeps it.
TEST_F(WindowsTextTest, ReadsBackAFileWrittenWithCarriageReturnLineFeed) {
  const std::vector<std::pair<std::optional<std::string>, std::string>> cases = {
      {std::nullopt, "x\ny\nz"}, {"", "x\r\ny\r\nz"}, {"\r\n", "x\r\ny\r\nz"}};
  for (const auto& [newline, expected] : cases) {
    SCOPED_TRACE(newline.value_or("None"));
    NamedTemporaryFile file({.mode = "w+", .newline = newline});
    test::overwrite_by_name(file.name(), "x\r\ny\r\nz");
    EXPECT_EQ(file.read(), expected);
    if (newline && !newline->empty()) {
      EXPECT_TRUE(file.newlines().empty());
    } else {
      EXPECT_THAT(file.newlines(), ElementsAre("\r\n"));
    }
    file.close();
  }
}

// python (Windows): open(p, 'w+', newline=nl).write('a\nb\r\nc'): '' and '\n' store it as
// given, '\r' and '\r\n' as on POSIX; only None uses os.linesep.
TEST_F(WindowsTextTest, OtherNewlineValuesStoreWhatTheyStoreOnPosix) {
  const std::vector<std::pair<std::optional<std::string>, std::string>> cases = {
      {std::nullopt, "a\r\nb\r\r\nc"}, {"", "a\nb\r\nc"}, {"\n", "a\nb\r\nc"}, {"\r", "a\rb\r\rc"},
      {"\r\n", "a\r\nb\r\r\nc"},
  };
  for (const auto& [newline, expected] : cases) {
    SCOPED_TRACE(newline.value_or("None"));
    TemporaryFile file({.mode = "w+", .newline = newline});
    EXPECT_EQ(file.write("a\nb\r\nc"), 6U);
    file.flush();
    EXPECT_EQ(test::descriptor_contents(file.fileno()), expected);
    file.close();
  }
}

// Line buffering flushes at "\n", and what reaches the file is "\r\n".
TEST_F(WindowsTextTest, LineBufferedWritesReachTheFileWithCarriageReturnLineFeed) {
  TemporaryFile file({.mode = "w+", .buffering = 1});
  file.write("ab");
  EXPECT_EQ(test::descriptor_contents(file.fileno()), "");
  file.write("c\nd");
  EXPECT_EQ(test::descriptor_contents(file.fileno()), "abc\r\nd");
  file.close();
}

// Python's SpooledTemporaryFile in text mode is a TextIOWrapper over a BytesIO: the "\r\n" is
// in memory already (tell() counts it), and the rollover file holds the same bytes.
TEST_F(WindowsTextTest, SpooledTextFileStoresCarriageReturnLineFeedInMemoryAndAfterRollover) {
  SpooledTemporaryFile file({.max_size = 0, .mode = "w+"});
  EXPECT_EQ(file.write("a\nb"), 3U);
  EXPECT_FALSE(file.rolled());
  EXPECT_EQ(file.tell(), 4);
  file.rollover();
  ASSERT_TRUE(file.rolled());
  EXPECT_EQ(test::descriptor_contents(file.fileno()), "a\r\nb");
  EXPECT_EQ(file.write("\nc"), 2U);
  file.flush();
  EXPECT_EQ(test::descriptor_contents(file.fileno()), "a\r\nb\r\nc");
  EXPECT_EQ(file.seek(0, SEEK_SET), 0);
  EXPECT_EQ(file.read(), "a\nb\nc");
  EXPECT_THAT(file.newlines(), ElementsAre("\r\n"));
  file.close();

  // A rollover by size: the limit counts the stored bytes, "\r\n" as two.
  SpooledTemporaryFile sized({.max_size = 4, .mode = "w+"});
  sized.write("ab\n");  // 4 bytes: not past the limit
  EXPECT_FALSE(sized.rolled());
  sized.write("\n");  // 6 bytes
  EXPECT_TRUE(sized.rolled());
  sized.flush();
  EXPECT_EQ(test::descriptor_contents(sized.fileno()), "ab\r\n\r\n");
  sized.close();
}

}  // namespace
}  // namespace tempfile
