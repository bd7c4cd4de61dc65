// SPDX-License-Identifier: MIT
// Python's encoding names (normalisation and aliases) and the codecs we implement for them.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tempfile::io::detail {

/// How a Python codec is implemented here, and whose error conventions it follows.
enum class Family : unsigned char {
  utf8,      // our own code
  utf8_sig,  // our own code, plus the byte-order mark
  latin1,    // our own code
  ascii,     // our own code
  charmap,   // tables generated from CPython's single-byte "charmap" codecs ('charmap' in
             // error messages)
  utf16,     // our own code (utf-16, utf-16-le, utf-16-be)
  utf32,     // our own code (utf-32, utf-32-le, utf-32-be)
  utf7,      // our own code
  cjk,       // tables generated from CPython's stateless CJK codecs
  refused,   // a codec Python has whose behaviour we cannot reproduce exactly: lookup throws
};

struct PythonCodec {
  std::string_view module;  // encodings.<module>
  std::string_view name;    // codecs.lookup(...).name
  Family family;
};

/// encodings.normalize_encoding after CPython's lower-casing: runs of characters other than
/// ASCII letters, digits and '.' become one '_', none at either end. Non-ASCII bytes count as
/// punctuation.
[[nodiscard]] std::string normalize_encoding(std::string_view encoding);

/// The codec Python would find for `encoding` among those we serve, or nullptr.
[[nodiscard]] const PythonCodec* find_python_codec(std::string_view encoding);

/// Whether `encoding` names a codec Python has that we do not serve (e.g. "hz", "idna",
/// "base64"): such names are refused, with the reason.
[[nodiscard]] bool is_unserved_python_codec(std::string_view encoding);

/// Every codec we serve under a Python name, sorted by module (for tests that prove them).
[[nodiscard]] std::span<const PythonCodec> python_codecs() noexcept;

}  // namespace tempfile::io::detail
