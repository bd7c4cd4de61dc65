// SPDX-License-Identifier: MIT
// The byte layer's buffer, and the one spare default-size buffer each thread keeps
// (os/spare_block.hpp): an 8 KiB block is too large for malloc's per-thread cache, so each new
// buffer would otherwise cost a trip through its bins (about 450 instructions for the pair of
// calls).
#pragma once

#include <cstddef>
#include <memory>

#include "os/spare_block.hpp"

namespace tempfile::io {

/// Gives a buffer back: to the thread's spare slot when it is the default size and the slot is
/// empty, else to the heap.
struct IoBufferRelease {
  std::size_t size = 0;
  void operator()(std::byte* buffer) const noexcept;
};

using IoBuffer = std::unique_ptr<std::byte[], IoBufferRelease>;

/// An uninitialised buffer of `size` bytes (none for 0): the thread's spare when it fits, else
/// a new one. Throws std::bad_alloc.
[[nodiscard]] IoBuffer acquire_io_buffer(std::size_t size);

/// The size the spare slot keeps (Python's DEFAULT_BUFFER_SIZE, BufferedFile's default).
inline constexpr std::size_t spare_io_buffer_size = 8192;

}  // namespace tempfile::io
