// SPDX-License-Identifier: MIT
// The per-thread spare buffer of the byte layer: what is recycled, what is not, and that a
// recycled buffer never shows one file's bytes to another.
#include "io/io_buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>

#include "support/scratch.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::io {
namespace {

class IoBufferTest : public test::ScratchTest {};

TEST_F(IoBufferTest, TheDefaultSizeIsRecycledWithinAThread) {
  if (!os::keeps_spare_blocks) {
    GTEST_SKIP() << "buffers are not recycled under AddressSanitizer (use after close stays "
                    "detectable)";
  }
  std::byte* first = nullptr;
  {
    const IoBuffer buffer = acquire_io_buffer(spare_io_buffer_size);
    first = buffer.get();
  }
  const IoBuffer again = acquire_io_buffer(spare_io_buffer_size);
  EXPECT_EQ(again.get(), first);
  // The slot holds one: a second one at the same time is new.
  const IoBuffer second = acquire_io_buffer(spare_io_buffer_size);
  EXPECT_NE(second.get(), first);
}

TEST_F(IoBufferTest, OtherSizesAndOtherThreadsDoNotShareTheSpare) {
  if (!os::keeps_spare_blocks) {
    GTEST_SKIP() << "buffers are not recycled under AddressSanitizer";
  }
  std::byte* spare = nullptr;
  {
    const IoBuffer buffer = acquire_io_buffer(spare_io_buffer_size);
    spare = buffer.get();
  }
  {
    // Another size never takes the spare, nor becomes it.
    const IoBuffer other = acquire_io_buffer(spare_io_buffer_size * 2);
    EXPECT_NE(other.get(), spare);
  }
  std::byte* in_other_thread = nullptr;
  std::thread([&] {
    const IoBuffer buffer = acquire_io_buffer(spare_io_buffer_size);
    in_other_thread = buffer.get();
  }).join();  // that thread's spare is freed as it ends (a leak checker would say otherwise)
  EXPECT_NE(in_other_thread, spare);
  const IoBuffer ours = acquire_io_buffer(spare_io_buffer_size);
  EXPECT_EQ(ours.get(), spare);
}

TEST_F(IoBufferTest, ZeroBytesIsNoBuffer) {
  const IoBuffer none = acquire_io_buffer(0);
  EXPECT_EQ(none.get(), nullptr);
}

// A file's bytes stay in the buffer it gives back; the next file reads only its own.
TEST_F(IoBufferTest, ARecycledBufferNeverShowsTheLastFilesBytes) {
  const std::string secret(6000, 's');
  {
    TemporaryFile first;
    first.write(secret);
    first.seek(0);
    EXPECT_EQ(first.read(), secret);  // read-ahead filled the buffer with it too
  }
  TemporaryFile second;
  second.write(std::string_view("abc"));
  second.seek(0);
  EXPECT_EQ(second.read(), "abc");
  EXPECT_EQ(second.read(), "");
  second.seek(0);
  EXPECT_EQ(second.peek(), "abc");
  NamedTemporaryFile third;
  EXPECT_EQ(third.read(), "");
  third.write(std::string_view("x"));
  third.seek(0);
  EXPECT_EQ(third.read(10), "x");
}

}  // namespace
}  // namespace tempfile::io
