// CPython's stateless CJK multibyte codecs (shift_jis, cp932, euc_jp, big5, cp950, big5hkscs,
// gb2312, gbk, gb18030, euc_kr, cp949, johab) as TableCodec steps over tables generated from
// CPython's own codecs (scripts/codecs/generate_cjk_tables.py), so that each one decodes and
// encodes exactly as python3's codec of that name, error ranges and reasons included.
#pragma once

#include <cstddef>
#include <string_view>

#include "io/table_codec.hpp"

namespace tempfile::io {

/// The codec of the Python module `module` (the encodings.<module> name, e.g. "shift_jis",
/// "euc_jp"), or nullptr if it is not one of ours. euc_kr is not returned: CPython encodes the
/// Hangul syllables outside KS X 1001 as 8-byte make-up sequences, longer than an EncodeStep
/// holds (see find_cjk_codec).
[[nodiscard]] const TableCodec* find_cjk_table_codec(std::string_view module) noexcept;

/// An encoding of up to 8 bytes (euc_kr's make-up sequences; every other code is at most 4).
struct LongEncodeStep {
  EncodeStep step;                   // `length` is 0 when the code does not fit in `step`
  std::size_t long_length = 0;       // the code's length when it does not fit
  unsigned char long_bytes[8] = {};  // the code, when it does not fit
};

/// The CJK codec of `module`, euc_kr included, with the encode step that can return 8 bytes.
class CjkCodec : public TableCodec {
 public:
  [[nodiscard]] virtual LongEncodeStep encode_long(const char32_t* code_points, std::size_t size,
                                                   bool final) const noexcept = 0;
};
[[nodiscard]] const CjkCodec* find_cjk_codec(std::string_view module) noexcept;

}  // namespace tempfile::io
