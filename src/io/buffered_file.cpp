// BufferedFile: one buffer for read-ahead or pending writes over a RawFile.
#include "io/buffered_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

// readall grows its reads up to this size; large enough that a big file costs few calls.
constexpr std::size_t max_readall_chunk = std::size_t{1} << 20;

std::span<std::byte> writable_tail(std::string& out, std::size_t old_size, std::size_t count) {
  out.resize(old_size + count);
  return std::as_writable_bytes(std::span(out)).subspan(old_size, count);
}

}  // namespace

BufferedFile::BufferedFile(RawFile raw, std::size_t buffer_size)
    : raw_(std::move(raw)),
      capacity_(buffer_size),
      buffer_(buffer_size > 0 ? std::make_unique_for_overwrite<std::byte[]>(buffer_size)
                              : nullptr) {}

void BufferedFile::check_open() const {
  if (raw_.closed()) {
    throw closed_file_error();
  }
}

void BufferedFile::check_readable(const char* operation) const {
  check_open();
  if (!raw_.mode().readable()) {
    throw unsupported_operation(std::string("tempfile: ") + operation +
                                ": file not open for reading");
  }
}

void BufferedFile::check_writable(const char* operation) const {
  check_open();
  if (!raw_.mode().writable()) {
    throw unsupported_operation(std::string("tempfile: ") + operation +
                                ": file not open for writing");
  }
}

int BufferedFile::fileno() const {
  check_open();
  return raw_.fileno();
}

bool BufferedFile::isatty() const {
  check_open();
  return os::is_terminal(raw_.fileno());
}

std::int64_t BufferedFile::tell() const {
  check_open();
  return raw_.tell() - static_cast<std::int64_t>(buffered()) +
         static_cast<std::int64_t>(write_end_);
}

void BufferedFile::flush_writes() {
  std::size_t done = 0;
  try {
    while (done < write_end_) {
      done += raw_.write(std::span(buffer_.get() + done, write_end_ - done));
    }
  } catch (...) {
    // Keep what was not written, so a later flush can retry without losing bytes.
    std::memmove(buffer_.get(), buffer_.get() + done, write_end_ - done);
    write_end_ -= done;
    throw;
  }
  write_end_ = 0;
}

void BufferedFile::drop_read_ahead() {
  if (read_pos_ != read_end_) {
    raw_.seek(raw_.tell() - static_cast<std::int64_t>(buffered()), SEEK_SET);
  }
  read_pos_ = read_end_ = 0;
}

void BufferedFile::synchronize() {
  check_open();
  flush_writes();
  drop_read_ahead();
}

std::size_t BufferedFile::refill() {
  read_pos_ = 0;
  read_end_ = 0;
  read_end_ = raw_.read(std::span(buffer_.get(), capacity_));
  return read_end_;
}

void BufferedFile::take(std::string& out, std::size_t count) {
  out.append(reinterpret_cast<const char*>(buffer_.get() + read_pos_), count);
  read_pos_ += count;
}

std::string BufferedFile::read(std::int64_t n) {
  check_readable("read");
  if (n < -1) {
    throw std::invalid_argument("tempfile: read length must be non-negative or -1");
  }
  flush_writes();
  std::string out;
  if (capacity_ == 0 && n >= 0) {
    const std::size_t got = raw_.read(writable_tail(out, 0, static_cast<std::size_t>(n)));
    out.resize(got);
    return out;
  }
  if (n == -1) {
    take(out, buffered());
    std::size_t chunk = std::max(capacity_, default_buffer_size);
    for (;;) {
      const std::size_t old_size = out.size();
      const std::size_t got = raw_.read(writable_tail(out, old_size, chunk));
      out.resize(old_size + got);
      if (got == 0) {
        return out;
      }
      chunk = std::min(chunk * 2, max_readall_chunk);
    }
  }
  const auto wanted = static_cast<std::size_t>(n);
  take(out, std::min(wanted, buffered()));
  while (out.size() < wanted) {
    const std::size_t missing = wanted - out.size();
    if (missing >= capacity_) {
      const std::size_t old_size = out.size();
      const std::size_t got = raw_.read(writable_tail(out, old_size, missing));
      out.resize(old_size + got);
      if (got == 0) {
        break;
      }
      continue;
    }
    if (refill() == 0) {
      break;
    }
    take(out, std::min(missing, buffered()));
  }
  return out;
}

std::string BufferedFile::read1(std::int64_t n) {
  check_readable("read1");
  flush_writes();
  const std::size_t wanted =
      n < 0 ? std::max(capacity_, default_buffer_size) : static_cast<std::size_t>(n);
  std::string out;
  if (wanted == 0) {
    return out;
  }
  if (buffered() == 0) {
    if (wanted >= capacity_) {
      const std::size_t got = raw_.read(writable_tail(out, 0, wanted));
      out.resize(got);
      return out;
    }
    refill();
  }
  take(out, std::min(wanted, buffered()));
  return out;
}

std::size_t BufferedFile::readinto(std::span<std::byte> into) {
  check_readable("readinto");
  flush_writes();
  std::size_t done = 0;
  while (done < into.size()) {
    const std::size_t available = std::min(buffered(), into.size() - done);
    if (available > 0) {
      std::memcpy(into.data() + done, buffer_.get() + read_pos_, available);
      read_pos_ += available;
      done += available;
      continue;
    }
    if (into.size() - done >= capacity_) {
      const std::size_t got = raw_.read(into.subspan(done));
      if (got == 0) {
        break;
      }
      done += got;
    } else if (refill() == 0) {
      break;
    }
  }
  return done;
}

std::string BufferedFile::readline(std::int64_t limit) {
  check_readable("readline");
  flush_writes();
  std::string line;
  const bool bounded = limit >= 0;
  const auto max_size = static_cast<std::size_t>(bounded ? limit : 0);
  while (!bounded || line.size() < max_size) {
    if (capacity_ == 0) {
      std::byte one{};
      if (raw_.read(std::span(&one, 1)) == 0) {
        break;
      }
      line += static_cast<char>(one);
      if (one == std::byte{'\n'}) {
        break;
      }
      continue;
    }
    if (buffered() == 0 && refill() == 0) {
      break;
    }
    std::size_t span_size = buffered();
    if (bounded) {
      span_size = std::min(span_size, max_size - line.size());
    }
    const auto* begin = reinterpret_cast<const char*>(buffer_.get() + read_pos_);
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', span_size));
    if (newline != nullptr) {
      take(line, static_cast<std::size_t>(newline - begin) + 1);
      break;
    }
    take(line, span_size);
  }
  return line;
}

std::size_t BufferedFile::write(std::span<const std::byte> data) {
  check_writable("write");
  if (capacity_ == 0) {
    return raw_.write(data);
  }
  drop_read_ahead();
  if (write_end_ + data.size() <= capacity_) {
    std::memcpy(buffer_.get() + write_end_, data.data(), data.size());
    write_end_ += data.size();
    return data.size();
  }
  flush_writes();
  if (data.size() >= capacity_) {
    raw_.write_all(data);
  } else {
    std::memcpy(buffer_.get(), data.data(), data.size());
    write_end_ = data.size();
  }
  return data.size();
}

std::int64_t BufferedFile::seek(std::int64_t offset, int whence) {
  check_open();
  if (whence == SEEK_SET || whence == SEEK_CUR) {
    const std::int64_t target = whence == SEEK_SET ? offset : tell() + offset;
    // Inside the read-ahead: move within the buffer, no system call.
    const std::int64_t window_end = raw_.tell();
    const std::int64_t window_begin = window_end - static_cast<std::int64_t>(read_end_);
    if (write_end_ == 0 && read_end_ > 0 && target >= window_begin && target <= window_end) {
      read_pos_ = static_cast<std::size_t>(target - window_begin);
      return target;
    }
    flush_writes();
    read_pos_ = read_end_ = 0;
    return raw_.seek(target, SEEK_SET);
  }
  flush_writes();
  if (read_pos_ != read_end_) {
    drop_read_ahead();  // so SEEK_DATA/SEEK_HOLE start from the logical position
  }
  read_pos_ = read_end_ = 0;
  return raw_.seek(offset, whence);
}

std::int64_t BufferedFile::truncate(std::optional<std::int64_t> size) {
  check_writable("truncate");
  flush_writes();
  drop_read_ahead();
  const std::int64_t target = size.value_or(raw_.tell());
  raw_.truncate(target);
  return target;
}

void BufferedFile::flush() {
  check_open();
  flush_writes();
}

void BufferedFile::close() {
  if (raw_.closed()) {
    return;
  }
  std::exception_ptr failure;
  try {
    flush_writes();
  } catch (...) {
    failure = std::current_exception();
  }
  write_end_ = read_pos_ = read_end_ = 0;
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
