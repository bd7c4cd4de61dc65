// SPDX-License-Identifier: MIT
// Python's open() mode grammar ("r", "w", "x", "a", "+", "b", "t"), parsed once at
// construction so that a bad mode fails before any file exists.
#pragma once

#include <string>
#include <string_view>

namespace tempfile::io {

struct OpenMode {
  enum class Access : unsigned char { read, write, create, append };

  Access access = Access::write;
  bool update = false;  // '+': reading and writing
  bool binary = false;  // 'b'; otherwise text ('t' or nothing)

  [[nodiscard]] bool readable() const noexcept { return access == Access::read || update; }
  [[nodiscard]] bool writable() const noexcept { return access != Access::read || update; }

  /// Python's FileIO.mode for this mode: "rb", "rb+", "wb", "xb", "xb+", "ab", "ab+"; a "w+"
  /// file reports "rb+", as CPython 3.11-3.14 do (3.15 says "wb+").
  [[nodiscard]] std::string raw_mode() const;
};

/// Parses `mode` with the grammar and error texts of CPython's io.open: each of "rwxab+t" at
/// most once, exactly one of r/w/x/a, not both b and t. Throws std::invalid_argument
/// ("tempfile: invalid mode: 'rr'", "tempfile: must have exactly one of create/read/write/append
/// mode: 'wr'", ...).
[[nodiscard]] OpenMode parse_mode(std::string_view mode);

}  // namespace tempfile::io
