// SPDX-License-Identifier: MIT
// Python's BufferedRandom/BufferedReader/BufferedWriter in one class: a port of C io's
// Modules/_io/bufferedio.c (3.11), one buffer shared by read-ahead and pending writes, with its
// observable results (quirks included) and fewer system calls (the position is tracked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "io/io_buffer.hpp"
#include "io/raw_file.hpp"
#include "io/spill.hpp"

namespace tempfile::io {

class BufferedFile {
 public:
  /// Python's DEFAULT_BUFFER_SIZE; used for buffering=-1 without an fstat for st_blksize.
  static constexpr std::size_t default_buffer_size = spare_io_buffer_size;

  /// `buffer_size` 0 gives Python's unbuffered FileIO behaviour: one system call per read or
  /// write, and write() may report a short count.
  BufferedFile(RawFile&& raw, std::size_t buffer_size);
  /// The same, with the raw layer made in place from RawFile's constructor arguments `raw`:
  /// no RawFile is made, moved from and destroyed on the way (each costs tens of instructions
  /// on every file's creation).
  template <class... RawArguments>
  BufferedFile(std::size_t buffer_size, std::in_place_t /*unused*/, RawArguments&&... raw)
      : raw_(std::forward<RawArguments>(raw)...),
        capacity_(buffer_size),
        buffer_(acquire_io_buffer(buffer_size)) {}

  /// A spooled file: an empty file in memory, used unbuffered (a buffer in front of memory
  /// would only copy twice, and so no write is ever pending in this layer while spooling);
  /// `spill` says when it leaves memory and where to.
  [[nodiscard]] static BufferedFile spooled(OpenMode mode, std::unique_ptr<Spill> spill);

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
  /// Before a public tell(): a descriptor handed out may have been moved by its other holder
  /// (a FILE* from fdopen()); take its offset as the raw position, as C io's tell() asks
  /// FileIO.tell() (lseek) each time. No system call for a descriptor never handed out.
  void refresh_position();
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
  /// The file's name (empty in memory); what errors name is raw().describe().
  [[nodiscard]] const std::filesystem::path& name() const noexcept { return raw_.name(); }
  /// name() as text, without building a path (RawFile::name_text).
  [[nodiscard]] const std::string& name_text() const noexcept { return raw_.name_text(); }
  [[nodiscard]] const RawFile& raw() const noexcept { return raw_; }
  /// For the code that made the file, to finish describing its raw layer (io/open_file.cpp).
  [[nodiscard]] RawFile& raw() noexcept { return raw_; }
  /// persist(): the file's name is now `name` (RawFile::rename_to).
  void rename_to(std::string&& name) noexcept { raw_.rename_to(std::move(name)); }
  void reserve_name(std::size_t size) { raw_.reserve_name(size); }
  void rename_to_reserved(std::string_view name) noexcept { raw_.rename_to_reserved(name); }
  /// persist() across file systems: the file is now `copy` (RawFile::switch_to_copy); the
  /// buffer and its bookkeeping stay, as the bytes and the offset are the same.
  void switch_to_copy(os::FileDescriptor& copy, UnnamedLocation&& directory) noexcept {
    raw_.switch_to_copy(copy, std::move(directory));
  }
  /// fileno() for a descriptor that leaves this object (Python's fileno(), a dup): an
  /// unshared file starts using the descriptor's offset (RawFile::share()).
  [[nodiscard]] int share_descriptor();
  /// persist(): a name reaches the file, but its descriptor stays here (RawFile::share_when_used).
  void share_descriptor_when_used() noexcept { raw_.share_when_used(); }
  [[nodiscard]] bool isatty() const;
  [[nodiscard]] const OpenMode& mode() const noexcept { return raw_.mode(); }
  [[nodiscard]] bool unbuffered() const noexcept { return capacity_ == 0; }
  /// Python's buffering=0 (a FileIO, with no read1() or peek()): unbuffered, or for a spooled
  /// file, unbuffered once on a descriptor (memory is always used unbuffered).
  [[nodiscard]] bool raw_io() const noexcept {
    return spill_ ? spill_->buffer_size() == 0 : unbuffered();
  }

  /// A spooled file whose bytes are still in memory.
  [[nodiscard]] bool spooling() const noexcept { return spill_ && raw_.in_memory(); }
  /// A spooled file's max_size (0: writes never roll over; also 0 for other files).
  [[nodiscard]] std::int64_t spill_max_size() const noexcept { return spill_max_size_; }
  /// A spooled file whose bytes moved to a descriptor (also once closed).
  [[nodiscard]] bool rolled() const noexcept { return spill_ && !raw_.in_memory(); }
  /// Moves a spooled file's bytes onto a new descriptor from the Spill (the rollover; a
  /// write past max_size does the same with its own bytes), with the strong guarantee: on
  /// any failure it throws and nothing has changed. A no-op when not spooling. From here on
  /// the Spill's buffer size applies. Pending text above must be written down first
  /// (TextFile::roll_over): afterwards the descriptor holds every byte written.
  void roll_over() { roll_over_with({}); }

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

  // The rollover, with the bytes of the write that asked for it (written into the new file
  // at the position before the switch, so they are there when write() returns).
  void roll_over_with(std::span<const std::byte> then_write);

  RawFile raw_;
  // Spooled files only, for the object's life (rolled() asks whether the bytes still live in
  // memory).
  std::unique_ptr<Spill> spill_;
  std::int64_t spill_max_size_ = 0;  // spill_->max_size(), read once: it never changes
  std::size_t capacity_;
  IoBuffer buffer_;
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
