// SPDX-License-Identifier: MIT
// Python's _mkstemp_inner and mkdtemp loop: create an entry under a fresh name, retrying only
// on EEXIST. Shared by mkstemp/mkdtemp now and by the temporary-object classes later.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "create/names.hpp"
#include "os/fd.hpp"
#include "tempfile/options.hpp"

namespace tempfile::create {

enum class EntryKind { file, directory };

struct NamePattern {
  std::string_view function;  // for error messages: "mkstemp", "NamedTemporaryFile"...
  const std::optional<std::string>& prefix;
  const std::optional<std::string>& suffix;
  const std::optional<std::filesystem::path>& dir;
};

struct CreatedEntry {
  os::FileDescriptor fd;  // open for a file, empty for a directory
  std::string path;       // absolute
};

/// Creates a file (O_EXCL, 0600) or directory (0700) named dir/prefix+name+suffix, trying up
/// to TMP_MAX names from `names`. Throws std::invalid_argument for a prefix or suffix with
/// '/' or NUL or a dir with a NUL, tempfile::error with ENAMETOOLONG for a name longer than a
/// file-name component may be (both before any entry is tried), tempfile::error for any OS
/// failure other than EEXIST, and tempfile::error with EEXIST when every name was taken.
[[nodiscard]] CreatedEntry create_unique(EntryKind kind, const NamePattern& pattern,
                                         NameSource& names);

/// The directory a new entry goes to, absolute: `dir` made absolute, or gettempdir(). Throws
/// std::invalid_argument naming `function` for a `dir` with a NUL (check_path_argument).
[[nodiscard]] std::string resolve_directory(std::string_view function,
                                            const std::optional<std::filesystem::path>& dir);

/// Python's mktemp loop: the first absolute candidate for which lstat finds nothing.
[[nodiscard]] std::string unused_name(const MktempOptions& options, NameSource& names);

}  // namespace tempfile::create
