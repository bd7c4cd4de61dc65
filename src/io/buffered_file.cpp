// SPDX-License-Identifier: MIT
// BufferedFile: a port of C io's buffered objects (Modules/_io/bufferedio.c as in 3.11, the
// python3 oracle) over a RawFile. The bookkeeping is CPython's, so results match even where C io
// is surprising (read1 reading past unflushed writes); the descriptor's offset is tracked by
// RawFile, so C io's lseek probes are not needed.
#include "io/buffered_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <stdexcept>

#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

// The unbuffered read-to-end grows its reads up to this size; large enough that a big file
// costs few calls.
constexpr std::size_t max_readall_chunk = std::size_t{1} << 20;

std::span<std::byte> writable_tail(std::string& out, std::size_t old_size, std::size_t count) {
  out.resize(old_size + count);
  return std::as_writable_bytes(std::span(out)).subspan(old_size, count);
}

}  // namespace

BufferedFile::BufferedFile(RawFile&& raw, std::size_t buffer_size)
    : raw_(std::move(raw)), capacity_(buffer_size), buffer_(acquire_io_buffer(buffer_size)) {}

void BufferedFile::check_open() const {
  if (raw_.closed()) {
    throw closed_file_error();
  }
}

void BufferedFile::check_readable(const char* operation) const {
  check_open();
  if (!readable()) {
    throw unsupported_operation(std::string("tempfile: ") + operation +
                                ": file not open for reading");
  }
}

void BufferedFile::check_writable(const char* operation) const {
  check_open();
  if (!writable()) {
    throw unsupported_operation(std::string("tempfile: ") + operation +
                                ": file not open for writing");
  }
}

int BufferedFile::fileno() const {
  check_open();
  return raw_.fileno();
}

int BufferedFile::share_descriptor() {
  check_open();
  raw_.share();
  return raw_.fileno();
}

bool BufferedFile::isatty() const {
  check_open();
  return !raw_.in_memory() && os::is_terminal(raw_.fileno());
}

BufferedFile BufferedFile::spooled(OpenMode mode, std::unique_ptr<Spill> spill) {
  BufferedFile file(RawFile::in_memory(mode), 0);
  file.spill_max_size_ = spill->max_size();
  file.spill_ = std::move(spill);
  return file;
}

void BufferedFile::roll_over_with(std::span<const std::byte> then_write) {
  check_open();
  if (!spooling()) {
    return;
  }
  // Unbuffered while in memory: nothing is pending in this layer, so the memory and
  // `then_write` are every byte written.
  os::FileDescriptor fd = spill_->create();
  const std::size_t size = spill_->buffer_size();
  IoBuffer buffer = acquire_io_buffer(size);
  // As UTF-8 text (a UTF-16 path on Windows), made before anything changes: the conversion
  // may throw, the steps after the rollover must not.
  UnnamedLocation location(os::from_path(spill_->location()));
  if (const os::Errno err = raw_.roll_over_to(fd, then_write); err != 0) {
    spill_->fail(err);  // `fd` closes as this unwinds: the new file vanishes with it
  }
  raw_.describe_as_unnamed_in(std::move(location));
  capacity_ = size;
  buffer_ = std::move(buffer);
  pos_ = raw_pos_ = write_pos_ = 0;
  read_end_ = write_end_ = -1;
}

std::int64_t BufferedFile::raw_offset() const noexcept {
  return (valid_read_buffer() || valid_write_buffer()) && raw_pos_ >= 0 ? raw_pos_ - pos_ : 0;
}

void BufferedFile::adjust_position(std::int64_t position) noexcept {
  pos_ = position;
  if (valid_read_buffer() && read_end_ < pos_) {
    read_end_ = pos_;
  }
}

std::byte* BufferedFile::at(std::int64_t index) const noexcept {
  return buffer_.get() + static_cast<std::size_t>(index);
}

std::int64_t BufferedFile::minus_last_block(std::int64_t size) const noexcept {
  return capacity() * (size / capacity());
}

std::int64_t BufferedFile::tell() const {
  check_open();
  return raw_.tell() - raw_offset();
}

void BufferedFile::refresh_position() {
  check_open();
  raw_.refresh_position();
}

void BufferedFile::flush_writes() {
  if (!valid_write_buffer() || write_pos_ == write_end_) {
    reset_write_buffer();
    return;
  }
  const std::int64_t rewind = raw_offset() + (pos_ - write_pos_);
  if (rewind != 0) {
    raw_.seek(-rewind, SEEK_CUR);
    raw_pos_ -= rewind;
  }
  // A failure leaves buffer_[write_pos_, write_end_) pending: nothing accepted is lost, and a
  // later flush retries from there.
  while (write_pos_ < write_end_) {
    const std::size_t written =
        raw_.write(std::span(at(write_pos_), static_cast<std::size_t>(write_end_ - write_pos_)));
    write_pos_ += static_cast<std::int64_t>(written);
    raw_pos_ = write_pos_;
  }
  reset_write_buffer();
}

void BufferedFile::flush_and_rewind() {
  flush_writes();
  if (readable()) {
    // C io always lseeks here; a zero move is skipped (same result, one system call fewer).
    const std::int64_t offset = raw_offset();
    reset_read_buffer();
    if (offset != 0) {
      raw_.seek(-offset, SEEK_CUR);
    }
  }
}

void BufferedFile::synchronize() {
  check_open();
  if (capacity_ == 0) {
    return;
  }
  const std::int64_t logical = tell();
  flush_writes();
  reset_read_buffer();
  raw_pos_ = -1;
  if (raw_.tell() != logical) {
    raw_.seek(logical, SEEK_SET);
  }
}

std::int64_t BufferedFile::fill_buffer() {
  const std::int64_t start = valid_read_buffer() ? read_end_ : 0;
  const std::size_t got =
      raw_.read(std::span(at(start), static_cast<std::size_t>(capacity() - start)));
  if (got == 0) {
    return 0;
  }
  read_end_ = start + static_cast<std::int64_t>(got);
  raw_pos_ = read_end_;
  return static_cast<std::int64_t>(got);
}

std::int64_t BufferedFile::raw_read_into(std::string& out, std::int64_t count) {
  if (raw_.in_memory()) {
    const std::span<const std::byte> ahead = raw_.memory_ahead();
    const std::size_t got = std::min(ahead.size(), static_cast<std::size_t>(count));
    if (got > 0) {
      out.append(reinterpret_cast<const char*>(ahead.data()), got);
      raw_.advance(got);
    }
    return static_cast<std::int64_t>(got);
  }
  const std::size_t old_size = out.size();
  const std::size_t got = raw_.read(writable_tail(out, old_size, static_cast<std::size_t>(count)));
  out.resize(old_size + got);
  return static_cast<std::int64_t>(got);
}

void BufferedFile::raw_read_all(std::string& out) {
  if (const std::int64_t remaining = raw_.known_remaining(); remaining >= 0) {
    // The size is known (in memory, or a file no one else can reach): one read, no read of 0
    // at the end to find it.
    out.reserve(out.size() + static_cast<std::size_t>(remaining));
    if (raw_read_into(out, remaining) == remaining) {
      return;
    }
  }
  std::size_t chunk = std::max(capacity_, default_buffer_size);
  while (raw_read_into(out, static_cast<std::int64_t>(chunk)) > 0) {
    chunk = std::min(chunk * 2, max_readall_chunk);
  }
}

void BufferedFile::take(std::string& out, std::int64_t count) {
  out.append(reinterpret_cast<const char*>(at(pos_)), static_cast<std::size_t>(count));
  pos_ += count;
}

std::string BufferedFile::read(std::int64_t n) {
  check_readable("read");
  if (n < -1) {
    throw std::invalid_argument("tempfile: read length must be non-negative or -1");
  }
  std::string out;
  if (capacity_ == 0) {
    if (n == -1) {
      raw_read_all(out);
    } else {
      raw_read_into(out, n);
    }
    return out;
  }
  return n == -1 ? read_all() : read_generic(n);
}

// _bufferedreader_read_all: the read-ahead, then (after writing what is pending) the rest.
std::string BufferedFile::read_all() {
  std::string out;
  if (const std::int64_t have = readahead(); have > 0) {
    take(out, have);
  }
  if (writable()) {
    flush_and_rewind();
  }
  reset_read_buffer();
  raw_read_all(out);
  return out;
}

// _bufferedreader_read_generic: the read-ahead, then whole buffers straight from the
// descriptor, then the tail through the buffer.
std::string BufferedFile::read_generic(std::int64_t n) {
  std::string out;
  const std::int64_t current = readahead();
  if (n <= current) {
    take(out, n);
    return out;
  }
  out.reserve(static_cast<std::size_t>(n));
  if (current > 0) {
    take(out, current);
  }
  if (writable()) {
    flush_and_rewind();
  }
  reset_read_buffer();
  std::int64_t remaining = n - current;
  while (remaining > 0) {
    const std::int64_t whole_buffers = minus_last_block(remaining);
    if (whole_buffers == 0) {
      break;
    }
    const std::int64_t got = raw_read_into(out, whole_buffers);
    if (got == 0) {
      return out;
    }
    remaining -= got;
  }
  pos_ = 0;
  raw_pos_ = 0;
  read_end_ = 0;
  while (remaining > 0 && read_end_ < capacity()) {
    const std::int64_t got = fill_buffer();
    if (got == 0) {
      return out;
    }
    const std::int64_t used = std::min(remaining, got);
    take(out, used);
    remaining -= used;
  }
  return out;
}

std::string BufferedFile::read1(std::int64_t n) {
  check_readable("read1");
  if (n < 0 && raw_.in_memory()) {
    // A spooled file in memory: Python's BytesIO.read1(-1) gives everything ahead.
    n = std::numeric_limits<std::int64_t>::max();
  } else if (n < 0) {
    n = static_cast<std::int64_t>(capacity_ > 0 ? capacity_ : default_buffer_size);
  }
  std::string out;
  if (n == 0) {
    return out;
  }
  if (const std::int64_t have = readahead(); have > 0) {
    take(out, std::min(have, n));
    return out;
  }
  reset_read_buffer();
  raw_read_into(out, n);
  return out;
}

// _io__Buffered_peek_impl and _bufferedreader_peek_unlocked.
std::string BufferedFile::peek() {
  check_readable("peek");
  if (raw_.in_memory()) {
    const std::span<const std::byte> ahead = raw_.memory_ahead();
    const std::size_t size = spill_ != nullptr ? spill_->buffer_size() : default_buffer_size;
    return {reinterpret_cast<const char*>(ahead.data()), std::min(ahead.size(), size)};
  }
  if (writable()) {
    flush_and_rewind();
  }
  if (const std::int64_t have = readahead(); have > 0) {
    return {reinterpret_cast<const char*>(at(pos_)), static_cast<std::size_t>(have)};
  }
  reset_read_buffer();
  const std::int64_t got = fill_buffer();
  pos_ = 0;
  return {reinterpret_cast<const char*>(at(0)), static_cast<std::size_t>(got)};
}

std::size_t BufferedFile::readinto(std::span<std::byte> into) {
  check_readable("readinto");
  if (capacity_ == 0) {
    return raw_.read(into);
  }
  const auto wanted = static_cast<std::int64_t>(into.size());
  std::int64_t written = 0;
  if (const std::int64_t have = readahead(); have > 0) {
    written = std::min(have, wanted);
    std::copy_n(at(pos_), written, into.begin());  // (into may be empty, its data() null)
    pos_ += written;
    if (written == wanted) {
      return into.size();
    }
  }
  if (writable()) {
    flush_and_rewind();
  }
  reset_read_buffer();
  pos_ = 0;
  for (std::int64_t remaining = wanted - written; remaining > 0;) {
    std::int64_t got = 0;
    if (remaining > capacity()) {
      got = static_cast<std::int64_t>(raw_.read(into.subspan(static_cast<std::size_t>(written))));
    } else {
      got = fill_buffer();
      if (got > 0) {
        got = std::min(got, remaining);
        std::memcpy(into.data() + written, at(pos_), static_cast<std::size_t>(got));
        pos_ += got;
      }
    }
    if (got == 0) {
      break;
    }
    written += got;
    remaining -= got;
  }
  return static_cast<std::size_t>(written);
}

// _buffered_readline: a line within the read-ahead, else the read-ahead and then buffer after
// buffer from the descriptor.
std::string BufferedFile::readline(std::int64_t limit) {
  if (limit == 0 && !readable()) {
    // CPython: a write-only binary file inherits IOBase.readline, which reads nothing (and so
    // checks nothing) for a limit of 0.
    check_open();
    return {};
  }
  check_readable("readline");
  std::string line;
  if (raw_.in_memory()) {
    // BytesIO.readline: straight from the bytes.
    std::span<const std::byte> ahead = raw_.memory_ahead();
    if (limit >= 0 && static_cast<std::size_t>(limit) < ahead.size()) {
      ahead = ahead.first(static_cast<std::size_t>(limit));
    }
    const auto* begin = reinterpret_cast<const char*>(ahead.data());
    const auto* newline =
        ahead.empty() ? nullptr : static_cast<const char*>(std::memchr(begin, '\n', ahead.size()));
    const std::size_t count =
        newline == nullptr ? ahead.size() : static_cast<std::size_t>(newline - begin) + 1;
    if (count > 0) {
      line.assign(begin, count);
      raw_.advance(count);
    }
    return line;
  }
  if (capacity_ == 0) {
    // IOBase.readline on FileIO: one byte per read(2).
    while (limit < 0 || static_cast<std::int64_t>(line.size()) < limit) {
      std::byte one{};
      if (raw_.read(std::span(&one, 1)) == 0) {
        break;
      }
      line += static_cast<char>(one);
      if (one == std::byte{'\n'}) {
        break;
      }
    }
    return line;
  }
  std::int64_t n = readahead();
  if (limit >= 0 && n > limit) {
    n = limit;
  }
  const auto* start = reinterpret_cast<const char*>(at(pos_));
  if (const auto* newline = static_cast<const char*>(
          std::memchr(start, '\n', static_cast<std::size_t>(std::max<std::int64_t>(n, 0))));
      newline != nullptr) {
    take(line, newline - start + 1);
    return line;
  }
  if (n == limit) {
    take(line, n);
    return line;
  }
  if (n > 0) {
    take(line, n);
    if (limit >= 0) {
      limit -= n;
    }
  }
  if (writable()) {
    flush_and_rewind();
  }
  for (;;) {
    reset_read_buffer();
    n = fill_buffer();
    if (n == 0) {
      break;
    }
    if (limit >= 0 && n > limit) {
      n = limit;
    }
    const auto* begin = reinterpret_cast<const char*>(at(0));
    if (const auto* newline =
            static_cast<const char*>(std::memchr(begin, '\n', static_cast<std::size_t>(n)));
        newline != nullptr) {
      pos_ = newline - begin + 1;
      line.append(begin, static_cast<std::size_t>(pos_));
      return line;
    }
    line.append(begin, static_cast<std::size_t>(n));
    if (n == limit) {
      pos_ = n;
      break;
    }
    if (limit >= 0) {
      limit -= n;
    }
  }
  return line;
}

// _io_BufferedWriter_write_impl (blocking descriptors: no BlockingIOError paths).
std::size_t BufferedFile::write(std::span<const std::byte> data) {
  check_writable("write");
  if (spooling()) {
    // Python's `tell() > max_size` after the write, without overflowing at huge positions.
    // Python writes to memory and then copies everything; this copies the memory and writes
    // the data into the new file before switching to it, so a failure writes nothing and
    // success leaves every byte in the file.
    const std::int64_t max_size = spill_max_size_;
    const std::int64_t position = raw_.tell();
    if (max_size > 0 &&
        (position > max_size || static_cast<std::uint64_t>(data.size()) >
                                    static_cast<std::uint64_t>(max_size - position))) {
      roll_over_with(data);
      return data.size();
    }
  }
  if (capacity_ == 0) {
    return raw_.write(data);
  }
  const auto length = static_cast<std::int64_t>(data.size());
  if (!valid_read_buffer() && !valid_write_buffer()) {
    pos_ = 0;
    raw_pos_ = 0;
  }
  if (length <= capacity() - pos_) {
    // Into the buffer, over any read-ahead there (which stays valid, now holding these bytes).
    if (length > 0) {
      std::memcpy(at(pos_), data.data(), data.size());
    }
    if (!valid_write_buffer() || write_pos_ > pos_) {
      write_pos_ = pos_;
    }
    adjust_position(pos_ + length);
    if (pos_ > write_end_) {
      write_end_ = pos_;
    }
    return data.size();
  }
  flush_writes();
  // The read-ahead may have left the descriptor ahead of the logical position.
  if (const std::int64_t offset = raw_offset(); offset != 0) {
    raw_.seek(-offset, SEEK_CUR);
    raw_pos_ -= offset;
  }
  std::int64_t written = 0;
  while (length - written > capacity()) {
    written +=
        static_cast<std::int64_t>(raw_.write(data.subspan(static_cast<std::size_t>(written))));
  }
  if (readable()) {
    reset_read_buffer();
  }
  const std::int64_t remaining = length - written;
  if (remaining > 0) {
    std::memcpy(at(0), data.data() + written, static_cast<std::size_t>(remaining));
  }
  write_pos_ = 0;
  write_end_ = remaining;
  adjust_position(remaining);
  raw_pos_ = 0;
  return data.size();
}

std::int64_t BufferedFile::seek(std::int64_t offset, int whence) {
  const bool known_whence = whence == SEEK_SET || whence == SEEK_CUR || whence == SEEK_END ||
                            (whence != -1 && (whence == os::seek_data || whence == os::seek_hole));
  if (!known_whence) {
    throw std::invalid_argument("tempfile: whence value " + std::to_string(whence) +
                                " unsupported");
  }
  check_open();
  if (capacity_ == 0) {
    return raw_.seek(offset, whence);
  }
  if ((whence == SEEK_SET || whence == SEEK_CUR) && readable()) {
    // Inside the read-ahead: move within the buffer, no system call.
    const std::int64_t current = raw_.tell();
    if (const std::int64_t available = readahead(); available > 0) {
      const std::int64_t move = whence == SEEK_SET ? offset - (current - raw_offset()) : offset;
      if (move >= -pos_ && move <= available) {
        pos_ += move;
        return current - available + move;
      }
    }
  }
  if (writable()) {
    flush_writes();
  }
  if (whence == SEEK_CUR) {
    offset -= raw_offset();
  }
  const std::int64_t position = raw_.seek(offset, whence);
  raw_pos_ = -1;
  if (readable()) {
    reset_read_buffer();
  }
  return position;
}

std::int64_t BufferedFile::truncate(std::optional<std::int64_t> size) {
  check_writable("truncate");
  if (capacity_ > 0) {
    flush_and_rewind();
  }
  // FileIO.truncate(None) truncates at the descriptor's offset.
  const std::int64_t target = size.value_or(raw_.tell());
  raw_.truncate(target);
  return target;
}

void BufferedFile::flush() {
  check_open();
  // C io's BufferedReader.flush only flushes the raw file: a read-only file keeps its
  // read-ahead (BufferedWriter and BufferedRandom write pending bytes and drop it).
  if (capacity_ > 0 && writable()) {
    flush_and_rewind();
  }
}

void BufferedFile::abandon() noexcept {
  pos_ = raw_pos_ = write_pos_ = 0;
  read_end_ = write_end_ = -1;
  raw_.abandon();
}

void BufferedFile::close() {
  if (raw_.closed()) {
    return;
  }
  std::exception_ptr failure;
  try {
    flush();
  } catch (...) {
    failure = std::current_exception();
  }
  pos_ = raw_pos_ = write_pos_ = 0;
  read_end_ = write_end_ = -1;
  try {
    raw_.close();
  } catch (...) {
    if (!failure) {
      failure = std::current_exception();
    }
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

}  // namespace tempfile::io
