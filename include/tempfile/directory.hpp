// SPDX-License-Identifier: MIT
/// tempfile::Directory: a directory held open by descriptor, to create temporaries in without
/// resolving its path again.
/// @file
#pragma once

#include <filesystem>
#include <memory>

#include "tempfile/export.hpp"

namespace tempfile {

/// A directory opened once from a path and held by descriptor, for the `dir` option of every
/// creation function and class: `tempfile::NamedTemporaryFile f({.dir = out})` then creates
/// with `openat(descriptor, name)`, `mkdirat`, or `O_TMPFILE` on the descriptor, so renaming
/// a directory on the way, or replacing one by a symbolic link after the open, cannot redirect
/// the creation anywhere else (docs/held-directories.md). Names stay absolute paths: the path
/// the directory was opened from, made absolute, plus the new name.
///
/// The path's symbolic links are followed once, at the open. On Linux the descriptor is an
/// O_PATH one, so a directory that may be written and searched but not listed can be held.
/// Move-only; the descriptor is closed with the object.
class TEMPFILE_API Directory {
 public:
  /// Opens `path` (made absolute lexically, as Python's os.path.abspath). Errors:
  /// std::invalid_argument for an empty path or one with a NUL; tempfile::error (path1() the
  /// path) when it cannot be opened or is not a directory.
  explicit Directory(const std::filesystem::path& path);
  /// Takes over `other`'s descriptor; `other` holds nothing afterwards. A DirOption made from
  /// `other` follows the descriptor here.
  Directory(Directory&& other) noexcept;
  /// Closes what this object held, then takes over `other`'s descriptor.
  Directory& operator=(Directory&& other) noexcept;
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;
  /// Closes the descriptor.
  ~Directory();

  /// The absolute path it was opened from; empty for a moved-from object.
  [[nodiscard]] const std::filesystem::path& path() const noexcept;
  /// The descriptor, for the user's own *at calls; -1 for a moved-from object. Still owned by
  /// this object.
  [[nodiscard]] int native_handle() const noexcept;

 private:
  friend class DirOption;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tempfile
