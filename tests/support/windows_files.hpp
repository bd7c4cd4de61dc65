// SPDX-License-Identifier: MIT
// Windows tests' access to a file by its name, as another program would open it (never through
// the library): reading it whole, writing at its start, creating one of someone else's.
#pragma once

#include <filesystem>
#include <string>

namespace tempfile::test {

/// Every byte of `path`, read by another open of the name that shares reading, writing and
/// deletion (as Python's open() on Windows shares the first two; deletion too, so that the
/// library's removal is not refused meanwhile). Fails the running test and returns what it got
/// when Windows refuses.
[[nodiscard]] std::string read_by_name(const std::filesystem::path& path);

/// Writes `bytes` at the start of the existing file `path`, through another open of the name
/// shared as read_by_name's. Fails the running test when Windows refuses.
void overwrite_by_name(const std::filesystem::path& path, const std::string& bytes);

/// Creates (or truncates) `path` holding `bytes`, opened without sharing, as a file of
/// someone else's. Fails the running test when Windows refuses.
void create_by_name(const std::filesystem::path& path, const std::string& bytes);

/// Whether anything has the name `path` (GetFileAttributesW: a link is there itself, whatever
/// it points to).
[[nodiscard]] bool entry_exists(const std::filesystem::path& path);

/// A directory link at `link` to `target`: a symbolic link where the system makes one (`how`
/// says "symbolic link"), else a junction, an empty directory given a mount-point reparse point,
/// which needs no privilege ("junction"). False when it makes neither (wine 8:
/// CreateSymbolicLinkW answers TRUE and makes nothing, FSCTL_SET_REPARSE_POINT is not supported).
[[nodiscard]] bool make_directory_link(const std::filesystem::path& link,
                                       const std::filesystem::path& target, std::string& how);

}  // namespace tempfile::test
