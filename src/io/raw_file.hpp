// Python's FileIO: one descriptor, its mode, and the offset tracked in memory so that no
// lseek is needed to answer tell() (CPython probes with lseek on every open).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/mode.hpp"
#include "os/fd.hpp"

namespace tempfile::io {

class RawFile {
 public:
  /// Takes a freshly created descriptor whose offset is `position` (0 for a new file).
  RawFile(os::FileDescriptor fd, OpenMode mode, std::int64_t position = 0) noexcept
      : fd_(std::move(fd)), mode_(mode), position_(position) {}

  /// One read(2); 0 at end of file. Throws tempfile::error.
  std::size_t read(std::span<std::byte> into);
  /// One write(2); may write fewer bytes than given. Throws tempfile::error.
  std::size_t write(std::span<const std::byte> from);
  /// write() until everything is written.
  void write_all(std::span<const std::byte> from);
  /// lseek(2); SEEK_SET/SEEK_CUR/SEEK_END (and SEEK_DATA/SEEK_HOLE where they exist).
  std::int64_t seek(std::int64_t offset, int whence);
  [[nodiscard]] std::int64_t tell() const noexcept { return position_; }
  /// ftruncate(2); the offset does not move.
  void truncate(std::int64_t size);
  /// Closes the descriptor; reports close's error once. Idempotent.
  void close();

  [[nodiscard]] bool closed() const noexcept { return !fd_.valid(); }
  [[nodiscard]] int fileno() const noexcept { return fd_.get(); }
  [[nodiscard]] const OpenMode& mode() const noexcept { return mode_; }

 private:
  os::FileDescriptor fd_;
  OpenMode mode_;
  std::int64_t position_;
};

}  // namespace tempfile::io
