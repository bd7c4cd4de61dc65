// Python's BufferedRandom/BufferedReader/BufferedWriter in one class: a single buffer that
// holds either read-ahead or pending writes, with C io's observable results and no probing
// system calls (the position is tracked, never asked for).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "io/raw_file.hpp"

namespace tempfile::io {

class BufferedFile {
 public:
  /// Python's DEFAULT_BUFFER_SIZE; used for buffering=-1 without an fstat for st_blksize.
  static constexpr std::size_t default_buffer_size = 8192;

  /// `buffer_size` 0 gives Python's unbuffered FileIO behaviour: one system call per read or
  /// write, and write() may report a short count.
  BufferedFile(RawFile raw, std::size_t buffer_size);

  /// n = -1 reads to end of file; otherwise up to n bytes (fewer only at end of file).
  std::string read(std::int64_t n = -1);
  /// Up to n bytes with at most one system call (n = -1: up to the buffer size); only buffered
  /// bytes when any are buffered.
  std::string read1(std::int64_t n = -1);
  /// Fills `into` as far as the file allows; returns the count.
  std::size_t readinto(std::span<std::byte> into);
  /// Up to and including the next '\n', at most `limit` bytes when limit >= 0.
  std::string readline(std::int64_t limit = -1);
  std::size_t write(std::span<const std::byte> data);
  std::int64_t seek(std::int64_t offset, int whence);
  [[nodiscard]] std::int64_t tell() const;
  /// Sets the size to `size` (default: the current position); the position does not move.
  std::int64_t truncate(std::optional<std::int64_t> size);
  void flush();
  /// Flushes, then closes the descriptor even if the flush failed (and then rethrows).
  void close();

  [[nodiscard]] bool closed() const noexcept { return raw_.closed(); }
  [[nodiscard]] int fileno() const;
  [[nodiscard]] bool isatty() const;
  [[nodiscard]] const OpenMode& mode() const noexcept { return raw_.mode(); }
  [[nodiscard]] bool unbuffered() const noexcept { return capacity_ == 0; }

  /// For the objects above: make sure the descriptor's offset is the logical position and no
  /// write is pending (before handing the descriptor to someone else).
  void synchronize();

 private:
  void check_open() const;
  void check_readable(const char* operation) const;
  void check_writable(const char* operation) const;
  void flush_writes();
  void drop_read_ahead();
  std::size_t refill();
  [[nodiscard]] std::size_t buffered() const noexcept { return read_end_ - read_pos_; }
  void take(std::string& out, std::size_t count);

  RawFile raw_;
  std::size_t capacity_;
  std::unique_ptr<std::byte[]> buffer_;
  // Read-ahead is buffer_[read_pos_, read_end_), ending at the descriptor's offset; pending
  // writes are buffer_[0, write_end_), starting at it. Never both at once.
  std::size_t read_pos_ = 0;
  std::size_t read_end_ = 0;
  std::size_t write_end_ = 0;
};

}  // namespace tempfile::io
