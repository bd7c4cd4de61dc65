// SPDX-License-Identifier: MIT
// Python's TextIOWrapper over our BufferedFile: encoding and error handler through Codec,
// newline translation (universal newlines), character-counted reads, and tell() cookies that
// seek() accepts even in the middle of a multibyte character or after a pending '\r'.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/buffered_file.hpp"
#include "io/codec.hpp"

namespace tempfile::io {

class TextFile {
 public:
  /// Python's TextIOWrapper(buffer, encoding, errors, newline, line_buffering).
  /// `newline`: nullopt (universal newlines on read, "\n" written as os::line_separator:
  /// "\r\n" on Windows, "\n" elsewhere), "" (universal on
  /// read, untranslated), "\n", "\r" or "\r\n" (written for "\n", the only line end on read);
  /// anything else throws std::invalid_argument "tempfile: illegal newline value: x".
  TextFile(BufferedFile buffer, const Codec& codec, ErrorHandler errors,
           std::optional<std::string> newline, bool line_buffering);
  TextFile(TextFile&&) noexcept;
  TextFile& operator=(TextFile&&) noexcept;
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;
  ~TextFile();

  /// Writes UTF-8 text; returns the number of characters (code points), as Python's len(s).
  std::size_t write(std::string_view text);
  /// write(), then hands the encoded text to the buffer at once (as flush() would, before the
  /// buffer is flushed), all or nothing: if the buffer throws (a spooled file's failed
  /// rollover), the text layer is as before the call (pending text, BOM, read-ahead).
  std::size_t write_through(std::string_view text);
  /// n = -1: to end of file; otherwise up to n characters. Returns UTF-8.
  std::string read(std::int64_t n = -1);
  /// Up to and including the next line end (after translation), at most `limit` characters.
  std::string readline(std::int64_t limit = -1);
  /// An opaque cookie for seek(); equal to the byte position when the decoder is in a clean
  /// state there (always the case for ASCII text), otherwise a value with bit 62 set that
  /// indexes snapshots kept by this object.
  std::int64_t tell();
  /// whence SEEK_SET: a cookie from tell() (or 0); SEEK_CUR / SEEK_END: offset must be 0 (else
  /// tempfile::unsupported_operation "tempfile: can't do nonzero cur-relative seeks", as
  /// Python). Returns the new cookie.
  std::int64_t seek(std::int64_t cookie, int whence);
  /// Python: flush, then truncate the buffer at `size` (default: tell()'s byte position).
  std::int64_t truncate(std::optional<std::int64_t> size);
  void flush();
  /// A spooled file: the rollover (BufferedFile::roll_over) after handing the pending
  /// encoded text to the byte layer, so the new file holds every character written. The
  /// encoder's and decoder's state stay (the same object goes on above the new storage).
  void roll_over();
  /// Closes the descriptor without writing anything pending (BufferedFile::abandon).
  void abandon() noexcept;
  void close();

  [[nodiscard]] bool closed() const noexcept;
  /// Python's newlines attribute: the line ends seen so far when reading with universal
  /// newlines, in Python's order ("\r", "\n", "\r\n"); empty for None.
  [[nodiscard]] std::vector<std::string> newlines() const;
  [[nodiscard]] const std::string& encoding() const noexcept;
  [[nodiscard]] BufferedFile& buffer() noexcept;
  [[nodiscard]] const BufferedFile& buffer() const noexcept;

 private:
  std::size_t write_text(std::string_view text, bool through);

  friend struct TextFileTesting;  // io/text_file_testing.hpp: the chunk size, for tests
  /// Python's TextIOWrapper.__next__ (iteration, and so readlines()): a line, "" at the end.
  /// Until the end is reached, tell() is an error ("telling position disabled by next()
  /// call", as C io) unless flush() or seek() comes first. For tempfile::File's line iteration.
  friend std::string next_line(TextFile& file);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tempfile::io
