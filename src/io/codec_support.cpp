// SPDX-License-Identifier: MIT
// What every coder shares: UTF-8 scanning, CPython's error messages and error handlers, and
// the buffered decoder (see codec_support.hpp).
#include "io/codec_support.hpp"

#include <cstring>
#include <stdexcept>

#include "io/unicode_names.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io::detail {

std::uint32_t read_unit(const unsigned char* data, std::size_t size, bool big_endian) {
  std::uint32_t value = 0;
  for (std::size_t k = 0; k < size; ++k) {
    const std::size_t shift = big_endian ? size - 1 - k : k;
    value |= std::uint32_t{data[k]} << (8U * shift);
  }
  return value;
}

namespace {

std::string hex(std::uint32_t value, int digits) {
  constexpr std::string_view hex_digits = "0123456789abcdef";
  std::string text(static_cast<std::size_t>(digits), '0');
  for (std::size_t i = text.size(); i-- > 0;) {
    text[i] = hex_digits[value & 0xFU];
    value >>= 4U;
  }
  return text;
}

// Python's repr() escape of one character, also what backslashreplace writes.
std::string python_escape(char32_t code_point) {
  if (code_point <= 0xFF) {
    return "\\x" + hex(code_point, 2);
  }
  if (code_point <= 0xFFFF) {
    return "\\u" + hex(code_point, 4);
  }
  return "\\U" + hex(code_point, 8);
}

void append_escaped_byte(std::string& out, unsigned char byte) {
  append_utf8(out, 0xDC00U + byte);
}

// The surrogate encoded at data[start] in a codec's own form (surrogatepass), if any.
bool passed_surrogate(std::string_view data, std::size_t start, std::size_t unit, bool big_endian,
                      char32_t& code_point) {
  if (unit == 0 || data.size() - start < unit) {
    return false;
  }
  const unsigned char* bytes = bytes_of(data) + start;
  if (unit == 3) {
    if (bytes[0] != 0xED || bytes[1] < 0xA0 || bytes[1] > 0xBF || (bytes[2] & 0xC0U) != 0x80) {
      return false;
    }
    code_point = 0xD000U | ((char32_t{bytes[1]} & 0x3FU) << 6U) | (char32_t{bytes[2]} & 0x3FU);
    return true;
  }
  code_point = read_unit(bytes, unit, big_endian);
  return is_surrogate(code_point);
}

}  // namespace

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

[[noreturn]] void throw_decode_only_handler(ErrorHandler /*errors*/) {
  // CPython raises TypeError here; it is not a UnicodeError.
  throw std::invalid_argument(
      "tempfile: don't know how to handle UnicodeDecodeError in error callback");
}

[[noreturn]] void throw_not_text() {
  throw std::invalid_argument("tempfile: text is not valid UTF-8");
}

std::size_t skip_ascii(const unsigned char* data, std::size_t i, std::size_t size) noexcept {
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

Sequence scan_sequence(const unsigned char* data, std::size_t available,
                       bool allow_surrogates) noexcept {
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

std::u32string code_points_of(std::string_view text) {
  std::u32string code_points;
  code_points.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Char c = next_char(text, i);
    code_points += c.code_point;
    i += c.length;
  }
  return code_points;
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0U | (code_point >> 6U));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0U | (code_point >> 12U));
    out += static_cast<char>(0x80U | ((code_point >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  } else {
    out += static_cast<char>(0xF0U | (code_point >> 18U));
    out += static_cast<char>(0x80U | ((code_point >> 12U) & 0x3FU));
    out += static_cast<char>(0x80U | ((code_point >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (code_point & 0x3FU));
  }
}

std::string name_escape(char32_t code_point) {
  std::string escape = "\\N{";
  if (!append_namereplace_name(code_point, escape)) {
    return python_escape(code_point);
  }
  escape += '}';
  return escape;
}

std::size_t on_decode_error(ErrorHandler errors, std::string_view codec, std::string_view data,
                            std::size_t start, std::size_t end, std::string_view reason,
                            std::string& out, std::size_t surrogate_unit, bool big_endian) {
  switch (errors) {
    case ErrorHandler::strict:
      break;
    case ErrorHandler::replace:
      out += replacement_character;
      return end;
    case ErrorHandler::ignore:
      return end;
    case ErrorHandler::backslashreplace:
      for (std::size_t k = start; k < end; ++k) {
        out += python_escape(bytes_of(data)[k]);
      }
      return end;
    case ErrorHandler::xmlcharrefreplace:
    case ErrorHandler::namereplace:
      throw_decode_only_handler(errors);
    case ErrorHandler::surrogatepass: {
      char32_t code_point = 0;
      if (passed_surrogate(data, start, surrogate_unit, big_endian, code_point)) {
        append_utf8(out, code_point);
        return start + surrogate_unit;
      }
      break;
    }
    case ErrorHandler::surrogateescape: {
      // CPython escapes the leading bytes 0x80..0xFF of the range (at most 4) and resumes
      // after them; when the range starts with an ASCII byte it fails as strict.
      constexpr std::size_t most_escaped = 4;
      std::size_t resume = start;
      while (resume < end && resume - start < most_escaped && bytes_of(data)[resume] >= 0x80) {
        append_escaped_byte(out, bytes_of(data)[resume]);
        ++resume;
      }
      if (resume != start) {
        return resume;
      }
      break;
    }
  }
  throw_decode_error(codec, data, start, end, reason);
}

EncodeReplacement on_encode_error(ErrorHandler errors, std::string_view codec,
                                  std::string_view reason, const char32_t* run, std::size_t start,
                                  std::size_t end, bool (*raw_surrogate)(char32_t, std::string&)) {
  EncodeReplacement replacement;
  switch (errors) {
    case ErrorHandler::strict:
      break;
    case ErrorHandler::replace:
      replacement.text.assign(end - start, U'?');
      return replacement;
    case ErrorHandler::ignore:
      return replacement;
    case ErrorHandler::backslashreplace:
      for (std::size_t k = 0; k < end - start; ++k) {
        for (const char c : python_escape(run[k])) {
          replacement.text += static_cast<char32_t>(c);
        }
      }
      return replacement;
    case ErrorHandler::xmlcharrefreplace:
      for (std::size_t k = 0; k < end - start; ++k) {
        for (const char c : "&#" + std::to_string(run[k]) + ";") {
          replacement.text += static_cast<char32_t>(c);
        }
      }
      return replacement;
    case ErrorHandler::namereplace:
      for (std::size_t k = 0; k < end - start; ++k) {
        for (const char c : name_escape(run[k])) {
          replacement.text += static_cast<char32_t>(c);
        }
      }
      return replacement;
    case ErrorHandler::surrogateescape: {
      replacement.raw = true;
      std::size_t k = 0;
      while (k < end - start && is_escaped_byte(run[k])) {
        replacement.bytes += static_cast<char>(run[k] & 0xFFU);
        ++k;
      }
      if (k == end - start) {
        return replacement;
      }
      break;
    }
    case ErrorHandler::surrogatepass: {
      replacement.raw = true;
      std::size_t k = 0;
      while (raw_surrogate != nullptr && k < end - start && is_surrogate(run[k]) &&
             raw_surrogate(run[k], replacement.bytes)) {
        ++k;
      }
      if (k == end - start) {
        return replacement;
      }
      break;
    }
  }
  throw_encode_error(codec, run[0], start, end, reason);
}

void BufferedDecoder::decode(std::string_view input, bool final, std::string& out) {
  std::string joined;
  std::string_view data = input;
  if (!pending_.empty()) {
    joined.reserve(pending_.size() + input.size());
    joined.append(pending_).append(input);
    data = joined;
  }
  const std::size_t mark = out.size();
  const std::uint64_t flags = flags_;
  kept_flags_.reset();
  try {
    const std::size_t consumed = decode_buffer(data, final, out);
    pending_.assign(data.substr(consumed));
  } catch (...) {
    out.resize(mark);
    flags_ = kept_flags_.value_or(flags);
    throw;
  }
}

void BufferedDecoder::set_state(const State& state) {
  pending_ = state.pending;
  flags_ = accept_flags(state.flags);
}

void BufferedDecoder::reset() {
  pending_.clear();
  flags_ = initial_flags_;
}

}  // namespace tempfile::io::detail
