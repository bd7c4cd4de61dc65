// SPDX-License-Identifier: MIT
// The byte layer's buffers, the default size recycled through the thread's spare block.
#include "io/io_buffer.hpp"

#include <new>

#include "os/spare_block.hpp"

namespace tempfile::io {

void IoBufferRelease::operator()(std::byte* buffer) const noexcept {
  if (size == spare_io_buffer_size && os::keep_spare_block(os::SpareKind::io_buffer, buffer)) {
    return;
  }
  ::operator delete(buffer);
}

IoBuffer acquire_io_buffer(std::size_t size) {
  if (size == 0) {
    return IoBuffer(nullptr, IoBufferRelease{0});
  }
  if (size == spare_io_buffer_size) {
    if (void* spare = os::take_spare_block(os::SpareKind::io_buffer)) {
      return IoBuffer(static_cast<std::byte*>(spare), IoBufferRelease{size});
    }
  }
  // Raw storage from ::operator new, as every spare block is (bytes need no construction).
  return IoBuffer(static_cast<std::byte*>(::operator new(size)), IoBufferRelease{size});
}

}  // namespace tempfile::io
