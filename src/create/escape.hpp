// SPDX-License-Identifier: MIT
// How names from the file system appear in messages: escaped, so that a hostile entry name
// cannot forge log lines or corrupt a terminal.
#pragma once

#include <string>
#include <string_view>

namespace tempfile::create {

/// `text` as it may appear between single quotes in an error message: printable ASCII and
/// valid UTF-8 stay as they are; '\\' and '\'' get a backslash; \n, \r and \t become "\\n",
/// "\\r" and "\\t"; any other control byte (NUL included), and every byte that is not part of
/// valid UTF-8, becomes "\\xHH"; the C1 controls and the line and paragraph separators
/// (U+0080..U+009F, U+2028, U+2029) become "\\uHHHH". As Python's repr() of a path.
[[nodiscard]] std::string escaped(std::string_view text);

/// Appends escaped(text) to `out`.
void append_escaped(std::string& out, std::string_view text);

}  // namespace tempfile::create
