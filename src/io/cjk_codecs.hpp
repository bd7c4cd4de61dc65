// SPDX-License-Identifier: MIT
// CPython's stateless CJK multibyte codecs (shift_jis, cp932, euc_jp, big5, cp950, big5hkscs,
// gb2312, gbk, gb18030, euc_kr, cp949, johab) as TableCodec steps over tables generated from
// CPython's own codecs (scripts/codecs/generate_cjk_tables.py), so that each one decodes and
// encodes exactly as python3's codec of that name, error ranges and reasons included.
#pragma once

#include <string_view>

#include "io/table_codec.hpp"

namespace tempfile::io {

/// The codec of the Python module `module` (the encodings.<module> name, e.g. "shift_jis",
/// "euc_jp"), or nullptr if it is not one of ours.
[[nodiscard]] const TableCodec* find_cjk_table_codec(std::string_view module) noexcept;

}  // namespace tempfile::io
