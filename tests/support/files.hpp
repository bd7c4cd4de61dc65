// SPDX-License-Identifier: MIT
// Whole-file reads and writes for tests that check what is on disk (through the standard
// library, not ours, so that the library under test never checks itself).
#pragma once

#include <filesystem>
#include <string>

namespace tempfile::test {

/// Every byte of `path` ("" when it cannot be read).
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

/// Creates (0644 less the umask) or truncates `path` and writes all of `content` to it;
/// throws std::filesystem::filesystem_error when it cannot.
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace tempfile::test
