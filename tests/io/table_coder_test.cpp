// SPDX-License-Identifier: MIT
// The generic table coder's multibyte path, through a toy TableCodec shaped like CPython's CJK
// codecs: split characters wait as pending bytes, two-byte error ranges, two code points from
// one sequence, and an encoder that waits for the second character of a pair.
#include <gmock/gmock.h>

#include <memory>
#include <string>

#include "io/codec_support.hpp"
#include "io/table_codec.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

using ::testing::StrEq;
using ::testing::ThrowsMessage;

// Bytes below 0x80 are ASCII. 0x81 t (t in 0x40..0x7E) is U+4E00 + t; 0x82 0x40 is the pair
// U+00CA U+0304; a lead before any other byte is an error of both bytes; 0xFF an error of
// one. Encoding: U+00CA alone is 0x83, followed by U+0304 it is 0x82 0x40.
class ToyCodec final : public TableCodec {
 public:
  [[nodiscard]] DecodeStep decode(const unsigned char* data, std::size_t size,
                                  bool final) const noexcept override {
    DecodeStep step;
    if (data[0] < 0x80) {
      return character(1, data[0]);
    }
    if (data[0] == 0x81 || data[0] == 0x82) {
      if (size < 2) {
        if (final) {
          step.consumed = 1;
          step.reason = "incomplete multibyte sequence";
          return step;
        }
        step.kind = DecodeStep::Kind::incomplete;
        return step;
      }
      if (data[0] == 0x81 && data[1] >= 0x40 && data[1] <= 0x7E) {
        return character(2, 0x4E00 + data[1]);
      }
      if (data[0] == 0x82 && data[1] == 0x40) {
        DecodeStep pair = character(2, 0xCA);
        pair.count = 2;
        pair.code_points[1] = 0x304;
        return pair;
      }
      step.consumed = 2;
      step.reason = "illegal multibyte sequence";
      return step;
    }
    step.consumed = 1;
    step.reason = "illegal multibyte sequence";
    return step;
  }

  [[nodiscard]] EncodeStep encode(const char32_t* code_points, std::size_t size,
                                  bool final) const noexcept override {
    EncodeStep step;
    const char32_t c = code_points[0];
    if (c < 0x80) {
      return bytes(1, {static_cast<unsigned char>(c)});
    }
    if (c >= 0x4E40 && c <= 0x4E7E) {
      return bytes(1, {0x81, static_cast<unsigned char>(c - 0x4E00)});
    }
    if (c == 0xCA) {
      if (size >= 2 && code_points[1] == 0x304) {
        return bytes(2, {0x82, 0x40});
      }
      if (size == 1 && !final) {
        return step;  // wait: a U+0304 may come
      }
      return bytes(1, {0x83});
    }
    step.reason = "illegal multibyte sequence";
    return step;
  }

 private:
  static DecodeStep character(std::uint8_t consumed, char32_t code_point) {
    DecodeStep step;
    step.kind = DecodeStep::Kind::character;
    step.consumed = consumed;
    step.count = 1;
    step.code_points[0] = code_point;
    return step;
  }
  static EncodeStep bytes(std::uint8_t used, std::initializer_list<unsigned char> values) {
    EncodeStep step;
    step.used = used;
    for (const unsigned char value : values) {
      step.bytes[step.length++] = value;
    }
    return step;
  }
};

class TableCoderTest : public test::ScratchTest {
 protected:
  ToyCodec toy_;
  std::unique_ptr<Decoder> decoder(ErrorHandler errors = ErrorHandler::strict) {
    return detail::make_table_decoder(toy_, "toy", errors);
  }
  std::unique_ptr<Encoder> encoder(ErrorHandler errors = ErrorHandler::strict) {
    return detail::make_table_encoder(toy_, "toy", errors);
  }
  std::string decode(ErrorHandler errors, std::string_view input) {
    std::string out;
    decoder(errors)->decode(input, true, out);
    return out;
  }
  std::string encode(ErrorHandler errors, std::string_view text) {
    std::string out;
    encoder(errors)->encode(text, out);
    return out;
  }
};

TEST_F(TableCoderTest, ASplitCharacterWaitsAsPendingBytes) {
  const auto d = decoder();
  std::string out;
  d->decode("a\x81", false, out);
  EXPECT_EQ(out, "a");
  EXPECT_EQ(d->state().pending, "\x81");
  EXPECT_EQ(d->state().flags, 0U);
  d->decode("\x41", true, out);
  EXPECT_EQ(out, "a\u4E41");
  EXPECT_EQ(d->state().pending, "");
}

TEST_F(TableCoderTest, AnIncompleteCharacterAtTheEndIsTheCodecsError) {
  EXPECT_THAT([&] { static_cast<void>(decode(ErrorHandler::strict, "ab\x81")); },
              ThrowsMessage<unicode_error>(StrEq("'toy' codec can't decode byte 0x81 in position "
                                                 "2: incomplete multibyte sequence")));
  EXPECT_EQ(decode(ErrorHandler::replace, "ab\x81"), "ab\uFFFD");
}

TEST_F(TableCoderTest, TwoByteErrorRangesGoToTheHandlers) {
  EXPECT_THAT([&] { static_cast<void>(decode(ErrorHandler::strict, "x\x81\x20")); },
              ThrowsMessage<unicode_error>(StrEq(
                  "'toy' codec can't decode bytes in position 1-2: illegal multibyte sequence")));
  EXPECT_EQ(decode(ErrorHandler::backslashreplace, "x\x81\x20y"), "x\\x81\\x20y");
  EXPECT_EQ(decode(ErrorHandler::replace, "x\x81\x20y"), "x\uFFFDy");
  EXPECT_EQ(decode(ErrorHandler::ignore, "x\x81\x20y"), "xy");
  // surrogateescape escapes the non-ASCII head of the range and decodes the rest again.
  EXPECT_EQ(decode(ErrorHandler::surrogateescape, "x\x81\x20y"), "x\xED\xB2\x81 y");
  EXPECT_EQ(decode(ErrorHandler::backslashreplace, "\xFF"), "\\xff");
}

TEST_F(TableCoderTest, OneSequenceMayDecodeToTwoCodePoints) {
  EXPECT_EQ(decode(ErrorHandler::strict, "\x82\x40z"), "\u00CA\u0304z");
}

TEST_F(TableCoderTest, TheEncoderWaitsForTheSecondCharacterOfAPair) {
  const auto e = encoder();
  std::string out;
  e->encode("\u00CA", out);
  EXPECT_EQ(out, "");
  e->encode("\u0304", out);
  EXPECT_EQ(out, "\x82\x40");
  e->encode("\u00CA", out);
  e->encode("b", out);
  EXPECT_EQ(out,
            "\x82\x40\x83"
            "b");
  EXPECT_EQ(encode(ErrorHandler::strict,
                   "a\u00CA"
                   "b\u4E41"),
            "a\x83"
            "b\x81\x41");
  // reset() forgets a waiting character, as a new CPython encoder would not have it.
  e->encode("\u00CA", out);
  e->reset();
  out.clear();
  e->encode("c", out);
  EXPECT_EQ(out, "c");
}

TEST_F(TableCoderTest, EncodeErrorsAreOneCharacterEach) {
  EXPECT_THAT([&] { static_cast<void>(encode(ErrorHandler::strict, "a\u20AC\u20AC")); },
              ThrowsMessage<unicode_error>(StrEq("'toy' codec can't encode character '\\u20ac' "
                                                 "in position 1: illegal multibyte sequence")));
  EXPECT_EQ(encode(ErrorHandler::replace, "a\u20AC\u20AC"), "a??");
  EXPECT_EQ(encode(ErrorHandler::xmlcharrefreplace, "\u20AC"), "&#8364;");
  EXPECT_EQ(encode(ErrorHandler::backslashreplace, "\u20AC"), "\\u20ac");
}

TEST_F(TableCoderTest, AFailedCallLeavesTheEncoderAsItWas) {
  const auto e = encoder();
  std::string out;
  e->encode("\u00CA", out);
  EXPECT_THROW(e->encode("\u20AC", out), unicode_error);
  EXPECT_EQ(out, "");
  e->encode("\u0304", out);  // the waiting U+00CA is still there
  EXPECT_EQ(out, "\x82\x40");
}

}  // namespace
}  // namespace tempfile::io
