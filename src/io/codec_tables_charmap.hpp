// SPDX-License-Identifier: MIT
// The byte tables of CPython's single-byte (charmap) codecs, defined in the generated
// codec_tables_charmap.cpp (scripts/codecs/generate_tables.py).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tempfile::io::detail {

/// A code point and the byte it encodes to.
struct CharmapPair {
  std::uint16_t code_point;
  std::uint8_t byte;
};

struct CharmapTable {
  std::string_view module;  // encodings.<module>
  /// Byte -> code point; 0xFFFE where the byte is undefined (CPython's own mark).
  const char16_t* decode;
  /// Code point -> byte, sorted by code point.
  const CharmapPair* encode;
  std::size_t encode_size;
};

inline constexpr char16_t charmap_undefined = 0xFFFE;

/// Sorted by module.
extern const CharmapTable charmap_tables[];
extern const std::size_t charmap_table_count;

}  // namespace tempfile::io::detail
