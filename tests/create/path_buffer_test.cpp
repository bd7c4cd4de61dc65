// SPDX-License-Identifier: MIT
// PathBuffer: the stack buffer persist() and atomic_write() build names beside a target in,
// and its move to the heap for a path longer than the stack part.
#include "create/path_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace tempfile::create {
namespace {

TEST(PathBufferTest, BuildsTruncatesAndStaysTerminated) {
  PathBuffer text("/dir/");
  text += ".tmp";
  const std::size_t stem = text.size();
  text += "abcdefgh";
  EXPECT_EQ(text.view(), "/dir/.tmpabcdefgh");
  EXPECT_EQ(std::strlen(text.c_str()), text.size());
  text.truncate(stem);
  EXPECT_EQ(text.view(), "/dir/.tmp");
  EXPECT_EQ(std::strlen(text.c_str()), text.size());
  text.truncate(100);  // longer than the text: nothing changes
  EXPECT_EQ(text.str(), "/dir/.tmp");
  EXPECT_EQ(PathBuffer().view(), "");
  EXPECT_STREQ(PathBuffer().c_str(), "");
  // An empty view may have no data at all (a name straight inside a held directory has no
  // directory part): appending it changes nothing (UBSan checks memcpy is not given null).
  PathBuffer from_nothing;
  from_nothing += std::string_view();
  from_nothing += "name";
  from_nothing += std::string_view();
  EXPECT_STREQ(from_nothing.c_str(), "name");
}

// Past the stack part (512 bytes) the text moves to the heap whole, at any step: one append
// that crosses the boundary, many small ones, and a reserve_more made first.
TEST(PathBufferTest, APathLongerThanTheStackPartMovesToTheHeapWhole) {
  std::string expected;
  PathBuffer stepwise;
  for (int i = 0; i < 300; ++i) {
    const std::string part = "/component" + std::to_string(i);
    stepwise += part;
    expected += part;
    ASSERT_EQ(stepwise.view(), expected) << "after " << i + 1 << " components";
    ASSERT_EQ(std::strlen(stepwise.c_str()), expected.size());
  }
  EXPECT_GT(expected.size(), 2000U);

  const std::string long_name(1000, 'n');
  PathBuffer at_once("/short/");
  at_once += long_name;
  EXPECT_EQ(at_once.view(), "/short/" + long_name);

  PathBuffer reserved("/d/");
  reserved.reserve_more(4000);
  const std::size_t stem = reserved.size();
  reserved += long_name;
  reserved += long_name;
  EXPECT_EQ(reserved.view(), "/d/" + long_name + long_name);
  reserved.truncate(stem);
  reserved += "x";
  EXPECT_EQ(reserved.view(), "/d/x");
  EXPECT_STREQ(reserved.c_str(), "/d/x");
}

// Exactly at the boundary: 511 bytes and the terminator fit on the stack, 512 do not.
TEST(PathBufferTest, TheBoundaryKeepsItsTerminator) {
  for (const std::size_t size : {510U, 511U, 512U, 513U}) {
    PathBuffer text(std::string(size, 'p'));
    EXPECT_EQ(text.size(), size);
    EXPECT_EQ(std::strlen(text.c_str()), size);
    text += "q";
    EXPECT_EQ(text.view(), std::string(size, 'p') + "q");
  }
}

}  // namespace
}  // namespace tempfile::create
