// SPDX-License-Identifier: MIT
// Whole-file reads and writes, and the small checks on entries, for tests that look at what is on
// disk (through the standard library and the kernel, not ours, so the library never checks itself).
#pragma once

#include <filesystem>
#include <string>

namespace tempfile::test {

/// Every byte of `path` ("" when it cannot be read).
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

/// Creates (0644 less the umask) or truncates `path` and writes all of `content` to it;
/// throws std::filesystem::filesystem_error when it cannot.
void write_file(const std::filesystem::path& path, const std::string& content);

/// Whether anything (a symlink included, dangling or not) is at `path`: lstat succeeds.
[[nodiscard]] bool exists_no_follow(const std::filesystem::path& path);

/// errno's text, as strerror gives it but without strerror's shared buffer.
[[nodiscard]] std::string errno_text(int err);

}  // namespace tempfile::test
