// SPDX-License-Identifier: MIT
// Python's _mkstemp_inner and mkdtemp loop: create an entry under a fresh name, retrying only
// on EEXIST. Shared by mkstemp/mkdtemp now and by the temporary-object classes later.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "create/names.hpp"
#include "os/fd.hpp"
#include "os/sys.hpp"
#include "tempfile/options.hpp"

namespace tempfile::create {

/// Python's template: the prefix of a name when none is given (gettempprefix()).
inline constexpr std::string_view default_prefix = "tmp";

enum class EntryKind { file, directory };

struct NamePattern {
  std::string_view function;  // for error messages: "mkstemp", "NamedTemporaryFile"...
  const std::optional<std::string>& prefix;
  const std::optional<std::string>& suffix;
  const DirOption& dir;
};

struct CreatedEntry {
  os::FileDescriptor fd;  // open for a file, empty for a directory
  std::string path;       // absolute
  // The directory descriptor the entry was created relative to, and where its name starts in
  // `path`: os::current_directory_fd and 0 (the absolute path) unless `dir` was a held directory.
  int dirfd = os::current_directory_fd;
  std::size_t name_start = 0;
  [[nodiscard]] const char* at_name() const noexcept { return path.c_str() + name_start; }
};

/// A directory to create in: its absolute path, and the descriptor the *at calls go through
/// (a held directory's, else os::current_directory_fd with the path itself). The path is the
/// option's own text when that is already absolute and normal, or the held directory's (both
/// borrowed: valid while the option and the holder live, and not NUL-terminated), else made
/// here.
struct ResolvedDirectory {
  std::string made;
  std::string_view borrowed;
  int dirfd = os::current_directory_fd;
  [[nodiscard]] std::string_view path() const noexcept {
    return made.empty() ? borrowed : std::string_view(made);
  }
};

/// Creates a file (O_EXCL, 0600) or directory (0700) named dir/prefix+name+suffix, trying up
/// to TMP_MAX names from `names`. Throws std::invalid_argument for a prefix or suffix with
/// '/' or NUL or a dir with a NUL, tempfile::error with ENAMETOOLONG for a name longer than a
/// file-name component may be (both before any entry is tried), tempfile::error for any OS
/// failure other than EEXIST, and tempfile::error with EEXIST when every name was taken.
/// The path is laid out in `path_storage` (its text dropped): a caller whose path becomes a
/// file object's name, which gives its block back as it is destroyed, passes the thread's
/// spare (os::take_spare_string()) so that nothing is allocated; the others pass nothing.
[[nodiscard]] CreatedEntry create_unique(EntryKind kind, const NamePattern& pattern,
                                         NameSource& names, std::string&& path_storage = {});

/// A held directory that can still be used; tempfile::error (EBADF, `action` naming what
/// could not be done) once its owner closed it (cleaned up, moved from), so that a descriptor
/// number reused by another open is never written through. Shared by creation and persist().
[[nodiscard]] const detail::HeldDirectory& usable_held(
    std::string_view function, const DirOption& dir,
    const char* action = "cannot create in held directory");
/// The directory a new entry goes to: `dir` made absolute, a held directory, or gettempdir().
/// Throws std::invalid_argument naming `function` for a `dir` with a NUL (check_path_argument),
/// tempfile::error (EBADF) for a held directory whose owner closed it.
[[nodiscard]] ResolvedDirectory resolve_directory(std::string_view function, const DirOption& dir);

/// Python's mktemp loop: the first absolute candidate for which lstat finds nothing.
[[nodiscard]] std::string unused_name(const MktempOptions& options, NameSource& names);

}  // namespace tempfile::create
