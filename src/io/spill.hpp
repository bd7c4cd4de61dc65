// SPDX-License-Identifier: MIT
// Where a spooled file's bytes go when they leave memory: the objects layer knows how to
// create files, the io layer knows when; this interface lets the lower layer ask the upper.
// It only creates: the swap itself is io's (BufferedFile::roll_over, RawFile::roll_over_to).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "os/errno.hpp"
#include "os/fd.hpp"

namespace tempfile::io {

class Spill {
 public:
  /// `max_size` > 0: a write that would leave the position past it rolls over (Python's
  /// `tell() > max_size` after the write, checked before it so a failure writes nothing);
  /// 0: writes never roll over. `buffer_size`: the byte layer's buffer once on a descriptor
  /// (0: unbuffered).
  Spill(std::int64_t max_size, std::size_t buffer_size) noexcept
      : max_size_(max_size), buffer_size_(buffer_size) {}
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;
  Spill(Spill&&) = delete;
  Spill& operator=(Spill&&) = delete;
  virtual ~Spill() = default;

  [[nodiscard]] std::int64_t max_size() const noexcept { return max_size_; }
  [[nodiscard]] std::size_t buffer_size() const noexcept { return buffer_size_; }
  /// A new, empty, read-write file at offset 0 that no name reaches. Throws
  /// (tempfile::error) on failure.
  [[nodiscard]] virtual os::FileDescriptor create() = 0;
  /// Where the last create() made its file (a directory, or the memory file's name), which
  /// errors on the rolled-over file name.
  [[nodiscard]] virtual std::filesystem::path location() const = 0;
  /// Throws the error for a failure to copy the spooled bytes into the new file.
  [[noreturn]] virtual void fail(os::Errno err) const = 0;

 private:
  std::int64_t max_size_;
  std::size_t buffer_size_;
};

}  // namespace tempfile::io
