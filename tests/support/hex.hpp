// SPDX-License-Identifier: MIT
// Bytes as lower-case hex, the form the python3 oracles print them in.
#pragma once

#include <string>
#include <string_view>

namespace tempfile::test {

inline std::string to_hex(std::string_view bytes) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex += digits[byte >> 4U];
    hex += digits[byte & 0xFU];
  }
  return hex;
}

}  // namespace tempfile::test
