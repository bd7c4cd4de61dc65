// SPDX-License-Identifier: MIT
// What every coder shares: UTF-8 scanning of our text, CPython's error messages, its error
// handlers, and the buffered decoder that keeps a split character's bytes between calls.
//
// Conventions (see also codec.hpp):
// - Text is UTF-8 in a std::string. A lone surrogate code point U+D800..U+DFFF, which Python
//   strings can hold (surrogateescape makes U+DC80..U+DCFF), is carried in its 3-byte
//   generalized-UTF-8 form ED A0..BF xx. Encoders accept those forms; text that is not even
//   generalized UTF-8 is a caller bug: std::invalid_argument whatever the error handler.
// - Error positions are CPython's: decode positions are byte offsets into the bytes still
//   pending from earlier calls followed by this call's input (what CPython's buffered
//   incremental decoders hand to the codec); encode positions count code points of the
//   text given to that encode() call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "io/codec.hpp"
#include "io/table_codec.hpp"

namespace tempfile::io::detail {

inline const unsigned char* bytes_of(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// ---- Messages: str() of CPython's UnicodeDecodeError and UnicodeEncodeError.

[[noreturn]] void throw_decode_error(std::string_view codec, std::string_view data,
                                     std::size_t start, std::size_t end, std::string_view reason);
[[noreturn]] void throw_encode_error(std::string_view codec, char32_t first, std::size_t start,
                                     std::size_t end, std::string_view reason);
/// Python's TypeError for a handler that only encodes (xmlcharrefreplace, namereplace) met in
/// decoding.
[[noreturn]] void throw_decode_only_handler(ErrorHandler errors);
[[noreturn]] void throw_not_text();

// ---- UTF-8.

std::size_t skip_ascii(const unsigned char* data, std::size_t i, std::size_t size) noexcept;

/// A code unit of `size` bytes (utf-16: 2, utf-32: 4) in the given byte order.
std::uint32_t read_unit(const unsigned char* data, std::size_t size, bool big_endian);

enum class Scan : unsigned char { valid, invalid_start, invalid_continuation, incomplete };

struct Sequence {
  Scan result;
  // valid: the sequence's length. Otherwise CPython's error range: the lead byte plus the
  // continuation bytes that were valid so far (for incomplete, everything available).
  std::size_t length;
};

/// Unicode's table 3-7 of well-formed sequences, which is what CPython checks; with
/// `allow_surrogates`, ED may also be followed by A0..BF (generalized UTF-8).
Sequence scan_sequence(const unsigned char* data, std::size_t available,
                       bool allow_surrogates) noexcept;

struct Char {
  char32_t code_point;
  std::size_t length;
};

/// The generalized-UTF-8 character at text[i]; throws std::invalid_argument if there is none.
Char next_char(std::string_view text, std::size_t i);
void validate_text(std::string_view text);
/// The code points of generalized-UTF-8 text; throws std::invalid_argument if it is not.
std::u32string code_points_of(std::string_view text);
void append_utf8(std::string& out, char32_t code_point);
/// What namereplace writes for one character: \N{NAME} (append_namereplace_name), or for a
/// character with no name what backslashreplace writes (\xhh, \uhhhh, \Uhhhhhhhh).
std::string name_escape(char32_t code_point);

inline bool is_surrogate(char32_t code_point) {
  return code_point >= 0xD800 && code_point <= 0xDFFF;
}
/// U+DC80..U+DCFF: what surrogateescape made of an undecodable byte.
inline bool is_escaped_byte(char32_t code_point) {
  return code_point >= 0xDC80 && code_point <= 0xDCFF;
}

// ---- Error handlers.

/// Handles the undecodable bytes data[start, end) as CPython's error handlers do, appending
/// the replacement to `out`; returns where decoding resumes. `surrogate_unit`, for
/// surrogatepass: the size of an encoded surrogate the codec can pass at data[start] (3 for
/// utf-8, 2 for utf-16, 4 for utf-32), 0 where surrogatepass does not apply; `big_endian`
/// says how to read utf-16/utf-32 units.
std::size_t on_decode_error(ErrorHandler errors, std::string_view codec, std::string_view data,
                            std::size_t start, std::size_t end, std::string_view reason,
                            std::string& out, std::size_t surrogate_unit = 0,
                            bool big_endian = false);

/// What an encode error handler made of the unencodable code points [start, end): either
/// `bytes` to write as they are (surrogateescape, surrogatepass), or ASCII `text` that the
/// codec must encode in their place (replace, backslashreplace, xmlcharrefreplace, namereplace).
struct EncodeReplacement {
  std::string bytes;
  std::u32string text;
  bool raw = false;
};

/// `run` holds the code points [start, end). `raw_surrogate(code_point, bytes)` writes a
/// surrogate for surrogatepass and returns false where the codec cannot pass it; null where
/// surrogatepass does not apply. Throws the strict error where the handler fails (strict, or
/// escapes that do not apply).
EncodeReplacement on_encode_error(ErrorHandler errors, std::string_view codec,
                                  std::string_view reason, const char32_t* run, std::size_t start,
                                  std::size_t end,
                                  bool (*raw_surrogate)(char32_t, std::string&) = nullptr);

// ---- The buffered decoder.

/// CPython's BufferedIncrementalDecoder: bytes left over by one call (a partial character)
/// are put in front of the next call's input. A failed call appends nothing and leaves the
/// state as it was.
class BufferedDecoder : public Decoder {
 public:
  BufferedDecoder(ErrorHandler errors, std::uint64_t initial_flags)
      : errors_(errors), flags_(initial_flags), initial_flags_(initial_flags) {}

  void decode(std::string_view input, bool final, std::string& out) final;
  [[nodiscard]] State state() const final { return {pending_, flags_}; }
  void set_state(const State& state) final;
  void reset() final;

 protected:
  /// Decodes `data` (pending bytes + input) and returns how many bytes it consumed; with
  /// `final`, all of them (utf-8-sig excepted: a partial BOM stays, as in CPython).
  virtual std::size_t decode_buffer(std::string_view data, bool final, std::string& out) = 0;
  /// What set_state() keeps of Python's integer flags (stateless codecs: nothing).
  [[nodiscard]] virtual std::uint64_t accept_flags(std::uint64_t /*flags*/) const { return 0; }

  [[nodiscard]] ErrorHandler errors() const noexcept { return errors_; }
  [[nodiscard]] std::uint64_t flags() const noexcept { return flags_; }
  void set_flags(std::uint64_t flags) noexcept { flags_ = flags; }
  /// Within decode_buffer(): the flags as they are now stay even if the call then throws
  /// (CPython's utf-8-sig decides "no BOM" before the bytes fail to decode).
  void keep_flags_on_error() noexcept { kept_flags_ = flags_; }

 private:
  ErrorHandler errors_;
  std::uint64_t flags_;
  std::uint64_t initial_flags_;
  std::optional<std::uint64_t> kept_flags_;
  std::string pending_;
};

// ---- The coders, by implementation (codec_own.cpp, codec_table.cpp, codec_utf7.cpp,
// codec_utf16_32.cpp).

enum class OwnCodec : unsigned char { utf8, utf8_sig, latin1, ascii };
std::unique_ptr<Decoder> make_own_decoder(OwnCodec codec, ErrorHandler errors);
std::unique_ptr<Encoder> make_own_encoder(OwnCodec codec, ErrorHandler errors);

/// `codec` is the name in error messages ("charmap" for the single-byte codecs).
std::unique_ptr<Decoder> make_table_decoder(const TableCodec& table, std::string codec,
                                            ErrorHandler errors);
std::unique_ptr<Encoder> make_table_encoder(const TableCodec& table, std::string codec,
                                            ErrorHandler errors);
/// The single-byte codec of CPython's module `module` (e.g. "cp1252"), or nullptr.
const TableCodec* find_charmap_table_codec(std::string_view module);

std::unique_ptr<Decoder> make_utf7_decoder(ErrorHandler errors);
std::unique_ptr<Encoder> make_utf7_encoder(ErrorHandler errors);

/// utf-16, utf-16-le/be, utf-32, utf-32-le/be, told apart by Python's module name.
std::unique_ptr<Decoder> make_utf16_32_decoder(ErrorHandler errors, Family family,
                                               std::string_view module);
std::unique_ptr<Encoder> make_utf16_32_encoder(ErrorHandler errors, Family family,
                                               std::string_view module, std::string name);

}  // namespace tempfile::io::detail
