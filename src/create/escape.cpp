// SPDX-License-Identifier: MIT
// Escaping of names in messages (Python's repr() rules for the bytes of a path).
#include "create/escape.hpp"

#include <cstdint>

namespace tempfile::create {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char byte) {
  out += "\\x";
  out += hex_digits[byte >> 4U];
  out += hex_digits[byte & 0xFU];
}

void append_code_point_escape(std::string& out, std::uint32_t code_point) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out += hex_digits[(code_point >> static_cast<unsigned>(shift)) & 0xFU];
  }
}

// The length of the valid UTF-8 sequence starting at text[at] (2 to 4) and its code point,
// or 0 when the bytes there are not one (overlong forms, surrogates and values past U+10FFFF
// included).
std::size_t utf8_sequence(std::string_view text, std::size_t at, std::uint32_t& code_point) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    minimum = 0x80;
    code_point = lead & 0x1FU;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    minimum = 0x800;
    code_point = lead & 0x0FU;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    minimum = 0x10000;
    code_point = lead & 0x07U;
  } else {
    return 0;
  }
  if (text.size() - at < length) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0U) != 0x80U) {
      return 0;
    }
    code_point = (code_point << 6U) | (next & 0x3FU);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

}  // namespace

void append_escaped(std::string& out, std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte >= 0x80) {
      std::uint32_t code_point = 0;
      const std::size_t length = utf8_sequence(text, at, code_point);
      if (length == 0) {
        append_hex_byte(out, byte);
        ++at;
      } else {
        if (code_point <= 0x9F || code_point == 0x2028 || code_point == 0x2029) {
          append_code_point_escape(out, code_point);
        } else {
          out.append(text.substr(at, length));
        }
        at += length;
      }
      continue;
    }
    switch (byte) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          append_hex_byte(out, byte);
        } else {
          out += static_cast<char>(byte);
        }
    }
    ++at;
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text);
  return out;
}

}  // namespace tempfile::create
