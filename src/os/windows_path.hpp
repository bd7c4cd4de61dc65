// SPDX-License-Identifier: MIT
// Windows-only helper of the OS layer: a UTF-8 path as the wide-character (W) calls take it,
// long ones included.
#pragma once

#include <string>
#include <string_view>

#include "os/errno.hpp"

namespace tempfile::os::windows {

/// The path `utf8` widened for a W call (widen, os/windows_error.hpp). A path that would reach
/// the classic limits (MAX_PATH, 260 characters, and 248 for a directory to create, counting from
/// the full path) is made full (GetFullPathNameW: relative to the current directory, '/' as '\',
/// "." and ".." resolved, as the W calls would) and given the `\\?\` prefix (`\\?\UNC\` for a
/// share), which lifts the limit without a manifest; a path that has a `\\?\` or `\\.\` prefix
/// already is left as it is. EILSEQ for a path that is not UTF-8. Throws std::bad_alloc.
[[nodiscard]] Errno widen_path(std::string_view utf8, std::wstring& out);

}  // namespace tempfile::os::windows
