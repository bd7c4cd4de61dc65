// SPDX-License-Identifier: MIT
// TemporaryFile and NamedTemporaryFile: Python's temporary file objects.
#pragma once

#include <filesystem>
#include <string_view>

#include "tempfile/export.hpp"
#include "tempfile/file.hpp"
#include "tempfile/options.hpp"

namespace tempfile {

/// Python: TemporaryFile(). A file with no name in the file system: on Linux an O_TMPFILE
/// file (opened without O_EXCL, so it could be linked into place later); elsewhere, or on a
/// file system without O_TMPFILE, created with mkstemp's rules and unlinked at once. Its
/// storage is freed when it is closed, whatever happens to the process.
///
/// name() is the descriptor number as text ("3"), as Python's `name` is the int fd: not a path
/// (std::filesystem::exists(f.name()) looks for a file "3" in the current directory). path()
/// is std::nullopt; fileno() is the descriptor.
///
/// Errors: a bad mode, buffering, encoding, errors or newline throws std::invalid_argument
/// before any file exists; OS failures throw tempfile::error (no fallback hides them: only
/// "O_TMPFILE unsupported here" falls back to create-and-unlink).
class TEMPFILE_API TemporaryFile : public File {
 public:
  TemporaryFile();
  explicit TemporaryFile(const TemporaryFileOptions& options);
  /// Python's positional mode: TemporaryFile("w+").
  explicit TemporaryFile(std::string_view mode);
};

/// Python: NamedTemporaryFile(). A file created like mkstemp (0600, O_EXCL, close-on-exec)
/// whose absolute path is name(), so other programs can open it while it exists.
///
/// Deletion (Python 3.12): with delete_ (default), the file is removed at close() when
/// delete_on_close (default), otherwise when the object is destroyed; with delete_ = false it
/// is kept. A file already removed by someone else is not an error. Only the process that
/// created it removes it: in a fork()ed child the destructor just closes the descriptor.
///
/// Move-only: a moved-from object owns nothing and does nothing.
class TEMPFILE_API NamedTemporaryFile : public File {
 public:
  NamedTemporaryFile();
  explicit NamedTemporaryFile(const NamedTemporaryFileOptions& options);
  /// Python's positional mode: NamedTemporaryFile("w+").
  explicit NamedTemporaryFile(std::string_view mode);
  NamedTemporaryFile(NamedTemporaryFile&&) noexcept = default;
  NamedTemporaryFile& operator=(NamedTemporaryFile&&) noexcept = default;
  NamedTemporaryFile(const NamedTemporaryFile&) = delete;
  NamedTemporaryFile& operator=(const NamedTemporaryFile&) = delete;
  ~NamedTemporaryFile() override;
};

}  // namespace tempfile
