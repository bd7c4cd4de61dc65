// SPDX-License-Identifier: MIT
// write(), writelines() and readinto() with any contiguous range of one-byte units, and which
// of them a text-mode file takes as text.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

// Compile time: what write() and readinto() accept.
template <class T>
constexpr bool writable = requires(File& f, const T& data) {
  f.write(data);
};
template <class T>
constexpr bool readable_into = requires(File& f, T& into) {
  f.readinto(into);
};
template <class T>
constexpr bool lines_writable = requires(File& f, const T& lines) {
  f.writelines(lines);
};

static_assert(writable<std::vector<std::uint8_t>>);
static_assert(writable<std::vector<unsigned char>>);
static_assert(writable<std::vector<char>>);
static_assert(writable<std::vector<std::byte>>);
static_assert(writable<std::vector<std::int8_t>>);
static_assert(writable<std::array<unsigned char, 4>>);
static_assert(writable<std::array<char, 4>>);
static_assert(writable<std::span<const char>>);
static_assert(writable<std::span<const unsigned char>>);
static_assert(writable<std::span<const std::byte>>);
static_assert(writable<std::span<std::byte>>);
static_assert(writable<std::string>);
static_assert(writable<std::string_view>);
static_assert(writable<std::u8string>);
static_assert(writable<const char*>);
static_assert(!writable<std::vector<int>>);              // not one-byte units
static_assert(!writable<std::vector<bool>>);             // not contiguous
static_assert(!writable<std::list<char>>);               // not contiguous
static_assert(!writable<std::vector<char16_t>>);         // two-byte units
static_assert(!writable<std::array<std::uint16_t, 2>>);  // two-byte units

static_assert(readable_into<std::vector<std::uint8_t>>);
static_assert(readable_into<std::vector<char>>);
static_assert(readable_into<std::vector<std::byte>>);
static_assert(readable_into<std::array<unsigned char, 4>>);
static_assert(readable_into<std::string>);
static_assert(readable_into<std::span<char>>);
static_assert(readable_into<std::span<std::byte>>);
static_assert(!readable_into<const std::vector<std::uint8_t>>);  // cannot be filled
static_assert(!readable_into<std::span<const char>>);
static_assert(!readable_into<std::vector<int>>);

static_assert(lines_writable<std::vector<std::string>>);
static_assert(lines_writable<std::vector<const char*>>);
static_assert(lines_writable<std::vector<std::vector<std::uint8_t>>>);
static_assert(lines_writable<std::array<std::span<const std::byte>, 2>>);
static_assert(!lines_writable<std::vector<int>>);

// The concepts themselves, for users who constrain their own code with them.
static_assert(ByteRange<std::vector<std::uint8_t>>);
static_assert(!ByteRange<std::string>);  // a string takes write(std::string_view)
static_assert(MutableByteRange<std::string>);

class ByteRangeTest : public test::ScratchTest {};

std::string contents(File& f) {
  f.seek(0);
  return f.read();
}

TEST_F(ByteRangeTest, EveryByteContainerWritesItsBytesToABinaryFile) {
  TemporaryFile f;
  const std::vector<std::uint8_t> vector_u8{'a', 0, 'b'};
  const std::string string("c\0d", 3);
  const char chars[] = {'e', 'f'};
  const std::array<unsigned char, 2> array{0xff, 'g'};
  const std::vector<std::byte> bytes{std::byte{'h'}};
  const std::vector<std::int8_t> signed_bytes{-1};
  const std::u8string utf8 = u8"\u00e9";
  EXPECT_EQ(f.write(vector_u8), 3U);
  EXPECT_EQ(f.write(string), 3U);  // a std::string is bytes in binary mode (read() gives them)
  EXPECT_EQ(f.write(std::span<const char>(chars)), 2U);
  EXPECT_EQ(f.write(array), 2U);
  EXPECT_EQ(f.write(bytes), 1U);
  EXPECT_EQ(f.write(std::span<const std::byte>(bytes)), 1U);
  EXPECT_EQ(f.write(signed_bytes), 1U);
  EXPECT_EQ(f.write(utf8), 2U);  // bytes: two of them
  EXPECT_EQ(contents(f), std::string("a\0bc\0def\xffghh\xff\xc3\xa9", 15));
}

TEST_F(ByteRangeTest, CharacterRangesAreTextInATextFile) {
  TemporaryFile f("w+");
  const std::string string = "caf\u00e9 ";
  const std::vector<char> chars{'x', '\n'};
  const std::array<char, 2> array{'y', 'z'};
  const std::u8string utf8 = u8"\u00e9\u00e9";
  EXPECT_EQ(f.write(string), 5U);  // characters, as Python's str
  EXPECT_EQ(f.write(chars), 2U);
  EXPECT_EQ(f.write(std::span<const char>(array)), 2U);
  EXPECT_EQ(f.write(utf8), 2U);
  EXPECT_EQ(contents(f), "caf\u00e9 x\nyz\u00e9\u00e9");
}

TEST_F(ByteRangeTest, ByteRangesAreRefusedByATextFileAsPythonsTypeError) {
  TemporaryFile f("w+");
  const std::vector<std::uint8_t> vector_u8{'a'};
  const std::array<unsigned char, 1> array{'b'};
  const std::vector<std::byte> bytes{std::byte{'c'}};
  EXPECT_THROW(f.write(vector_u8), std::invalid_argument);
  EXPECT_THROW(f.write(array), std::invalid_argument);
  EXPECT_THROW(f.write(bytes), std::invalid_argument);
  EXPECT_THROW(f.write(std::span<const std::byte>(bytes)), std::invalid_argument);
  EXPECT_THROW(f.writelines(std::vector<std::vector<std::uint8_t>>{{'d'}}), std::invalid_argument);
  EXPECT_EQ(contents(f), "");  // nothing was written
}

TEST_F(ByteRangeTest, ReadintoFillsAnyByteContainer) {
  TemporaryFile f;
  f.write(std::string_view("0123456789abcdef"));
  f.seek(0);
  std::vector<std::uint8_t> vector_u8(4);
  EXPECT_EQ(f.readinto(vector_u8), 4U);
  EXPECT_EQ(vector_u8, (std::vector<std::uint8_t>{'0', '1', '2', '3'}));
  std::array<unsigned char, 3> array{};
  EXPECT_EQ(f.readinto(array), 3U);
  EXPECT_EQ(array, (std::array<unsigned char, 3>{'4', '5', '6'}));
  std::string string(2, '?');
  EXPECT_EQ(f.readinto(string), 2U);
  EXPECT_EQ(string, "78");
  char chars[3] = {};
  EXPECT_EQ(f.readinto(std::span<char>(chars)), 3U);
  EXPECT_EQ(std::string_view(chars, 3), "9ab");
  std::vector<std::byte> bytes(8);
  EXPECT_EQ(f.readinto(bytes), 4U);  // only four left: the size is not changed
  EXPECT_EQ(bytes.size(), 8U);
  EXPECT_EQ(bytes[3], std::byte{'f'});
  std::vector<std::uint8_t> empty;
  EXPECT_EQ(f.readinto(empty), 0U);
}

TEST_F(ByteRangeTest, ReadintoOnATextFileIsUnsupported) {
  TemporaryFile f("w+");
  std::vector<std::uint8_t> into(2);
  EXPECT_THROW(f.readinto(into), unsupported_operation);
}

TEST_F(ByteRangeTest, WritelinesTakesRangesOfByteRanges) {
  SpooledTemporaryFile f(4);
  const std::vector<std::vector<std::uint8_t>> lines{{'a', 'b'}, {'\n'}, {'c', 'd', 'e'}};
  f.writelines(lines);
  EXPECT_TRUE(f.rolled());  // the size check after the lines still runs
  const std::array<std::array<char, 2>, 2> pairs{{{'x', 'y'}, {'z', '!'}}};
  f.writelines(pairs);
  EXPECT_EQ(contents(f), "ab\ncdexyz!");
}

}  // namespace
}  // namespace tempfile
