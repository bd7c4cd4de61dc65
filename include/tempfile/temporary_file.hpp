// SPDX-License-Identifier: MIT
// TemporaryFile and NamedTemporaryFile: Python's temporary file objects.
#pragma once

#include <filesystem>
#include <memory>
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
///
/// No reopen(), as Rust's crate offers none for its unnamed file: with no name, a second open
/// file description could only come through /proc/self/fd (Linux with /proc mounted), so the
/// same call would work in one build or system and fail in another. Use a NamedTemporaryFile
/// when a second, independent position is needed.
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

  /// A second, independent file object on the same file, as Rust's NamedTempFile::reopen: its
  /// own position (at 0; at the end for an append mode, as Python's open() puts it) and its own
  /// buffer, with this object's mode, buffering, encoding, newline and errors. Pending writes
  /// of this object are flushed first, so the new one sees every byte written so far.
  ///
  /// The file is opened again by name() without O_CREAT, O_TRUNC or O_EXCL (reopening a "w+"
  /// or "x" file never truncates or fails for existing), without following a symbolic link and
  /// without waiting on a FIFO, for reading and/or writing as the mode says.
  ///
  /// Security: a name can be replaced (rename()d over, or removed and created again) between
  /// creation and reopen(); the new descriptor is therefore compared with this object's
  /// (device, inode, mount and birth time) and a mismatch throws tempfile::error naming the
  /// path ("its name now refers to another file", code ENOENT, as Rust's "original tempfile has
  /// been replaced"); nothing of the other file is ever handed out.
  ///
  /// The new object owns no removal (as delete_ = false): the file goes when this object says.
  /// It is a NamedTemporaryFile in every other way (name(), path(), reopen()).
  ///
  /// Errors: closed_file_error if this object is closed; tempfile::error naming the path when
  /// the name is gone (ENOENT), refers to another file, or cannot be opened (EACCES after a
  /// chmod, ELOOP for a symbolic link).
  [[nodiscard]] NamedTemporaryFile reopen();

 private:
  explicit NamedTemporaryFile(std::unique_ptr<detail::FileState> state) noexcept;
};

/// The seed's PseudoTemporaryFile: a file whose storage goes when its last descriptor closes,
/// however the process ends (close, destructor, exception, _exit, SIGKILL, a crash), and
/// which nevertheless has a path another program of the same user can open by name() while
/// the object lives (docs/pseudo-temporary.md).
///
/// On Linux (with /proc mounted and a file system with O_TMPFILE) it is an O_TMPFILE file with
/// no entry in any directory, and name() is "/proc/<pid>/fd/<n>": opening that path opens this
/// very file, for reading and writing. In a fork()ed child name() is the child's own
/// "/proc/<child pid>/fd/<n>" (the child holds the descriptor too); the parent's stays the
/// parent's.
///
/// Elsewhere (the portable build, a file system without O_TMPFILE, no /proc) it is a named file
/// created as NamedTemporaryFile creates one and removed at close(), and, if the process dies
/// first, by the guardian process (docs/guardian.md): the same promise, kept by a second
/// process instead of the kernel.
///
/// Move-only: a moved-from object owns nothing and does nothing.
class TEMPFILE_API PseudoTemporaryFile : public File {
 public:
  PseudoTemporaryFile();
  explicit PseudoTemporaryFile(const PseudoTemporaryFileOptions& options);
  /// Python's positional mode: PseudoTemporaryFile("w+").
  explicit PseudoTemporaryFile(std::string_view mode);
};

}  // namespace tempfile
