// Python's BufferedRandom/BufferedReader/BufferedWriter in one class: a port of C io's
// Modules/_io/bufferedio.c (3.11), one buffer shared by read-ahead and pending writes, with its
// observable results (quirks included) and fewer system calls (the position is tracked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "io/raw_file.hpp"
#include "io/spill.hpp"

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
  /// bytes when any are buffered. As C io before 3.13, this does not flush pending writes
  /// first: the system call reads at the descriptor's offset.
  std::string read1(std::int64_t n = -1);
  /// Python's peek(): the read-ahead without moving, after writing what is pending (a
  /// read-write file then refills from the position, as C io); with none, one read fills the
  /// buffer. At least one byte unless at end of file, possibly more than asked (C io ignores
  /// the size, so there is no argument). In memory (a spooled file): the bytes ahead, up to the
  /// buffer size the file will have on disk, as that refill would give. Not for an unbuffered
  /// file on a descriptor (Python's FileIO has no peek): the caller checks.
  std::string peek();
  /// Fills `into` as far as the file allows; returns the count.
  std::size_t readinto(std::span<std::byte> into);
  /// Up to and including the next '\n', at most `limit` bytes when limit >= 0.
  std::string readline(std::int64_t limit = -1);
  std::size_t write(std::span<const std::byte> data);
  std::int64_t seek(std::int64_t offset, int whence);
  [[nodiscard]] std::int64_t tell() const;
  /// Sets the size to `size` (default: the current position); the position does not move.
  std::int64_t truncate(std::optional<std::int64_t> size);
  /// Writes pending bytes and drops the read-ahead (C io's flush-and-rewind).
  void flush();
  /// Flushes, then closes the descriptor even if the flush failed (and then rethrows).
  void close();
  /// Closes without flushing: pending writes are dropped (a fork()ed child's destructor).
  void abandon() noexcept;

  [[nodiscard]] bool closed() const noexcept { return raw_.closed(); }
  [[nodiscard]] int fileno() const;
  /// fileno() for a descriptor that leaves this object (Python's fileno(), a dup): an
  /// unshared file starts using the descriptor's offset (RawFile::share()).
  [[nodiscard]] int share_descriptor();
  [[nodiscard]] bool isatty() const;
  [[nodiscard]] const OpenMode& mode() const noexcept { return raw_.mode(); }
  [[nodiscard]] bool unbuffered() const noexcept { return capacity_ == 0; }

  /// A spooled file (its raw file in memory): where to go when it rolls over. The Spill
  /// outlives this object (the file's state owns both).
  void set_spill(Spill* spill) noexcept {
    spill_ = spill;
    spill_limit_ = spill->max_size();
  }
  /// Moves an in-memory file onto a new descriptor from the Spill, with the strong
  /// guarantee: on any failure it throws and nothing has changed. A no-op once on a
  /// descriptor. Memory is used unbuffered (a buffer would copy twice); from here on the
  /// Spill's buffer size applies.
  void roll_over();

  /// For the objects above: make sure the descriptor's offset is the logical position and no
  /// write is pending (before handing the descriptor to someone else).
  void synchronize();

 private:
  void check_open() const;
  void check_readable(const char* operation) const;
  void check_writable(const char* operation) const;
  [[nodiscard]] bool readable() const noexcept { return raw_.mode().readable(); }
  [[nodiscard]] bool writable() const noexcept { return raw_.mode().writable(); }

  // bufferedio.c's VALID_READ_BUFFER, VALID_WRITE_BUFFER, READAHEAD, RAW_OFFSET and
  // ADJUST_POSITION.
  [[nodiscard]] bool valid_read_buffer() const noexcept { return readable() && read_end_ != -1; }
  [[nodiscard]] bool valid_write_buffer() const noexcept { return writable() && write_end_ != -1; }
  [[nodiscard]] std::int64_t readahead() const noexcept {
    return valid_read_buffer() ? read_end_ - pos_ : 0;
  }
  [[nodiscard]] std::int64_t raw_offset() const noexcept;
  void adjust_position(std::int64_t position) noexcept;
  void reset_read_buffer() noexcept { read_end_ = -1; }
  void reset_write_buffer() noexcept {
    write_pos_ = 0;
    write_end_ = -1;
  }
  [[nodiscard]] std::byte* at(std::int64_t index) const noexcept;
  [[nodiscard]] std::int64_t capacity() const noexcept {
    return static_cast<std::int64_t>(capacity_);
  }

  // _bufferedwriter_flush_unlocked: writes buffer[write_pos_, write_end_) where it belongs.
  void flush_writes();
  // buffered_flush_and_rewind_unlocked: flush_writes, then (when readable) move the descriptor
  // back to the logical position and drop the read-ahead.
  void flush_and_rewind();
  // _bufferedreader_fill_buffer: one read after the read-ahead (or at the buffer's start).
  std::int64_t fill_buffer();
  // Appends up to `count` bytes from the descriptor with one read; returns how many.
  std::int64_t raw_read_into(std::string& out, std::int64_t count);
  // Appends everything up to the end of file.
  void raw_read_all(std::string& out);
  // Moves `count` read-ahead bytes from buffer_[pos_] to `out`.
  void take(std::string& out, std::int64_t count);
  std::string read_all();
  std::string read_generic(std::int64_t n);
  [[nodiscard]] std::int64_t minus_last_block(std::int64_t size) const noexcept;

  RawFile raw_;
  Spill* spill_ = nullptr;
  std::int64_t spill_limit_ = 0;  // spill_->max_size(), read once (it never changes)
  std::size_t capacity_;
  std::unique_ptr<std::byte[]> buffer_;
  // bufferedio.c's fields, indices into buffer_: pos_ is the logical position; raw_pos_ where
  // the descriptor's offset is (-1: unknown); buffer_[0, read_end_) holds read-ahead (-1: none);
  // buffer_[write_pos_, write_end_) holds pending writes (write_end_ -1: none). Both kinds can
  // be there at once: a write into the read-ahead updates it in place.
  std::int64_t pos_ = 0;
  std::int64_t raw_pos_ = 0;
  std::int64_t read_end_ = -1;
  std::int64_t write_pos_ = 0;
  std::int64_t write_end_ = -1;
};

}  // namespace tempfile::io
