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

RawFile RawFile::unshared(os::FileDescriptor fd, OpenMode mode) noexcept {
  RawFile file(std::move(fd), mode);
  file.unshared_ = true;
  return file;
}

std::int64_t RawFile::known_remaining() const noexcept {
  if (!in_memory_ && !unshared_) {
    return -1;
  }
  const std::int64_t size = in_memory_ ? static_cast<std::int64_t>(memory_size_) : size_;
  return position_ < size ? size - position_ : 0;
}

void RawFile::share() {
  if (!unshared_) {
    return;
  }
  std::int64_t moved = 0;
  if (const os::Errno err = os::seek(fd_.get(), position_, SEEK_SET, moved); err != 0) {
    fail("cannot seek in", err);
  }
  unshared_ = false;
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
  if (const os::Errno err = unshared_
                                ? os::read_at(fd_.get(), into.data(), into.size(), position_, got)
                                : os::read_some(fd_.get(), into.data(), into.size(), got);
      err != 0) {
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
  if (const os::Errno err =
          unshared_ ? os::write_at(fd_.get(), from.data(), from.size(), position_, written)
                    : os::write_some(fd_.get(), from.data(), from.size(), written);
      err != 0) {
    fail("cannot write to", err);
  }
  position_ += static_cast<std::int64_t>(written);
  if (unshared_ && position_ > size_) {
    size_ = position_;
  }
  return written;
}

void RawFile::write_all(std::span<const std::byte> from) {
  while (!from.empty()) {
    from = from.subspan(write(from));
  }
}

std::int64_t RawFile::seek_without_descriptor(std::int64_t offset, int whence, std::int64_t size) {
  std::int64_t base = 0;
  if (whence == SEEK_CUR) {
    base = position_;
  } else if (whence == SEEK_END) {
    base = size;
  }
  if ((offset > 0 && base > std::numeric_limits<std::int64_t>::max() - offset) ||
      base + offset < 0) {
    fail("cannot seek in", EINVAL);
  }
  position_ = base + offset;
  return position_;
}

std::int64_t RawFile::seek(std::int64_t offset, int whence) {
  const bool plain = whence == SEEK_SET || whence == SEEK_CUR || whence == SEEK_END;
  if (unshared_ && plain) {
    return seek_without_descriptor(offset, whence, size_);
  }
  if (in_memory_) {
    const auto size = static_cast<std::int64_t>(memory_size_);
    if (plain) {
      return seek_without_descriptor(offset, whence, size);
    }
    // SEEK_DATA / SEEK_HOLE: memory has no holes.
    if (offset < 0) {
      fail("cannot seek in", EINVAL);
    }
    if (offset >= size) {
      fail("cannot seek in", ENXIO);
    }
    position_ = whence == os::seek_hole ? size : offset;
    return position_;
  }
  // With a descriptor: lseek (SEEK_DATA/SEEK_HOLE take an absolute offset, so an unshared
  // file's stale descriptor offset does not matter to them).
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
  size_ = size;
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

void RawFile::abandon() noexcept {
  memory_.reset();
  memory_size_ = memory_capacity_ = 0;
  in_memory_ = false;
  static_cast<void>(fd_.close());
}

os::Errno RawFile::move_to(os::FileDescriptor& fd) noexcept {
  if (memory_size_ > 0) {
    if (const os::Errno err = os::write_all(fd.get(), memory_.get(), memory_size_); err != 0) {
      return err;
    }
  }
  // The new file has no name and no one else holds it: unshared, so the position needs no
  // lseek (pread/pwrite use it).
  fd_ = std::move(fd);
  unshared_ = true;
  size_ = static_cast<std::int64_t>(memory_size_);
  memory_.reset();
  memory_size_ = memory_capacity_ = 0;
  in_memory_ = false;
  return 0;
}

}  // namespace tempfile::io
