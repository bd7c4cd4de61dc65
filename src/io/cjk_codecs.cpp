// SPDX-License-Identifier: MIT
// The step functions of CPython's stateless CJK codecs, read from the tables that
// scripts/codecs/generate_cjk_tables.py derived from python3's codecs (io/cjk_tables.hpp).
// Decoding walks a byte trie whose leaves say what CPython's decoder does at that point: a
// character, an error of its length, or the start of an algorithmic form (gb18030's four
// bytes, euc_kr's make-up sequence). CPython's decoders ask for the whole character before
// judging it, so data ending inside the trie waits (or, when final, is one "incomplete
// multibyte sequence" error over all the remaining bytes, as CPython's is).
#include "io/cjk_codecs.hpp"

#include <algorithm>
#include <array>
#include <iterator>

#include "io/cjk_tables.hpp"

namespace tempfile::io {
namespace {

using detail::CjkTables;

constexpr std::string_view illegal_sequence = "illegal multibyte sequence";
constexpr std::string_view incomplete_sequence = "incomplete multibyte sequence";

DecodeStep decoded(std::size_t consumed, char32_t first, char32_t second = 0) noexcept {
  DecodeStep step;
  step.kind = DecodeStep::Kind::character;
  step.consumed = static_cast<std::uint8_t>(consumed);
  step.count = second == 0 ? 1 : 2;
  step.code_points = {first, second};
  return step;
}

DecodeStep decode_error(std::size_t consumed) noexcept {
  DecodeStep step;
  step.kind = DecodeStep::Kind::error;
  step.consumed = static_cast<std::uint8_t>(consumed);
  step.reason = illegal_sequence;
  return step;
}

// The data ends inside a character: wait for more, or, when nothing follows, CPython's
// MBERR_TOOFEW error, whose range is everything left.
DecodeStep needs_more(std::size_t size, bool final) noexcept {
  DecodeStep step;
  if (final) {
    step.kind = DecodeStep::Kind::error;
    step.consumed = static_cast<std::uint8_t>(size);
    step.reason = incomplete_sequence;
  } else {
    step.kind = DecodeStep::Kind::incomplete;
  }
  return step;
}

EncodeStep encode_error() noexcept {
  EncodeStep step;
  step.reason = illegal_sequence;
  return step;
}

// gb18030's four-byte form, b1 b2 b3 b4 with b2 and b4 digits: a linear index into the
// BMP code points that have no two-byte code (b1 0x81..0x84), or into U+10000.. (b1 0x90..).
constexpr std::uint32_t four_byte_block = 12600;  // indexes per first byte: 10 * 126 * 10
constexpr std::uint32_t four_byte_supplementary_start = 15 * four_byte_block;  // b1 = 0x90
constexpr std::uint32_t four_byte_bmp_limit = 4 * four_byte_block;             // b1 < 0x85
constexpr std::uint32_t no_linear = 0xFFFFFFFF;                                // no four-byte code

class TableDrivenCjkCodec final : public TableCodec {
 public:
  constexpr explicit TableDrivenCjkCodec(const CjkTables& tables) noexcept : tables_(tables) {}

  DecodeStep decode(const unsigned char* data, std::size_t size,
                    bool final) const noexcept override {
    std::uint32_t node = 0;
    std::size_t depth = 0;
    for (;;) {
      const std::uint32_t entry = tables_.nodes[(std::size_t{node} << 8U) | data[depth]];
      ++depth;
      const std::uint32_t payload = entry & detail::cjk_node_payload_mask;
      switch (static_cast<detail::CjkNodeKind>(entry >> detail::cjk_node_kind_shift)) {
        case detail::CjkNodeKind::character:
          return decoded(depth, static_cast<char32_t>(payload));
        case detail::CjkNodeKind::error:
          return decode_error(payload);
        case detail::CjkNodeKind::node:
          if (depth == size) {
            return needs_more(size, final);
          }
          node = payload;
          continue;
        case detail::CjkNodeKind::page:
          break;
      }
      if (depth == size) {
        return needs_more(size, final);
      }
      const detail::CjkDecodePage& page = tables_.decode_pages[payload];
      const unsigned char trail = data[depth];
      ++depth;
      const std::uint16_t value = trail >= page.first && trail <= page.last
                                      ? tables_.decode_values[page.offset + (trail - page.first)]
                                      : page.outside;
      return decode_value(value, depth, data, size, final);
    }
  }

  EncodeStep encode(const char32_t* code_points, std::size_t size,
                    bool final) const noexcept override {
    const char32_t code_point = code_points[0];
    EncodeStep result;
    if (!tables_.pairs.empty()) {
      const auto starter = std::lower_bound(
          tables_.pairs.begin(), tables_.pairs.end(), code_point,
          [](const detail::CjkPair& pair, char32_t cp) { return pair.first < cp; });
      if (starter != tables_.pairs.end() && starter->first == code_point) {
        if (size >= 2) {
          for (auto pair = starter; pair != tables_.pairs.end() && pair->first == code_point;
               ++pair) {
            if (pair->second == code_points[1]) {
              write(result, pair->code, 2);
              result.used = 2;
              return result;
            }
          }
        } else if (!final) {
          return result;  // the next code point decides: wait for it
        }
      }
    }
    const std::uint16_t value = lookup(code_point);
    if (value == detail::cjk_unencodable) {
      if (!tables_.four_byte_encode.empty()) {
        if (const std::uint32_t linear = four_byte_linear(code_point); linear != no_linear) {
          write_four_byte(result, linear);
          result.used = 1;
          return result;
        }
      }
      return encode_error();
    }
    if (value < detail::cjk_long_code_base) {
      write(result, value, 1);
    } else if (value >= detail::cjk_two_byte_base) {
      write(result, value, 2);
    } else {
      const std::uint64_t code = tables_.long_codes[value - detail::cjk_long_code_base];
      std::size_t length = 1;
      while (length < result.bytes.size() && (code >> (8 * length)) != 0) {
        ++length;
      }
      write(result, code, length);
    }
    result.used = 1;
    return result;
  }

 private:
  DecodeStep decode_value(std::uint16_t value, std::size_t depth, const unsigned char* data,
                          std::size_t size, bool final) const noexcept {
    if (value < detail::cjk_extra_base || value >= 0xE000) {
      return decoded(depth, value);
    }
    if (value < detail::cjk_extra_limit) {
      const std::size_t extra = 2 * static_cast<std::size_t>(value - detail::cjk_extra_base);
      return decoded(depth, tables_.extras[extra], tables_.extras[extra + 1]);
    }
    if (value == detail::cjk_four_byte) {
      return decode_four_byte(data, size, final);
    }
    if (value == detail::cjk_makeup) {
      return decode_makeup(data, size, final);
    }
    return decode_error(static_cast<std::size_t>(value - detail::cjk_error_base));
  }

  // b1 in 0x80..0xFF and b2 a digit: CPython reads all four bytes, then any invalid byte or
  // index is a one-byte error.
  DecodeStep decode_four_byte(const unsigned char* data, std::size_t size,
                              bool final) const noexcept {
    if (size < 4) {
      return needs_more(size, final);
    }
    const unsigned b1 = data[0];
    const unsigned b2 = data[1];
    const unsigned b3 = data[2];
    const unsigned b4 = data[3];
    if (b1 < 0x81 || b1 > 0xFE || b3 < 0x81 || b3 > 0xFE || b4 < 0x30 || b4 > 0x39) {
      return decode_error(1);
    }
    const std::uint32_t linear =
        (((b1 - 0x81) * 10 + (b2 - 0x30)) * 126 + (b3 - 0x81)) * 10 + (b4 - 0x30);
    if (linear < four_byte_bmp_limit) {
      const auto run = std::prev(std::upper_bound(
          tables_.four_byte_decode.begin(), tables_.four_byte_decode.end(), linear,
          [](std::uint32_t l, const detail::CjkFourByteRun& r) { return l < r.linear; }));
      if (run->code_point == 0) {
        return decode_error(1);
      }
      return decoded(4, run->code_point + (linear - run->linear));
    }
    if (linear >= four_byte_supplementary_start &&
        linear - four_byte_supplementary_start <= 0x10FFFF - 0x10000) {
      return decoded(4, 0x10000 + (linear - four_byte_supplementary_start));
    }
    return decode_error(1);
  }

  // euc_kr's KS X 1001:1998 Annex 3 make-up sequence A4 D4 A4 cho A4 jung A4 jong: CPython
  // reads all eight bytes, then anything amiss is a one-byte error.
  DecodeStep decode_makeup(const unsigned char* data, std::size_t size, bool final) const noexcept {
    constexpr std::size_t makeup_length = 8;
    constexpr unsigned char jamo_lead = 0xA4;
    if (size < makeup_length) {
      return needs_more(size, final);
    }
    if (data[2] != jamo_lead || data[4] != jamo_lead || data[6] != jamo_lead) {
      return decode_error(1);
    }
    const unsigned initial = tables_.makeup_choseong[data[3]];
    const unsigned medial = tables_.makeup_jungseong[data[5]];
    const unsigned final_consonant = tables_.makeup_jongseong[data[7]];
    if (initial == detail::cjk_no_jamo || medial == detail::cjk_no_jamo ||
        final_consonant == detail::cjk_no_jamo) {
      return decode_error(1);
    }
    return decoded(makeup_length,
                   static_cast<char32_t>(0xAC00 + initial * 588 + medial * 28 + final_consonant));
  }

  std::uint16_t lookup(char32_t code_point) const noexcept {
    const std::size_t page_number = code_point >> 8U;
    if (page_number >= tables_.encode_index.size()) {
      return detail::cjk_unencodable;
    }
    const detail::CjkEncodePage& page = tables_.encode_pages[tables_.encode_index[page_number]];
    const unsigned low = code_point & 0xFFU;
    if (low < page.first || low > page.last) {
      return detail::cjk_unencodable;
    }
    return tables_.encode_values[page.offset + (low - page.first)];
  }

  // The linear index of gb18030's four-byte code for `code_point`, or no_linear.
  std::uint32_t four_byte_linear(char32_t code_point) const noexcept {
    if (code_point >= 0x10000) {
      return code_point <= 0x10FFFF ? four_byte_supplementary_start + (code_point - 0x10000)
                                    : no_linear;
    }
    const auto run = std::upper_bound(
        tables_.four_byte_encode.begin(), tables_.four_byte_encode.end(), code_point,
        [](char32_t cp, const detail::CjkFourByteEncodeRun& r) { return cp < r.first; });
    if (run == tables_.four_byte_encode.begin() || std::prev(run)->last < code_point) {
      return no_linear;
    }
    return std::prev(run)->linear + (code_point - std::prev(run)->first);
  }

  static void write_four_byte(EncodeStep& step, std::uint32_t linear) noexcept {
    step.bytes[3] = static_cast<unsigned char>(0x30 + linear % 10);
    linear /= 10;
    step.bytes[2] = static_cast<unsigned char>(0x81 + linear % 126);
    linear /= 126;
    step.bytes[1] = static_cast<unsigned char>(0x30 + linear % 10);
    step.bytes[0] = static_cast<unsigned char>(0x81 + linear / 10);
    step.length = 4;
  }

  // `code`'s `length` bytes (at most 8: euc_kr's make-up sequences), big-endian, into the step.
  static void write(EncodeStep& step, std::uint64_t code, std::size_t length) noexcept {
    for (std::size_t i = 0; i < length; ++i) {
      step.bytes[i] = static_cast<unsigned char>(code >> (8 * (length - 1 - i)));
    }
    step.length = static_cast<std::uint8_t>(length);
  }

  const CjkTables& tables_;
};

struct NamedCodec {
  std::string_view module;
  const CjkTables* tables;
};

// Sorted by module name.
constexpr NamedCodec codecs[] = {
    {"big5", &detail::cjk_tables_big5},     {"big5hkscs", &detail::cjk_tables_big5hkscs},
    {"cp932", &detail::cjk_tables_cp932},   {"cp949", &detail::cjk_tables_cp949},
    {"cp950", &detail::cjk_tables_cp950},   {"euc_jp", &detail::cjk_tables_euc_jp},
    {"euc_kr", &detail::cjk_tables_euc_kr}, {"gb18030", &detail::cjk_tables_gb18030},
    {"gb2312", &detail::cjk_tables_gb2312}, {"gbk", &detail::cjk_tables_gbk},
    {"johab", &detail::cjk_tables_johab},   {"shift_jis", &detail::cjk_tables_shift_jis},
};
static_assert(std::size(codecs) == 12);  // one initializer each below
static_assert(std::is_sorted(std::begin(codecs), std::end(codecs),
                             [](const NamedCodec& a, const NamedCodec& b) {
                               return a.module < b.module;
                             }));

// One codec object per table, constant-initialized (each holds only its table's address) and
// never destroyed: no guard for a fork() to copy locked, and usable while files are flushed at
// exit.
union CjkInstances {
  constexpr CjkInstances() noexcept
      : each{
            TableDrivenCjkCodec(*codecs[0].tables),  TableDrivenCjkCodec(*codecs[1].tables),
            TableDrivenCjkCodec(*codecs[2].tables),  TableDrivenCjkCodec(*codecs[3].tables),
            TableDrivenCjkCodec(*codecs[4].tables),  TableDrivenCjkCodec(*codecs[5].tables),
            TableDrivenCjkCodec(*codecs[6].tables),  TableDrivenCjkCodec(*codecs[7].tables),
            TableDrivenCjkCodec(*codecs[8].tables),  TableDrivenCjkCodec(*codecs[9].tables),
            TableDrivenCjkCodec(*codecs[10].tables), TableDrivenCjkCodec(*codecs[11].tables),
        } {}
  CjkInstances(const CjkInstances&) = delete;
  CjkInstances& operator=(const CjkInstances&) = delete;
  CjkInstances(CjkInstances&&) = delete;
  CjkInstances& operator=(CjkInstances&&) = delete;
  ~CjkInstances() {}  // NOLINT(modernize-use-equals-default): must not destroy `each`
  std::array<TableDrivenCjkCodec, std::size(codecs)> each;
};
constinit const CjkInstances cjk_instances;

}  // namespace

const TableCodec* find_cjk_table_codec(std::string_view module) noexcept {
  const auto& instances = cjk_instances.each;
  const auto found =
      std::lower_bound(std::begin(codecs), std::end(codecs), module,
                       [](const NamedCodec& c, std::string_view m) { return c.module < m; });
  if (found == std::end(codecs) || found->module != module) {
    return nullptr;
  }
  return &instances[static_cast<std::size_t>(found - std::begin(codecs))];
}

}  // namespace tempfile::io
