// SPDX-License-Identifier: MIT
// The layout of the CJK codec tables that scripts/codecs/generate_cjk_tables.py derives from
// CPython's codecs (src/io/cjk_tables_<family>.cpp), read by the step functions of
// src/io/cjk_codecs.cpp. Keep it in step with the generator.
#pragma once

#include <cstdint>
#include <span>

namespace tempfile::io::detail {

/// The bytes after a lead byte: values for trail bytes first..last, `outside` for the others.
struct CjkDecodePage {
  std::uint32_t offset;  // into CjkTables::decode_values
  std::uint8_t first;
  std::uint8_t last;
  std::uint16_t outside;
};

/// The code points of one 256-code-point page that encode: first..last (others do not).
struct CjkEncodePage {
  std::uint32_t offset;  // into CjkTables::encode_values
  std::uint8_t first;
  std::uint8_t last;
};

/// Two code points that CPython's encoder writes as one code (big5hkscs).
struct CjkPair {
  char32_t first;
  char32_t second;
  std::uint16_t code;
};

/// gb18030 four-byte form, decoding: from linear index `linear` on, code points follow from
/// `code_point` (0: the indexes up to the next run do not decode).
struct CjkFourByteRun {
  std::uint32_t linear;
  char32_t code_point;
};

/// gb18030 four-byte form, encoding: code points first..last are linear indexes from `linear`.
struct CjkFourByteEncodeRun {
  char32_t first;
  char32_t last;
  std::uint32_t linear;
};

/// Trie node entries (uint32): the kind in the top 4 bits, a payload in the low 28.
enum class CjkNodeKind : std::uint8_t { character = 0, error = 1, page = 2, node = 3 };
inline constexpr unsigned cjk_node_kind_shift = 28;
inline constexpr std::uint32_t cjk_node_payload_mask = (std::uint32_t{1} << 28) - 1;

/// Page values (uint16): a BMP code point, or an escape in the surrogate range (no CJK codec
/// decodes to a surrogate).
inline constexpr std::uint16_t cjk_extra_base = 0xD800;   // + index into extras (pairs of)
inline constexpr std::uint16_t cjk_extra_limit = 0xDF00;  // end of the extras escapes
inline constexpr std::uint16_t cjk_error_base = 0xDF00;   // + error length in bytes
inline constexpr std::uint16_t cjk_four_byte = 0xDFF0;    // gb18030's four-byte form starts
inline constexpr std::uint16_t cjk_makeup = 0xDFF1;       // euc_kr's make-up sequence starts

/// Encode values (uint16): none, one byte (< 0x100), a long code (index from
/// cjk_long_code_base), or two bytes (>= 0x8000: every two-byte lead is >= 0x80).
inline constexpr std::uint16_t cjk_unencodable = 0xFFFF;
inline constexpr std::uint16_t cjk_long_code_base = 0x100;
inline constexpr std::uint16_t cjk_two_byte_base = 0x8000;

/// euc_kr's make-up tables: a byte that is no jamo of that position.
inline constexpr std::uint8_t cjk_no_jamo = 0xFF;

struct CjkTables {
  std::span<const std::uint16_t> decode_values;  // shared by a family of codecs
  std::span<const std::uint16_t> encode_values;  // shared by a family of codecs
  std::span<const std::uint32_t> nodes;          // 256 entries per node; node 0: first byte
  std::span<const CjkDecodePage> decode_pages;
  std::span<const char32_t> extras;             // two per extra: code points (second 0 when single)
  std::span<const std::uint16_t> encode_index;  // page per code point >> 8
  std::span<const CjkEncodePage> encode_pages;
  std::span<const std::uint64_t> long_codes;  // big-endian bytes, leading byte >= 0x80
  std::span<const CjkPair> pairs;             // sorted by (first, second)
  std::span<const CjkFourByteRun> four_byte_decode;
  std::span<const CjkFourByteEncodeRun> four_byte_encode;
  std::span<const std::uint8_t> makeup_choseong;  // jamo index per byte, cjk_no_jamo: none
  std::span<const std::uint8_t> makeup_jungseong;
  std::span<const std::uint8_t> makeup_jongseong;
};

extern const CjkTables cjk_tables_shift_jis;
extern const CjkTables cjk_tables_cp932;
extern const CjkTables cjk_tables_euc_jp;
extern const CjkTables cjk_tables_big5;
extern const CjkTables cjk_tables_cp950;
extern const CjkTables cjk_tables_big5hkscs;
extern const CjkTables cjk_tables_gb2312;
extern const CjkTables cjk_tables_gbk;
extern const CjkTables cjk_tables_gb18030;
extern const CjkTables cjk_tables_euc_kr;
extern const CjkTables cjk_tables_cp949;
extern const CjkTables cjk_tables_johab;

}  // namespace tempfile::io::detail
