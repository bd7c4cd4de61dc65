// SPDX-License-Identifier: MIT
// PathBuffer: the stack buffer persist() and atomic_write() build names beside a target in,
// and its move to the heap for a path longer than the stack part; the smaller kind a file keeps
// its directory in, and its moves.
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

// A move copies text kept in place, takes a heap block as it is, and leaves the source empty
// and usable; the moved text stays NUL-terminated.
TEST(PathBufferTest, MovesKeepTheTextAndEmptyTheSource) {
  using Small = BasicPathBuffer<40>;
  const std::string short_text = "/tmp/in-place";
  const std::string long_text(100, 'l');

  Small in_place(short_text);
  const Small moved(std::move(in_place));
  EXPECT_EQ(moved.view(), short_text);
  EXPECT_EQ(std::strlen(moved.c_str()), short_text.size());
  EXPECT_TRUE(in_place.empty());  // NOLINT(bugprone-use-after-move,hicpp-invalid-access-moved)
  EXPECT_STREQ(in_place.c_str(), "");
  in_place.append("again");  // the source is usable
  EXPECT_EQ(in_place.view(), "again");

  Small on_heap(long_text);
  const char* block = on_heap.c_str();
  Small taken(std::move(on_heap));
  EXPECT_EQ(taken.view(), long_text);
  EXPECT_EQ(taken.c_str(), block);  // the block itself, not a copy
  EXPECT_TRUE(on_heap.empty());     // NOLINT(bugprone-use-after-move,hicpp-invalid-access-moved)

  // Assigning over each kind, either way.
  Small target(long_text);
  target = Small(short_text);
  EXPECT_EQ(target.view(), short_text);
  target = Small(long_text);
  EXPECT_EQ(target.view(), long_text);
  target = std::move(target);  // NOLINT(clang-diagnostic-self-move): a self-move keeps the text
  EXPECT_EQ(target.view(), long_text);
  target.truncate(0);
  target.append(short_text);
  EXPECT_EQ(target.view(), short_text);
  EXPECT_EQ(std::strlen(target.c_str()), short_text.size());
}

// The whole room in place (39 bytes and the NUL) is used before the heap is.
TEST(PathBufferTest, TheSmallKindsBoundary) {
  using Small = BasicPathBuffer<40>;
  const std::string fits(39, 'f');
  Small exact(fits);
  const Small moved(std::move(exact));
  EXPECT_EQ(moved.view(), fits);
  Small over(fits + "o");
  const char* block = over.c_str();
  const Small moved_over(std::move(over));
  EXPECT_EQ(moved_over.c_str(), block);
  EXPECT_EQ(moved_over.view(), fits + "o");
}

}  // namespace
}  // namespace tempfile::create
