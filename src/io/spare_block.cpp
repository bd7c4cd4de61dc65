// SPDX-License-Identifier: MIT
// The per-thread spare blocks (io/spare_block.hpp).
#include "io/spare_block.hpp"

#include <array>
#include <new>

namespace tempfile::io {
namespace {

// The spares, in trivially destructible storage (no guard on each use), and their owner, whose
// destructor frees them when the thread ends. The owner is constructed when a spare is first
// kept; after it is destroyed (a file closed later in the thread's exit, by another
// thread_local's destructor) blocks go back to the heap.
enum class SlotState : unsigned char { unused, open, closed };
struct Slots {
  std::array<void*, spare_kinds> spare;
  SlotState state;
};
thread_local constinit Slots slots{{}, SlotState::unused};

struct SlotOwner {
  SlotOwner() noexcept { slots.state = SlotState::open; }
  SlotOwner(const SlotOwner&) = delete;
  SlotOwner& operator=(const SlotOwner&) = delete;
  SlotOwner(SlotOwner&&) = delete;
  SlotOwner& operator=(SlotOwner&&) = delete;
  ~SlotOwner() {
    for (void*& spare : slots.spare) {
      ::operator delete(spare);
      spare = nullptr;
    }
    slots.state = SlotState::closed;
  }
};

}  // namespace

void* take_spare_block(SpareKind kind) noexcept {
  if (!keeps_spare_blocks) {
    return nullptr;
  }
  void*& spare = slots.spare[static_cast<std::size_t>(kind)];
  void* block = spare;
  spare = nullptr;
  return block;
}

bool keep_spare_block(SpareKind kind, void* block) noexcept {
  void*& spare = slots.spare[static_cast<std::size_t>(kind)];
  if (!keeps_spare_blocks || spare != nullptr || slots.state == SlotState::closed) {
    return false;
  }
  if (slots.state == SlotState::unused) {
    thread_local SlotOwner owner;  // constructed once per thread; sets the state to open
    static_cast<void>(owner);
  }
  spare = block;
  return true;
}

}  // namespace tempfile::io
