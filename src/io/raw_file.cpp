// RawFile: the OS layer's read/write/seek/truncate with errors turned into tempfile::error, and
// the in-memory variant a SpooledTemporaryFile starts with.
#include "io/raw_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

// The first block a spooled file allocates; then it doubles (as the floor's realloc buffer).
constexpr std::size_t first_memory_block = 4096;

}  // namespace

RawFile RawFile::in_memory(OpenMode mode) noexcept {
  RawFile file(os::FileDescriptor(), mode);
  file.in_memory_ = true;
  return file;
}

void RawFile::fail(const char* action, os::Errno err) const {
  throw error(action,
              std::filesystem::path(in_memory_ ? std::string("<memory>")
                                               : "fd " + std::to_string(fd_.get())),
              os::to_error_code(err));
}

std::span<const std::byte> RawFile::memory_ahead() const noexcept {
  const auto position = static_cast<std::size_t>(position_);
  if (position >= memory_size_) {
    return {};
  }
  return {memory_.get() + position, memory_size_ - position};
}

void RawFile::reserve_memory(std::size_t size) {
  if (size <= memory_capacity_) {
    return;
  }
  std::size_t capacity = std::max(memory_capacity_ * 2, first_memory_block);
  while (capacity < size) {
    capacity = capacity > std::numeric_limits<std::size_t>::max() / 2 ? size : capacity * 2;
  }
  void* grown = std::realloc(memory_.get(), capacity);  // NOLINT(cppcoreguidelines-no-malloc)
  if (grown == nullptr) {
    throw std::bad_alloc();
  }
  static_cast<void>(memory_.release());
  memory_.reset(static_cast<std::byte*>(grown));
  memory_capacity_ = capacity;
}

std::size_t RawFile::read(std::span<std::byte> into) {
  if (in_memory_) {
    const std::span<const std::byte> ahead = memory_ahead();
    const std::size_t got = std::min(ahead.size(), into.size());
    if (got > 0) {
      std::memcpy(into.data(), ahead.data(), got);
    }
    advance(got);
    return got;
  }
  std::size_t got = 0;
  if (const os::Errno err = os::read_some(fd_.get(), into.data(), into.size(), got); err != 0) {
    fail("cannot read from", err);
  }
  position_ += static_cast<std::int64_t>(got);
  return got;
}

std::size_t RawFile::write(std::span<const std::byte> from) {
  if (in_memory_) {
    if (from.empty()) {  // an empty write does not extend a file, even past its end
      return 0;
    }
    const auto position = static_cast<std::size_t>(position_);
    const std::size_t end = position + from.size();
    reserve_memory(end);
    if (position > memory_size_) {  // past the end: the gap reads as zero bytes, as in a file
      std::memset(memory_.get() + memory_size_, 0, position - memory_size_);
    }
    std::memcpy(memory_.get() + position, from.data(), from.size());
    memory_size_ = std::max(memory_size_, end);
    position_ = static_cast<std::int64_t>(end);
    return from.size();
  }
  std::size_t written = 0;
  if (const os::Errno err = os::write_some(fd_.get(), from.data(), from.size(), written);
      err != 0) {
    fail("cannot write to", err);
  }
  position_ += static_cast<std::int64_t>(written);
  return written;
}

void RawFile::write_all(std::span<const std::byte> from) {
  while (!from.empty()) {
    from = from.subspan(write(from));
  }
}

std::int64_t RawFile::seek(std::int64_t offset, int whence) {
  if (in_memory_) {
    // lseek's rules, so that a spooled file answers the same before and after rollover.
    const auto size = static_cast<std::int64_t>(memory_size_);
    std::int64_t base = 0;
    if (whence == SEEK_CUR) {
      base = position_;
    } else if (whence == SEEK_END) {
      base = size;
    }
#ifdef SEEK_DATA
    if (whence == SEEK_DATA || whence == SEEK_HOLE) {
      if (offset < 0) {
        fail("cannot seek in", EINVAL);
      }
      if (offset >= size) {
        fail("cannot seek in", ENXIO);
      }
      position_ = whence == SEEK_DATA ? offset : size;
      return position_;
    }
#endif
    if ((offset > 0 && base > std::numeric_limits<std::int64_t>::max() - offset) ||
        base + offset < 0) {
      fail("cannot seek in", EINVAL);
    }
    position_ = base + offset;
    return position_;
  }
  std::int64_t position = 0;
  if (const os::Errno err = os::seek(fd_.get(), offset, whence, position); err != 0) {
    fail("cannot seek in", err);
  }
  position_ = position;
  return position;
}

void RawFile::truncate(std::int64_t size) {
  if (in_memory_) {
    if (size < 0) {
      fail("cannot truncate", EINVAL);
    }
    const auto new_size = static_cast<std::size_t>(size);
    if (new_size > memory_size_) {
      reserve_memory(new_size);
      std::memset(memory_.get() + memory_size_, 0, new_size - memory_size_);
    }
    memory_size_ = new_size;
    return;
  }
  if (const os::Errno err = os::truncate(fd_.get(), size); err != 0) {
    fail("cannot truncate", err);
  }
}

void RawFile::close() {
  if (in_memory_) {
    memory_.reset();
    memory_size_ = memory_capacity_ = 0;
    in_memory_ = false;
    return;
  }
  if (const os::Errno err = fd_.close(); err != 0) {
    fail("cannot close", err);
  }
}

os::Errno RawFile::move_to(os::FileDescriptor& fd) noexcept {
  if (memory_size_ > 0) {
    if (const os::Errno err = os::write_all(fd.get(), memory_.get(), memory_size_); err != 0) {
      return err;
    }
  }
  if (position_ != static_cast<std::int64_t>(memory_size_)) {
    std::int64_t moved = 0;
    if (const os::Errno err = os::seek(fd.get(), position_, SEEK_SET, moved); err != 0) {
      return err;
    }
  }
  fd_ = std::move(fd);
  memory_.reset();
  memory_size_ = memory_capacity_ = 0;
  in_memory_ = false;
  return 0;
}

}  // namespace tempfile::io
