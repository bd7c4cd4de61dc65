// What a spooled file's byte layer needs in order to leave memory: the objects layer knows how
// to create files, the io layer knows when; this interface lets the lower layer ask the upper.
#pragma once

#include <cstddef>
#include <cstdint>

#include "os/errno.hpp"
#include "os/fd.hpp"

namespace tempfile::io {

class Spill {
 public:
  Spill() = default;
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;
  Spill(Spill&&) = delete;
  Spill& operator=(Spill&&) = delete;
  virtual ~Spill() = default;

  /// > 0: a write that would leave the position past this rolls over first (Python's
  /// `tell() > max_size` after the write, checked before it so a failure writes nothing).
  /// 0: writes never roll over.
  [[nodiscard]] virtual std::int64_t max_size() const noexcept = 0;
  /// The byte layer's buffer size once on a descriptor (0: unbuffered).
  [[nodiscard]] virtual std::size_t buffer_size() const noexcept = 0;
  /// A new, empty, read-write file at offset 0. Throws (tempfile::error) on failure.
  [[nodiscard]] virtual os::FileDescriptor create() = 0;
  /// Throws the error for a failure to copy the spooled bytes into the new file.
  [[noreturn]] virtual void fail(os::Errno err) const = 0;
  /// The data now lives on `fd`; called once, after the switch.
  virtual void rolled(int fd) noexcept = 0;
};

}  // namespace tempfile::io
