// SPDX-License-Identifier: MIT
/// SpooledTemporaryFile: Python's in-memory file that moves to a real file when it grows, with a
/// rollover that cannot lose data.
/// @file
#pragma once

#include <cstdint>

#include "tempfile/export.hpp"
#include "tempfile/file.hpp"
#include "tempfile/options.hpp"

namespace tempfile {

/// Python: SpooledTemporaryFile(). Bytes live in memory until a write would leave the
/// position past max_size, or fileno() (or chmod(), fdopen()) needs a descriptor, or
/// rollover() is called, or truncate(n) asks for n > max_size; then they move to a
/// TemporaryFile in `dir` (or, with `memfd`, an anonymous memory file). The whole File
/// interface works the same before and after, in binary and text mode; position, contents,
/// mode, and the text layer (pending ``'\r'``, decoder state, newlines seen, tell() cookies) carry
/// over exactly, because only the storage under the byte layer changes.
///
/// Rollover has the strong guarantee: the new file is created and filled (one write of the
/// spooled bytes) before anything switches to it. If that fails (ENOSPC, EFBIG, EMFILE...) the
/// call that needed it throws tempfile::error naming the directory and the reason, and the
/// object is exactly as before that call: still in memory, every byte there, rolled() false.
/// A write that needed the rollover wrote nothing, so retrying it (or rollover()) is safe.
///
/// Differences from Python, on purpose (docs/file-object.md): the mode is checked at
/// construction and obeyed in memory too (Python's in-memory file reads and writes whatever
/// the mode); truncate() grows a file in memory as on disk; iteration reads the current
/// storage across a rollover (CPython gh-87034); a negative max_size is an error.
///
/// name() is empty (Python's None) until rollover, then the descriptor number. mode() is the
/// given string until rollover, then in binary mode the file's raw mode ("rb+" for "w+b", as
/// CPython 3.11-3.14).
class TEMPFILE_API SpooledTemporaryFile : public File {
 public:
  /// Python's SpooledTemporaryFile() with its defaults: binary ("w+b"), max_size 0 (writes
  /// never roll over), in memory.
  SpooledTemporaryFile();
  /// Python's SpooledTemporaryFile(**options), in memory. The options (mode, buffering,
  /// encoding, newline, errors, prefix, suffix, dir) are checked now, not at rollover:
  /// std::invalid_argument for a bad one or a negative max_size, tempfile::error
  /// (ENAMETOOLONG) for a name too long to create. Nothing is created until rollover.
  explicit SpooledTemporaryFile(const SpooledTemporaryFileOptions& options);
  /// Python's first positional argument: SpooledTemporaryFile(1 << 20).
  explicit SpooledTemporaryFile(std::int64_t max_size);

  /// Moves the contents to a file now (a no-op once rolled over, even when closed).
  void rollover();
  /// Whether the contents live in a file (Python's private _rolled).
  [[nodiscard]] bool rolled() const noexcept;
};

}  // namespace tempfile
