// SPDX-License-Identifier: MIT
// utf-7 (RFC 2152) as CPython's codec does it: our own code, because glibc's converter
// refuses control characters CPython passes, and keeps its shift state where the text
// layer's tell()/seek() cannot see it.
#include <array>
#include <string>

#include "io/codec_support.hpp"

namespace tempfile::io::detail {
namespace {

constexpr std::string_view utf7 = "utf7";  // CPython's spelling in utf-7 error messages

// The ASCII characters CPython writes as themselves (every one but NUL, the other controls
// except TAB/LF/CR, '+', '\\', '~' and DEL): python3 -c "[c for c in range(128) if
// codecs.encode(chr(c), 'utf-7') == bytes([c])]", as two 64-bit masks.
constexpr std::array<std::uint64_t, 2> direct_mask = {0xFFFFF7FF00002600U, 0x3FFFFFFFEFFFFFFFU};

bool encodes_directly(char32_t c) {
  return c < 128 && ((direct_mask[c / 64] >> (c % 64)) & 1U) != 0;
}

// What the decoder takes as itself outside a shift sequence: any ASCII byte but '+'.
bool decodes_directly(unsigned c) {
  return c < 128 && c != '+';
}

constexpr std::string_view base64_digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(unsigned c) {
  if (c >= 'A' && c <= 'Z') {
    return static_cast<int>(c - 'A');
  }
  if (c >= 'a' && c <= 'z') {
    return static_cast<int>(c - 'a' + 26);
  }
  if (c >= '0' && c <= '9') {
    return static_cast<int>(c - '0' + 52);
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

bool is_high_surrogate(char32_t c) {
  return c >= 0xD800 && c <= 0xDBFF;
}
bool is_low_surrogate(char32_t c) {
  return c >= 0xDC00 && c <= 0xDFFF;
}

// CPython's utf-7 decoder is a buffered one: without `final`, an unfinished shift sequence
// ('+' and what follows) stays pending, and its output is taken back, until it ends.
class Utf7Decoder final : public BufferedDecoder {
 public:
  explicit Utf7Decoder(ErrorHandler errors) : BufferedDecoder(errors, 0) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    const unsigned char* bytes = bytes_of(data);
    const std::size_t size = data.size();
    bool in_shift = false;
    unsigned bits = 0;             // base64 bits not yet used
    std::uint32_t buffer = 0;      // those bits
    char32_t surrogate = 0;        // a high surrogate waiting for its low half
    std::size_t shift_start = 0;   // where the '+' of the current shift sequence is
    std::size_t shift_output = 0;  // out's size at that '+'
    std::size_t i = 0;
    const auto error = [&](std::size_t start, std::size_t end, std::string_view reason) {
      i = on_decode_error(errors(), utf7, data, start, end, reason, out);
    };
    for (;;) {
      while (i < size) {
        const unsigned c = bytes[i];
        if (in_shift) {
          if (const int value = base64_value(c); value >= 0) {
            buffer = (buffer << 6U) | static_cast<unsigned>(value);
            bits += 6;
            ++i;
            if (bits >= 16) {
              const char32_t unit = (buffer >> (bits - 16)) & 0xFFFFU;
              bits -= 16;
              buffer &= (1U << bits) - 1U;
              if (surrogate != 0) {
                if (is_low_surrogate(unit)) {
                  append_utf8(out, 0x10000 + ((surrogate - 0xD800) << 10U) + (unit - 0xDC00));
                  surrogate = 0;
                  continue;
                }
                append_utf8(out, surrogate);
                surrogate = 0;
              }
              if (is_high_surrogate(unit)) {
                surrogate = unit;
              } else {
                append_utf8(out, unit);
              }
            }
            continue;
          }
          // Leaving the base64 run: leftover bits must be fewer than 6, and zero.
          in_shift = false;
          if (bits >= 6) {
            ++i;
            error(shift_start, i, "partial character in shift sequence");
            continue;
          }
          if (bits > 0 && buffer != 0) {
            ++i;
            error(shift_start, i, "non-zero padding bits in shift sequence");
            continue;
          }
          if (surrogate != 0 && decodes_directly(c)) {
            append_utf8(out, surrogate);
          }
          surrogate = 0;
          if (c == '-') {
            ++i;  // the explicit end of the run is absorbed; any other byte stays
          }
          continue;
        }
        if (c == '+') {
          shift_start = i;
          ++i;
          if (i < size && bytes[i] == '-') {
            ++i;
            out += '+';
          } else if (i < size && base64_value(bytes[i]) < 0) {
            ++i;
            error(shift_start, i, "ill-formed sequence");
          } else {
            in_shift = true;
            surrogate = 0;
            shift_output = out.size();
            bits = 0;
            buffer = 0;
          }
          continue;
        }
        ++i;
        if (decodes_directly(c)) {
          out += static_cast<char>(c);
        } else {
          error(i - 1, i, "unexpected special character");
        }
      }
      if (!in_shift) {
        return size;
      }
      if (!final) {
        out.resize(shift_output);
        return shift_start;
      }
      in_shift = false;
      if (surrogate == 0 && bits < 6 && (bits == 0 || buffer == 0)) {
        return size;
      }
      error(shift_start, size, "unterminated shift sequence");
      if (i >= size) {
        return size;
      }
    }
  }
};

class Utf7Encoder final : public Encoder {
 public:
  void encode(std::string_view text, std::string& out) override {
    const std::u32string code_points = code_points_of(text);
    bool in_shift = false;
    unsigned bits = 0;
    std::uint32_t buffer = 0;
    const auto put_bits = [&](std::uint32_t unit) {
      buffer = (buffer << 16U) | unit;
      bits += 16;
      while (bits >= 6) {
        out += base64_digits[(buffer >> (bits - 6)) & 0x3FU];
        bits -= 6;
      }
      buffer &= (1U << bits) - 1U;
    };
    for (const char32_t c : code_points) {
      if (in_shift && encodes_directly(c)) {
        if (bits > 0) {
          out += base64_digits[(buffer << (6 - bits)) & 0x3FU];
          buffer = 0;
          bits = 0;
        }
        in_shift = false;
        // A character that could be read as base64 (or '-') needs the explicit end.
        if (base64_value(c) >= 0 || c == '-') {
          out += '-';
        }
        out += static_cast<char>(c);
        continue;
      }
      if (!in_shift) {
        if (c == '+') {
          out += "+-";
          continue;
        }
        if (encodes_directly(c)) {
          out += static_cast<char>(c);
          continue;
        }
        out += '+';
        in_shift = true;
      }
      if (c >= 0x10000) {
        put_bits(0xD800 + ((c - 0x10000) >> 10U));
        put_bits(0xDC00 + ((c - 0x10000) & 0x3FFU));
      } else {
        put_bits(c);
      }
    }
    if (bits > 0) {
      out += base64_digits[(buffer << (6 - bits)) & 0x3FU];
    }
    if (in_shift) {
      out += '-';
    }
  }
  void reset() override {}
  void skip_bom() override {}
  [[nodiscard]] bool bom_pending() const noexcept override { return false; }
};

}  // namespace

std::unique_ptr<Decoder> make_utf7_decoder(ErrorHandler errors) {
  return std::make_unique<Utf7Decoder>(errors);
}

std::unique_ptr<Encoder> make_utf7_encoder(ErrorHandler /*errors*/) {
  // Every code point, lone surrogates included, has a utf-7 form: no handler is ever asked.
  return std::make_unique<Utf7Encoder>();
}

}  // namespace tempfile::io::detail
