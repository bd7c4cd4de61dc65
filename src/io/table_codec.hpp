// SPDX-License-Identifier: MIT
// The character steps of a stateless codec whose mapping is a table generated from CPython's
// own codec (single-byte "charmap" codecs, and the double-byte CJK codecs): one character in,
// one character out, with CPython's error ranges and reasons. The incremental decoders and
// encoders (pending bytes, error handlers, messages) are built on these steps elsewhere.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tempfile::io {

/// One decoding step at the start of `data`.
struct DecodeStep {
  enum class Kind : std::uint8_t {
    character,   // `consumed` bytes decoded to `count` (1 or 2) code points in `code_points`
    incomplete,  // a character may continue past `data`: wait for more bytes (never when final)
    error,       // the first `consumed` bytes cannot be decoded: CPython's error range
  };
  Kind kind = Kind::error;
  std::uint8_t consumed = 0;
  std::uint8_t count = 0;
  std::array<char32_t, 2> code_points{};
  /// For errors: CPython's reason, e.g. "illegal multibyte sequence", "incomplete multibyte
  /// sequence", "character maps to <undefined>".
  std::string_view reason;
};

/// One encoding step at the start of `code_points`.
struct EncodeStep {
  /// Code points taken: 1, or 2 where CPython's codec encodes a pair as one unit; 0 with a
  /// `reason` means the first code point cannot be encoded (an error of one character); 0
  /// without one (never when final) means a pair may follow: wait for more text.
  std::uint8_t used = 0;
  std::uint8_t length = 0;
  /// The code's first `length` bytes. Eight, for euc_kr: CPython encodes the Hangul syllables
  /// outside KS X 1001 as 8-byte make-up sequences (A4 D4 A4 cho A4 jung A4 jong); every other
  /// code of every codec is at most 4 bytes.
  std::array<unsigned char, 8> bytes{};
  std::string_view reason;
};

class TableCodec {
 public:
  TableCodec() = default;
  TableCodec(const TableCodec&) = delete;
  TableCodec& operator=(const TableCodec&) = delete;
  TableCodec(TableCodec&&) = delete;
  TableCodec& operator=(TableCodec&&) = delete;
  virtual ~TableCodec() = default;

  /// `data` is never empty. With `final`, nothing comes after `data`.
  [[nodiscard]] virtual DecodeStep decode(const unsigned char* data, std::size_t size,
                                          bool final) const noexcept = 0;
  /// `code_points` is never empty; `size` of them are available (a pair needs both). With
  /// `final`, nothing comes after them.
  [[nodiscard]] virtual EncodeStep encode(const char32_t* code_points, std::size_t size,
                                          bool final) const noexcept = 0;
};

}  // namespace tempfile::io
