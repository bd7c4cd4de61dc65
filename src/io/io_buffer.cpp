// SPDX-License-Identifier: MIT
// The per-thread spare buffer (io/io_buffer.hpp).
#include "io/io_buffer.hpp"

#include <new>

namespace tempfile::io {
namespace {

// The spare, in trivially destructible storage (no guard on each use), and its owner, whose
// destructor frees it when the thread ends. The owner is constructed when a spare is first
// kept; after it is destroyed (a file closed later in the thread's exit, by another
// thread_local's destructor) buffers go back to the heap.
enum class SlotState : unsigned char { unused, open, closed };
struct Slot {
  std::byte* spare;
  SlotState state;
};
thread_local constinit Slot slot{nullptr, SlotState::unused};

struct SlotOwner {
  SlotOwner() noexcept { slot.state = SlotState::open; }
  SlotOwner(const SlotOwner&) = delete;
  SlotOwner& operator=(const SlotOwner&) = delete;
  SlotOwner(SlotOwner&&) = delete;
  SlotOwner& operator=(SlotOwner&&) = delete;
  ~SlotOwner() {
    delete[] slot.spare;
    slot.spare = nullptr;
    slot.state = SlotState::closed;
  }
};

}  // namespace

void IoBufferRelease::operator()(std::byte* buffer) const noexcept {
  if (keeps_spare_io_buffers && size == spare_io_buffer_size && slot.spare == nullptr &&
      slot.state != SlotState::closed) {
    if (slot.state == SlotState::unused) {
      thread_local SlotOwner owner;  // constructed once per thread; sets the state to open
      static_cast<void>(owner);
    }
    slot.spare = buffer;
    return;
  }
  delete[] buffer;
}

IoBuffer acquire_io_buffer(std::size_t size) {
  if (size == 0) {
    return IoBuffer(nullptr, IoBufferRelease{0});
  }
  if (keeps_spare_io_buffers && size == spare_io_buffer_size && slot.spare != nullptr) {
    std::byte* spare = slot.spare;
    slot.spare = nullptr;
    return IoBuffer(spare, IoBufferRelease{size});
  }
  return IoBuffer(new std::byte[size], IoBufferRelease{size});
}

}  // namespace tempfile::io
