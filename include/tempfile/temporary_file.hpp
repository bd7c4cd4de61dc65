// SPDX-License-Identifier: MIT
/// TemporaryFile and NamedTemporaryFile: Python's temporary file objects (and the seed's
/// PseudoTemporaryFile).
/// @file
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "tempfile/export.hpp"
#include "tempfile/file.hpp"
#include "tempfile/options.hpp"
#include "tempfile/persist.hpp"

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
  /// Python's TemporaryFile() with its defaults: binary ("w+b"), in gettempdir().
  TemporaryFile();
  /// Python's TemporaryFile(**options); errors as the class says.
  explicit TemporaryFile(const TemporaryFileOptions& options);
  /// Python's positional mode: TemporaryFile("w+").
  explicit TemporaryFile(std::string_view mode);

  /// Gives the file the name `target` (docs/persist.md): the file, with everything written so
  /// far (flushed first), appears at `target` complete, never under a half-written name. On
  /// Linux the O_TMPFILE file is linked into place: with overwrite = false straight to
  /// `target` (linkat, which never replaces: EEXIST, even for a dangling symbolic link); with
  /// overwrite (default) to a random name beside `target`, which is then renamed over it
  /// (atomic: readers see the old file or the new one). The object stays open and usable and
  /// still owns no name: name() and path() do not change; closing it removes nothing.
  ///
  /// A file made by the create-and-unlink fallback (no O_TMPFILE: the portable build, other
  /// systems, a file system without it) cannot be given a name back: tempfile::error with
  /// ENOTSUP, saying so; use a NamedTemporaryFile for a file to persist everywhere.
  ///
  /// A `target` on another file system (EXDEV) is an error, unless options.cross_device asks
  /// for a copy: made beside `target`, published there with the same one link or rename, after
  /// which this object's descriptor (same number, same position) refers to it and the unnamed
  /// temporary is closed (docs/persist.md, "Across file systems").
  ///
  /// Errors: closed_file_error if closed; std::invalid_argument for a NUL in `target`;
  /// tempfile::error naming the failed step and both paths, code() the errno, with the object
  /// unchanged (still open, still unnamed, data intact); persisted_not_durable_error when only
  /// the final directory sync of `durable` failed (the file is at `target`).
  void persist(const std::filesystem::path& target, const PersistOptions& options = {});
  /// The same without exceptions: `ec` is cleared on success, else holds the errno (EBADF for a
  /// closed file, EINVAL for a NUL in `target`). Returns whether the file is at `target`: true
  /// with `ec` set only when the durable directory sync failed after it got there.
  bool persist(const std::filesystem::path& target, const PersistOptions& options,
               std::error_code& ec) noexcept;
  /// persist(target, options, ec) with the default PersistOptions.
  bool persist(const std::filesystem::path& target, std::error_code& ec) noexcept {
    return persist(target, PersistOptions{}, ec);
  }
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
  /// Python's NamedTemporaryFile() with its defaults: binary ("w+b"), in gettempdir(), removed
  /// at close().
  NamedTemporaryFile();
  /// Python's NamedTemporaryFile(**options). Errors: std::invalid_argument for a bad mode,
  /// buffering, encoding, errors or newline, or a prefix or suffix containing '/' or NUL, before
  /// any file exists; tempfile::error when the file cannot be created (path1() the directory,
  /// path2() the name tried).
  explicit NamedTemporaryFile(const NamedTemporaryFileOptions& options);
  /// Python's positional mode: NamedTemporaryFile("w+").
  explicit NamedTemporaryFile(std::string_view mode);
  /// Takes over `other`'s file and its removal; `other` owns nothing afterwards.
  NamedTemporaryFile(NamedTemporaryFile&&) noexcept = default;
  /// Closes this object's file (removing it as the destructor would), then takes over `other`'s.
  NamedTemporaryFile& operator=(NamedTemporaryFile&&) noexcept = default;
  NamedTemporaryFile(const NamedTemporaryFile&) = delete;
  NamedTemporaryFile& operator=(const NamedTemporaryFile&) = delete;
  /// Flushes and closes; with delete_ (and not kept or persisted), removes the file if this
  /// process created it. Never throws.
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

  /// Stops every removal of the file (close() with delete_on_close, the destructor, the exit
  /// and signal handlers) and returns its path; the object stays open and usable. Idempotent.
  /// Errors: closed_file_error if closed or moved-from (a file delete_on_close removed at
  /// close() cannot be kept any more); tempfile::error (ENOENT) if the name is gone or now
  /// refers to another file: the file is kept all the same, but not at that path.
  std::filesystem::path keep();

  /// Moves the file to `target` (docs/persist.md) and keeps it there: pending writes are
  /// flushed, then with overwrite (default) rename() replaces `target` atomically; with
  /// overwrite = false it moves only if `target` names nothing, not even a dangling symbolic
  /// link (renameat2 RENAME_NOREPLACE, else link() then unlink(): EEXIST, nothing changed).
  /// First it checks that name() still refers to this object's file: a file someone renamed
  /// over our name is never moved (tempfile::error, ENOENT, "its name now refers to another
  /// file"). After success name() and path() are `target` (made absolute), the object stays
  /// open and usable and removes nothing any more (as keep()). With options.cross_device, a
  /// `target` on another file system gets a copy instead of the rename (as TemporaryFile's),
  /// and the temporary's own name is then removed.
  ///
  /// Errors: as TemporaryFile::persist; on failure the object is unchanged (still open, still
  /// owning and removing its temporary, data intact).
  void persist(const std::filesystem::path& target, const PersistOptions& options = {});
  /// The same without exceptions, as TemporaryFile's.
  bool persist(const std::filesystem::path& target, const PersistOptions& options,
               std::error_code& ec) noexcept;
  /// persist(target, options, ec) with the default PersistOptions.
  bool persist(const std::filesystem::path& target, std::error_code& ec) noexcept {
    return persist(target, PersistOptions{}, ec);
  }

 private:
  explicit NamedTemporaryFile(std::unique_ptr<detail::FileState> state) noexcept;
};

/// The seed's PseudoTemporaryFile: a file whose storage goes when its last descriptor closes,
/// however the process ends (close, destructor, exception, _exit, SIGKILL, a crash), and
/// which nevertheless has a path another program of the same user can open by name() while
/// the object lives (docs/pseudo-temporary.md).
///
/// On Linux (with /proc mounted and a file system with O_TMPFILE) it is an O_TMPFILE file with
/// no entry in any directory, and name() is `/proc/<pid>/fd/<n>`: opening that path opens this
/// very file, for reading and writing. In a fork()ed child name() is the child's own
/// `/proc/<child pid>/fd/<n>` (the child holds the descriptor too); the parent's stays the
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
  /// With TemporaryFile's defaults: binary ("w+b"), in gettempdir().
  PseudoTemporaryFile();
  /// With TemporaryFile's options and its errors; tempfile::error too when the named fallback
  /// cannot start the guardian process or hand it the file.
  explicit PseudoTemporaryFile(const PseudoTemporaryFileOptions& options);
  /// Python's positional mode: PseudoTemporaryFile("w+").
  explicit PseudoTemporaryFile(std::string_view mode);

  /// As TemporaryFile::persist for the O_TMPFILE file (name() stays the descriptor's path,
  /// which still reaches it); for the named fallback as NamedTemporaryFile::persist (name()
  /// becomes `target`, and the guardian forgets the file).
  void persist(const std::filesystem::path& target, const PersistOptions& options = {});
  /// The same without exceptions, as TemporaryFile's.
  bool persist(const std::filesystem::path& target, const PersistOptions& options,
               std::error_code& ec) noexcept;
  /// persist(target, options, ec) with the default PersistOptions.
  bool persist(const std::filesystem::path& target, std::error_code& ec) noexcept {
    return persist(target, PersistOptions{}, ec);
  }
};

}  // namespace tempfile
