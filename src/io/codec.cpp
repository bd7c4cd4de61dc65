// Python's codecs for the text layer: our own UTF-8, Latin-1 and ASCII, iconv for the rest,
// with CPython's error handlers, error messages and incremental-decoder state.
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
// - A failed call (strict error, or surrogateescape meeting something it cannot escape)
//   appends nothing and leaves the coder as it was (for stateful iconv encodings, the shift
//   state goes back to the initial one).
#include "io/codec.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "io/codec_iconv.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

using detail::Family;
using detail::Iconv;

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

const unsigned char* bytes_of(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

// ---- Messages: str() of CPython's UnicodeDecodeError and UnicodeEncodeError.

std::string hex(std::uint32_t value, int digits) {
  constexpr std::string_view hex_digits = "0123456789abcdef";
  std::string text(static_cast<std::size_t>(digits), '0');
  for (std::size_t i = text.size(); i-- > 0;) {
    text[i] = hex_digits[value & 0xFU];
    value >>= 4U;
  }
  return text;
}

[[noreturn]] void throw_decode_error(std::string_view codec, std::string_view data,
                                     std::size_t start, std::size_t end, std::string_view reason) {
  std::string message = "'" + std::string(codec) + "' codec can't decode ";
  if (end == start + 1) {
    message += "byte 0x" + hex(bytes_of(data)[start], 2) + " in position " + std::to_string(start);
  } else {
    message += "bytes in position " + std::to_string(start) + "-" + std::to_string(end - 1);
  }
  throw unicode_error(message + ": " + std::string(reason));
}

std::string python_escape(char32_t code_point) {
  if (code_point <= 0xFF) {
    return "\\x" + hex(code_point, 2);
  }
  if (code_point <= 0xFFFF) {
    return "\\u" + hex(code_point, 4);
  }
  return "\\U" + hex(code_point, 8);
}

[[noreturn]] void throw_encode_error(std::string_view codec, char32_t first, std::size_t start,
                                     std::size_t end, std::string_view reason) {
  std::string message = "'" + std::string(codec) + "' codec can't encode ";
  if (end == start + 1) {
    message += "character '" + python_escape(first) + "' in position " + std::to_string(start);
  } else {
    message += "characters in position " + std::to_string(start) + "-" + std::to_string(end - 1);
  }
  throw unicode_error(message + ": " + std::string(reason));
}

// ---- UTF-8 scanning, shared by the decoder (strict UTF-8) and the encoders (generalized).

std::size_t skip_ascii(const unsigned char* data, std::size_t i, std::size_t size) {
  constexpr std::uint64_t high_bits = 0x8080808080808080U;
  while (size - i >= sizeof(std::uint64_t)) {
    std::uint64_t word = 0;
    std::memcpy(&word, data + i, sizeof word);
    if ((word & high_bits) != 0) {
      break;
    }
    i += sizeof word;
  }
  while (i < size && data[i] < 0x80) {
    ++i;
  }
  return i;
}

enum class Scan : unsigned char { valid, invalid_start, invalid_continuation, incomplete };

struct Sequence {
  Scan result;
  // valid: the sequence's length. Otherwise CPython's error range: the lead byte plus the
  // continuation bytes that were valid so far (for incomplete, everything available).
  std::size_t length;
};

// Unicode's table 3-7 of well-formed sequences, which is what CPython checks; with
// `allow_surrogates`, ED may also be followed by A0..BF (generalized UTF-8).
Sequence scan_sequence(const unsigned char* data, std::size_t available, bool allow_surrogates) {
  const unsigned lead = data[0];
  unsigned low = 0x80;
  unsigned high = 0xBF;
  std::size_t length = 0;
  if (lead < 0x80) {
    return {Scan::valid, 1};
  }
  if (lead < 0xC2) {
    return {Scan::invalid_start, 1};
  }
  if (lead < 0xE0) {
    length = 2;
  } else if (lead < 0xF0) {
    length = 3;
    if (lead == 0xE0) {
      low = 0xA0;
    } else if (lead == 0xED && !allow_surrogates) {
      high = 0x9F;
    }
  } else if (lead < 0xF5) {
    length = 4;
    if (lead == 0xF0) {
      low = 0x90;
    } else if (lead == 0xF4) {
      high = 0x8F;
    }
  } else {
    return {Scan::invalid_start, 1};
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (k >= available) {
      return {Scan::incomplete, k};
    }
    const unsigned byte = data[k];
    if (byte < (k == 1 ? low : 0x80U) || byte > (k == 1 ? high : 0xBFU)) {
      return {Scan::invalid_continuation, k};
    }
  }
  return {Scan::valid, length};
}

struct Char {
  char32_t code_point;
  std::size_t length;
};

[[noreturn]] void throw_not_text() {
  throw std::invalid_argument("tempfile: text is not valid UTF-8");
}

// The generalized-UTF-8 character at text[i].
Char next_char(std::string_view text, std::size_t i) {
  const unsigned char* data = bytes_of(text) + i;
  const Sequence sequence = scan_sequence(data, text.size() - i, true);
  if (sequence.result != Scan::valid) {
    throw_not_text();
  }
  char32_t code_point = 0;
  switch (sequence.length) {
    case 1:
      code_point = data[0];
      break;
    case 2:
      code_point = (char32_t{data[0]} & 0x1FU) << 6U;
      break;
    case 3:
      code_point = (char32_t{data[0]} & 0x0FU) << 12U;
      break;
    default:
      code_point = (char32_t{data[0]} & 0x07U) << 18U;
      break;
  }
  for (std::size_t k = 1; k < sequence.length; ++k) {
    code_point |= (char32_t{data[k]} & 0x3FU) << (6U * (sequence.length - 1 - k));
  }
  return {code_point, sequence.length};
}

void validate_text(std::string_view text) {
  const unsigned char* data = bytes_of(text);
  std::size_t i = 0;
  while ((i = skip_ascii(data, i, text.size())) < text.size()) {
    const Sequence sequence = scan_sequence(data + i, text.size() - i, true);
    if (sequence.result != Scan::valid) {
      throw_not_text();
    }
    i += sequence.length;
  }
}

bool is_surrogate(char32_t code_point) {
  return code_point >= 0xD800 && code_point <= 0xDFFF;
}

// U+DC80..U+DCFF: what surrogateescape made of an undecodable byte.
bool is_escaped_byte(char32_t code_point) {
  return code_point >= 0xDC80 && code_point <= 0xDCFF;
}

void append_code_point_below_0x800(std::string& out, unsigned code_point) {
  out += static_cast<char>(0xC0U | (code_point >> 6U));
  out += static_cast<char>(0x80U | (code_point & 0x3FU));
}

// U+DC00 + byte, in generalized UTF-8: ED B2 xx or ED B3 xx.
void append_escaped_byte(std::string& out, unsigned char byte) {
  out += '\xED';
  out += static_cast<char>(0xB0U | (unsigned{byte} >> 6U));
  out += static_cast<char>(0x80U | (unsigned{byte} & 0x3FU));
}

// ---- Error handlers.

// Handles the undecodable bytes data[start, end) as CPython's error handlers do; returns
// where decoding resumes.
std::size_t on_decode_error(ErrorHandler errors, std::string_view codec, std::string_view data,
                            std::size_t start, std::size_t end, std::string_view reason,
                            std::string& out) {
  switch (errors) {
    case ErrorHandler::strict:
      throw_decode_error(codec, data, start, end, reason);
    case ErrorHandler::replace:
      out += replacement_character;
      return end;
    case ErrorHandler::ignore:
      return end;
    case ErrorHandler::surrogateescape: {
      // CPython escapes the leading bytes 0x80..0xFF of the range (at most 4) and resumes
      // after them; when the range starts with an ASCII byte it fails as strict.
      constexpr std::size_t most_escaped = 4;
      std::size_t resume = start;
      while (resume < end && resume - start < most_escaped && bytes_of(data)[resume] >= 0x80) {
        append_escaped_byte(out, bytes_of(data)[resume]);
        ++resume;
      }
      if (resume == start) {
        throw_decode_error(codec, data, start, end, reason);
      }
      return resume;
    }
  }
  return end;
}

// ---- Decoders.

// CPython's BufferedIncrementalDecoder: bytes left over by one call (a partial character)
// are put in front of the next call's input.
class BufferedDecoder : public Decoder {
 public:
  BufferedDecoder(ErrorHandler errors, std::uint64_t initial_flags)
      : errors_(errors), flags_(initial_flags), initial_flags_(initial_flags) {}

  void decode(std::string_view input, bool final, std::string& out) final {
    std::string joined;
    std::string_view data = input;
    if (!pending_.empty()) {
      joined.reserve(pending_.size() + input.size());
      joined.append(pending_).append(input);
      data = joined;
    }
    const std::size_t mark = out.size();
    const std::uint64_t flags = flags_;
    try {
      const std::size_t consumed = decode_buffer(data, final, out);
      pending_.assign(data.substr(consumed));
    } catch (...) {
      out.resize(mark);
      flags_ = flags;
      restart();
      throw;
    }
  }

  [[nodiscard]] State state() const final { return {pending_, flags_}; }

  void set_state(const State& state) final {
    pending_ = state.pending;
    flags_ = accept_flags(state.flags);
    restart();
  }

  void reset() final {
    pending_.clear();
    flags_ = initial_flags_;
    restart();
  }

 protected:
  /// Decodes `data` (pending bytes + input) and returns how many bytes it consumed; with
  /// `final`, all of them.
  virtual std::size_t decode_buffer(std::string_view data, bool final, std::string& out) = 0;
  /// What set_state() keeps of Python's integer flags (stateless codecs: nothing).
  [[nodiscard]] virtual std::uint64_t accept_flags(std::uint64_t /*flags*/) const { return 0; }
  /// Back to the initial conversion state (iconv's shift state).
  virtual void restart() {}

  [[nodiscard]] ErrorHandler errors() const noexcept { return errors_; }
  [[nodiscard]] std::uint64_t flags() const noexcept { return flags_; }
  void set_flags(std::uint64_t flags) noexcept { flags_ = flags; }

 private:
  ErrorHandler errors_;
  std::uint64_t flags_;
  std::uint64_t initial_flags_;
  std::string pending_;
};

std::size_t decode_utf8(std::string_view data, bool final, ErrorHandler errors, std::string& out) {
  const unsigned char* bytes = bytes_of(data);
  const std::size_t size = data.size();
  std::size_t i = 0;
  std::size_t copied = 0;  // data[copied, i) is valid and goes to `out` as it is
  while ((i = skip_ascii(bytes, i, size)) < size) {
    const Sequence sequence = scan_sequence(bytes + i, size - i, false);
    if (sequence.result == Scan::valid) {
      i += sequence.length;
      continue;
    }
    out.append(data.substr(copied, i - copied));
    if (sequence.result == Scan::incomplete && !final) {
      return i;
    }
    const std::string_view reason = sequence.result == Scan::invalid_start ? "invalid start byte"
                                    : sequence.result == Scan::invalid_continuation
                                        ? "invalid continuation byte"
                                        : "unexpected end of data";
    i = on_decode_error(errors, "utf-8", data, i, i + sequence.length, reason, out);
    copied = i;
  }
  out.append(data.substr(copied));
  return size;
}

// utf-8, and utf-8-sig, whose flags are CPython's: 1 while a BOM may still come, then 0.
class Utf8Decoder final : public BufferedDecoder {
 public:
  Utf8Decoder(ErrorHandler errors, bool signature)
      : BufferedDecoder(errors, signature ? 1 : 0), signature_(signature) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    if (signature_ && flags() != 0) {
      if (data.empty() || (data.size() < utf8_bom.size() && utf8_bom.starts_with(data) && !final)) {
        return 0;
      }
      set_flags(0);
      if (data.starts_with(utf8_bom)) {
        // Positions in errors then count from after the BOM, as in CPython.
        return utf8_bom.size() + decode_utf8(data.substr(utf8_bom.size()), final, errors(), out);
      }
    }
    return decode_utf8(data, final, errors(), out);
  }

  [[nodiscard]] std::uint64_t accept_flags(std::uint64_t flags) const override {
    return signature_ && flags != 0 ? 1 : 0;
  }

  bool signature_;
};

// iso8859-1 (every byte is U+0000..U+00FF) and ascii (bytes 0x80..0xFF are errors).
class ByteDecoder final : public BufferedDecoder {
 public:
  ByteDecoder(ErrorHandler errors, bool ascii) : BufferedDecoder(errors, 0), ascii_(ascii) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool /*final*/, std::string& out) override {
    const unsigned char* bytes = bytes_of(data);
    std::size_t i = 0;
    std::size_t copied = 0;
    while ((i = skip_ascii(bytes, i, data.size())) < data.size()) {
      out.append(data.substr(copied, i - copied));
      if (ascii_) {
        i = on_decode_error(errors(), "ascii", data, i, i + 1, "ordinal not in range(128)", out);
      } else {
        append_code_point_below_0x800(out, bytes[i]);
        ++i;
      }
      copied = i;
    }
    out.append(data.substr(copied));
    return data.size();
  }

  bool ascii_;
};

bool native_big_endian() {
  return std::endian::native == std::endian::big;
}

// CPython's decoder-state flags for utf-16 and utf-32.
constexpr std::uint64_t native_order = 0;
constexpr std::uint64_t swapped_order = 1;
constexpr std::uint64_t order_undecided = 2;

class IconvDecoder final : public BufferedDecoder {
 public:
  IconvDecoder(ErrorHandler errors, Family family, const std::string& iconv_name, std::string name)
      : BufferedDecoder(errors, detects_bom(family, iconv_name) ? order_undecided : 0),
        family_(family),
        name_(std::move(name)),
        detect_bom_(detects_bom(family, iconv_name)),
        fixed_big_endian_(iconv_name.ends_with("BE")) {
    if (family_ != Family::utf16 && family_ != Family::utf32) {
      little_.emplace("UTF-8", iconv_name);
    }
  }

 private:
  static bool detects_bom(Family family, const std::string& iconv_name) {
    return (family == Family::utf16 || family == Family::utf32) && !iconv_name.ends_with("LE") &&
           !iconv_name.ends_with("BE");
  }

  [[nodiscard]] bool is_utf() const { return family_ == Family::utf16 || family_ == Family::utf32; }
  [[nodiscard]] std::size_t unit() const {
    return family_ == Family::utf16 ? 2 : family_ == Family::utf32 ? 4 : 1;
  }

  [[nodiscard]] bool big_endian() const {
    if (!detect_bom_) {
      return fixed_big_endian_;
    }
    return flags() == swapped_order ? !native_big_endian() : native_big_endian();
  }

  // For utf-16/32, little_ and big_ are the two byte orders, opened when first needed;
  // for the others little_ is the one conversion.
  Iconv& converter() {
    if (!is_utf()) {
      return *little_;
    }
    const std::string base = family_ == Family::utf16 ? "UTF-16" : "UTF-32";
    std::optional<Iconv>& slot = big_endian() ? big_ : little_;
    if (!slot) {
      slot.emplace("UTF-8", base + (big_endian() ? "BE" : "LE"));
    }
    return *slot;
  }

  [[nodiscard]] std::string error_codec() const {
    switch (family_) {
      case Family::charmap:
        return "charmap";
      case Family::utf16:
        return big_endian() ? "utf-16-be" : "utf-16-le";
      case Family::utf32:
        return big_endian() ? "utf-32-be" : "utf-32-le";
      default:
        return name_;
    }
  }

  [[nodiscard]] std::uint32_t code_unit(std::string_view bytes) const {
    std::uint32_t value = 0;
    for (std::size_t k = 0; k < bytes.size(); ++k) {
      const std::size_t shift = big_endian() ? bytes.size() - 1 - k : k;
      value |= std::uint32_t{bytes_of(bytes)[k]} << (8U * shift);
    }
    return value;
  }

  [[nodiscard]] std::string_view invalid_reason(std::string_view unit_bytes) const {
    switch (family_) {
      case Family::charmap:
        return "character maps to <undefined>";
      case Family::utf16:
        return code_unit(unit_bytes) >= 0xD800 && code_unit(unit_bytes) <= 0xDBFF
                   ? "illegal UTF-16 surrogate"
                   : "illegal encoding";
      case Family::utf32:
        return is_surrogate(code_unit(unit_bytes))
                   ? "code point in surrogate code point range(0xd800, 0xe000)"
                   : "code point not in range(0x110000)";
      default:
        return "illegal multibyte sequence";
    }
  }

  [[nodiscard]] std::string_view incomplete_reason(std::size_t left) const {
    switch (family_) {
      case Family::utf16:
        return left < 2 ? "truncated data" : "unexpected end of data";
      case Family::utf32:
        return "truncated data";
      default:
        return "incomplete multibyte sequence";
    }
  }

  // Reads a BOM if there is one; returns its size. Without one, native order (CPython's
  // codecs.decode does this; its incremental decoder raises "UTF-16 stream does not start
  // with BOM" instead).
  std::size_t read_bom(std::string_view data) {
    const bool utf16 = family_ == Family::utf16;
    const std::string_view little_bom =
        utf16 ? std::string_view("\xFF\xFE", 2) : std::string_view("\xFF\xFE\x00\x00", 4);
    const std::string_view big_bom =
        utf16 ? std::string_view("\xFE\xFF", 2) : std::string_view("\x00\x00\xFE\xFF", 4);
    if (data.starts_with(little_bom)) {
      set_flags(native_big_endian() ? swapped_order : native_order);
      return little_bom.size();
    }
    if (data.starts_with(big_bom)) {
      set_flags(native_big_endian() ? native_order : swapped_order);
      return big_bom.size();
    }
    // CPython's incremental utf-16/utf-32 decoder (what TextIOWrapper uses) refuses a stream
    // without a byte-order mark, whatever the error handler; only bytes.decode() assumes
    // native order.
    throw unicode_error(utf16 ? "UTF-16 stream does not start with BOM"
                              : "UTF-32 stream does not start with BOM");
  }

  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    std::size_t position = 0;
    if (detect_bom_ && flags() == order_undecided) {
      if (data.size() >= unit()) {
        position = read_bom(data);
      } else if (!final) {
        return 0;
      }
      // A final piece too short for a BOM is decoded in native order, leaving the order
      // undecided, as CPython's state shows (2).
    }
    Iconv& iconv = converter();
    const std::string codec = error_codec();
    while (position < data.size()) {
      const Iconv::Step step = iconv.convert(data.substr(position), out);
      position += step.consumed;
      if (step.error == 0) {
        break;
      }
      if (step.error == EINVAL) {
        if (!final) {
          return position;
        }
        position = on_decode_error(errors(), codec, data, position, data.size(),
                                   incomplete_reason(data.size() - position), out);
        iconv.reset();
        continue;
      }
      // One code unit per error: a byte, or 2/4 bytes for utf-16/utf-32, as in CPython.
      const std::size_t length = std::min(unit(), data.size() - position);
      position = on_decode_error(errors(), codec, data, position, position + length,
                                 invalid_reason(data.substr(position, length)), out);
    }
    if (final) {
      iconv.flush(out);
    }
    return position;
  }

  [[nodiscard]] std::uint64_t accept_flags(std::uint64_t flags) const override {
    if (!detect_bom_) {
      return 0;
    }
    return flags == native_order || flags == swapped_order ? flags : order_undecided;
  }

  void restart() override {
    for (std::optional<Iconv>* slot : {&little_, &big_}) {
      if (*slot) {
        (*slot)->reset();
      }
    }
  }

  Family family_;
  std::string name_;
  bool detect_bom_;
  bool fixed_big_endian_;
  std::optional<Iconv> little_;
  std::optional<Iconv> big_;
};

// ---- Encoders.

// What our own encoders can encode: all but surrogates (utf-8), or code points below a limit.
struct OwnTarget {
  std::string_view codec;
  std::string_view reason;
  char32_t limit;  // 0 for utf-8

  [[nodiscard]] bool utf8() const { return limit == 0; }
  [[nodiscard]] bool encodes(char32_t code_point) const {
    return utf8() ? !is_surrogate(code_point) : code_point < limit;
  }
};

constexpr OwnTarget utf8_target{"utf-8", "surrogates not allowed", 0};
constexpr OwnTarget latin1_target{"latin-1", "ordinal not in range(256)", 0x100};
constexpr OwnTarget ascii_target{"ascii", "ordinal not in range(128)", 0x80};

void encode_own(std::string_view text, ErrorHandler errors, const OwnTarget& target,
                std::string& out) {
  const unsigned char* bytes = bytes_of(text);
  const std::size_t size = text.size();
  std::size_t i = 0;
  std::size_t chars = 0;
  std::size_t copied = 0;  // utf-8 only: text[copied, i) goes to `out` as it is
  while (i < size) {
    const std::size_t ascii_end = skip_ascii(bytes, i, size);
    if (!target.utf8()) {
      out.append(text.substr(i, ascii_end - i));
    }
    chars += ascii_end - i;
    i = ascii_end;
    if (i == size) {
      break;
    }
    const Char c = next_char(text, i);
    if (target.encodes(c.code_point)) {
      if (!target.utf8()) {
        out += static_cast<char>(c.code_point);
      }
      i += c.length;
      ++chars;
      continue;
    }
    if (target.utf8()) {
      out.append(text.substr(copied, i - copied));
    }
    // CPython reports a run of unencodable characters as one error.
    std::size_t run_end = i + c.length;
    std::size_t run_chars = 1;
    while (run_end < size) {
      const Char next = next_char(text, run_end);
      if (target.encodes(next.code_point)) {
        break;
      }
      run_end += next.length;
      ++run_chars;
    }
    switch (errors) {
      case ErrorHandler::strict:
        throw_encode_error(target.codec, c.code_point, chars, chars + run_chars, target.reason);
      case ErrorHandler::replace:
        out.append(run_chars, '?');
        break;
      case ErrorHandler::ignore:
        break;
      case ErrorHandler::surrogateescape: {
        // CPython writes the escapable prefix, then fails on the rest of the run.
        std::size_t k = chars;
        for (std::size_t j = i; j < run_end; ++k) {
          const Char escaped = next_char(text, j);
          if (!is_escaped_byte(escaped.code_point)) {
            throw_encode_error(target.codec, escaped.code_point, k, chars + run_chars,
                               target.reason);
          }
          out += static_cast<char>(escaped.code_point & 0xFFU);
          j += escaped.length;
        }
        break;
      }
    }
    i = run_end;
    chars += run_chars;
    copied = i;
  }
  if (target.utf8()) {
    out.append(text.substr(copied));
  }
}

// utf-8, utf-8-sig, latin-1 and ascii.
class OwnEncoder final : public Encoder {
 public:
  OwnEncoder(ErrorHandler errors, const OwnTarget& target, bool signature)
      : errors_(errors), target_(target), signature_(signature), write_bom_(signature) {}

  void encode(std::string_view text, std::string& out) override {
    const std::size_t mark = out.size();
    try {
      if (write_bom_) {
        out += utf8_bom;
      }
      encode_own(text, errors_, target_, out);
    } catch (...) {
      out.resize(mark);
      throw;
    }
    write_bom_ = false;
  }
  void reset() override { write_bom_ = signature_; }
  void skip_bom() override { write_bom_ = false; }
  [[nodiscard]] bool bom_pending() const noexcept override { return write_bom_; }

 private:
  ErrorHandler errors_;
  OwnTarget target_;
  bool signature_;
  bool write_bom_;
};

class IconvEncoder final : public Encoder {
 public:
  IconvEncoder(ErrorHandler errors, Family family, const std::string& iconv_name, std::string name)
      : errors_(errors),
        family_(family),
        name_(std::move(name)),
        bom_(bom_for(family, iconv_name)),
        write_bom_(!bom_.empty()),
        iconv_(target_for(family, iconv_name), "UTF-8") {}

  void encode(std::string_view text, std::string& out) override {
    validate_text(text);
    const std::size_t mark = out.size();
    try {
      if (write_bom_) {
        out += bom_;
      }
      convert(text, out);
      iconv_.flush(out);
    } catch (...) {
      out.resize(mark);
      iconv_.reset();
      throw;
    }
    write_bom_ = false;
  }
  void reset() override {
    write_bom_ = !bom_.empty();
    iconv_.reset();
  }
  void skip_bom() override { write_bom_ = false; }
  [[nodiscard]] bool bom_pending() const noexcept override { return write_bom_; }

 private:
  // utf-16 and utf-32 without a byte order write a BOM, then native order, as CPython does.
  static std::string bom_for(Family family, const std::string& iconv_name) {
    if (iconv_name != "UTF-16" && iconv_name != "UTF-32") {
      return {};
    }
    const char32_t bom = 0xFEFF;
    std::string bytes;
    const std::size_t size = family == Family::utf16 ? 2 : 4;
    for (std::size_t k = 0; k < size; ++k) {
      const std::size_t shift = native_big_endian() ? size - 1 - k : k;
      bytes += static_cast<char>((bom >> (8U * shift)) & 0xFFU);
    }
    return bytes;
  }
  static std::string target_for(Family /*family*/, const std::string& iconv_name) {
    if (iconv_name == "UTF-16" || iconv_name == "UTF-32") {
      return iconv_name + (native_big_endian() ? "BE" : "LE");
    }
    return iconv_name;
  }

  [[nodiscard]] bool is_utf() const { return family_ == Family::utf16 || family_ == Family::utf32; }

  [[nodiscard]] std::string error_codec() const {
    return family_ == Family::charmap ? std::string("charmap") : name_;
  }
  [[nodiscard]] std::string_view reason() const {
    return family_ == Family::charmap ? "character maps to <undefined>"
           : is_utf()                 ? "surrogates not allowed"
                                      : "illegal multibyte sequence";
  }

  bool converts_alone(std::string_view character) {
    std::string scratch;
    return iconv_.convert(character, scratch).error == 0;
  }

  void convert(std::string_view text, std::string& out) {
    std::size_t position = 0;
    std::size_t chars = 0;
    while (position < text.size()) {
      const Iconv::Step step = iconv_.convert(text.substr(position), out);
      chars += count_chars(text.substr(position, step.consumed));
      position += step.consumed;
      if (step.error == 0) {
        break;
      }
      if (step.error == EINVAL) {
        throw_not_text();  // validate_text() has ruled this out
      }
      const Char c = next_char(text, position);
      std::size_t run_end = position + c.length;
      std::size_t run_chars = 1;
      // CPython's charmap codecs report a run of unencodable characters as one error;
      // probing is harmless there because single-byte conversions keep no state.
      while (family_ == Family::charmap && run_end < text.size()) {
        const Char next = next_char(text, run_end);
        if (converts_alone(text.substr(run_end, next.length))) {
          break;
        }
        run_end += next.length;
        ++run_chars;
      }
      on_error(text.substr(position, run_end - position), c.code_point, chars, run_chars, out);
      position = run_end;
      chars += run_chars;
    }
  }

  void on_error(std::string_view run, char32_t first, std::size_t start, std::size_t count,
                std::string& out) {
    switch (errors_) {
      case ErrorHandler::strict:
        throw_encode_error(error_codec(), first, start, start + count, reason());
      case ErrorHandler::replace:
        for (std::size_t k = 0; k < count; ++k) {
          iconv_.convert("?", out);  // the encoding's own '?', e.g. 0x6F in EBCDIC
        }
        return;
      case ErrorHandler::ignore:
        return;
      case ErrorHandler::surrogateescape: {
        // CPython: a lone escaped byte is not a whole utf-16/utf-32 code unit, so it fails;
        // elsewhere the run must consist of escaped bytes only.
        std::string raw;
        for (std::size_t j = 0; j < run.size();) {
          const Char escaped = next_char(run, j);
          if (is_utf() || !is_escaped_byte(escaped.code_point)) {
            throw_encode_error(error_codec(), first, start, start + count, reason());
          }
          raw += static_cast<char>(escaped.code_point & 0xFFU);
          j += escaped.length;
        }
        out += raw;
        return;
      }
    }
  }

  ErrorHandler errors_;
  Family family_;
  std::string name_;
  std::string bom_;
  bool write_bom_;
  Iconv iconv_;
};

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return lower;
}

}  // namespace

ErrorHandler parse_error_handler(std::string_view name) {
  if (name == "strict") {
    return ErrorHandler::strict;
  }
  if (name == "replace") {
    return ErrorHandler::replace;
  }
  if (name == "ignore") {
    return ErrorHandler::ignore;
  }
  if (name == "surrogateescape") {
    return ErrorHandler::surrogateescape;
  }
  throw std::invalid_argument("tempfile: unknown error handler name '" + std::string(name) + "'");
}

Codec Codec::lookup(std::string_view encoding) {
  const auto unknown = [&] {
    std::string shown;
    for (const char c : encoding) {
      shown += c == '\0' ? std::string("\\0") : std::string(1, c);
    }
    return std::invalid_argument("tempfile: unknown encoding: " + shown);
  };
  if (const detail::PythonCodec* known = detail::find_python_codec(encoding)) {
    const std::string iconv_name(known->iconv_name);
    if (!iconv_name.empty() && !Iconv::converts(iconv_name)) {
      throw unknown();
    }
    return {std::string(known->name), known->family, iconv_name};
  }
  // Not a name Python knows (among those we serve): any encoding iconv converts, under the
  // name as given, lower-cased. No '/' (glibc's //TRANSLIT and //IGNORE suffixes), no NUL,
  // and not empty (iconv's "" means the locale's charset).
  const std::string name(encoding);
  if (detail::normalize_encoding(name).empty() || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos || !Iconv::converts(name)) {
    throw unknown();
  }
  return {ascii_lower(name), Family::multibyte, name};
}

std::unique_ptr<Decoder> Codec::decoder(ErrorHandler errors) const {
  switch (family_) {
    case Family::utf8:
      return std::make_unique<Utf8Decoder>(errors, false);
    case Family::utf8_sig:
      return std::make_unique<Utf8Decoder>(errors, true);
    case Family::latin1:
      return std::make_unique<ByteDecoder>(errors, false);
    case Family::ascii:
      return std::make_unique<ByteDecoder>(errors, true);
    default:
      return std::make_unique<IconvDecoder>(errors, family_, iconv_name_, name_);
  }
}

std::unique_ptr<Encoder> Codec::encoder(ErrorHandler errors) const {
  switch (family_) {
    case Family::utf8:
      return std::make_unique<OwnEncoder>(errors, utf8_target, false);
    case Family::utf8_sig:
      return std::make_unique<OwnEncoder>(errors, utf8_target, true);
    case Family::latin1:
      return std::make_unique<OwnEncoder>(errors, latin1_target, false);
    case Family::ascii:
      return std::make_unique<OwnEncoder>(errors, ascii_target, false);
    default:
      return std::make_unique<IconvEncoder>(errors, family_, iconv_name_, name_);
  }
}

std::size_t count_chars(std::string_view utf8) noexcept {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

}  // namespace tempfile::io
