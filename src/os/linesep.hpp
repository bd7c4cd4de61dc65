// SPDX-License-Identifier: MIT
// The platform's line separator, Python's os.linesep: what text mode writes for "\n" when its
// newline is None. "\r\n" on Windows, "\n" elsewhere.
#pragma once

#include <string_view>

namespace tempfile::os {

#ifdef _WIN32
inline constexpr std::string_view line_separator = "\r\n";
#else
inline constexpr std::string_view line_separator = "\n";
#endif

}  // namespace tempfile::os
