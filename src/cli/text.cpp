// SPDX-License-Identifier: MIT
// tempfile-cli's text helpers: coreutils' quoting of names in messages (so mktemp's messages
// are byte for byte GNU's).
#include <string>
#include <system_error>

#include "cli/cli.hpp"
#include "os/console_text.hpp"

namespace tempfile::cli {
namespace {

bool utf8_locale = false;

// The C escape coreutils' quotearg uses for a control character, or 0 if it has none.
char c_escape(unsigned char c) {
  switch (c) {
    case '\a':
      return 'a';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    case '\v':
      return 'v';
    default:
      return 0;
  }
}

void append_octal(std::string& out, unsigned char c) {
  out += '\\';
  out += static_cast<char>('0' + ((c >> 6U) & 7U));
  out += static_cast<char>('0' + ((c >> 3U) & 7U));
  out += static_cast<char>('0' + (c & 7U));
}

// The length of the well-formed UTF-8 sequence starting at text[i] (shortest form, no
// surrogates, at most U+10FFFF), or 0 if the bytes there are not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned min_second = 0x80;
  unsigned max_second = 0xBF;
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    min_second = lead == 0xE0 ? 0xA0 : 0x80;
    max_second = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    min_second = lead == 0xF0 ? 0x90 : 0x80;
    max_second = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + length > text.size() || byte(i + 1) < min_second || byte(i + 1) > max_second) {
    return 0;
  }
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return length;
}

}  // namespace

void set_quoting_locale() {
  utf8_locale = os::use_environment_locale();
}

std::string gnu_quote(std::string_view text) {
  // quotearg's locale_quoting_style: always quoted; backslash, the closing quote (only the
  // ASCII one) and unprintable bytes escaped; in a UTF-8 locale well-formed multibyte
  // characters are printable and kept.
  std::string out = utf8_locale ? "\u2018" : "'";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\' || (c == '\'' && !utf8_locale)) {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (const char escape = c_escape(c); escape != 0) {
      out += '\\';
      out += escape;
      ++i;
    } else if (const std::size_t length = utf8_locale && c >= 0x80 ? utf8_sequence(text, i) : 0;
               length > 1) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      append_octal(out, c);
      ++i;
    }
  }
  out += utf8_locale ? "\u2019" : "'";
  return out;
}

std::string error_text(int error) {
  return std::generic_category().message(error);
}

}  // namespace tempfile::cli
