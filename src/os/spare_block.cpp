// SPDX-License-Identifier: MIT
// The per-thread spare blocks (os/spare_block.hpp).
#include "os/spare_block.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>

namespace tempfile::os {
namespace {

// The spares, in trivially destructible storage (no guard on each use), and their owner, whose
// destructor frees them when the thread ends. The owner is constructed when a spare is first
// kept; after it is destroyed (a file closed later in the thread's exit, by another
// thread_local's destructor) blocks go back to the heap.
enum class SlotState : unsigned char { unused, open, closed };
struct Slots {
  std::array<void*, spare_kinds> spare;
  SlotState state;
  // Whether `text` holds a spare string's block. `text` is raw storage, so that the slots stay
  // trivially destructible and no use pays for a thread_local's guard: the owner below
  // constructs a string in it and destroys it again.
  bool has_text;
  alignas(std::string) std::array<std::byte, sizeof(std::string)> text;
};
thread_local constinit Slots slots{{}, SlotState::unused, false, {}};

// The spare string; constructed while the state is open.
std::string& kept_text() noexcept {
  return *std::launder(reinterpret_cast<std::string*>(slots.text.data()));
}

struct SlotOwner {
  SlotOwner() noexcept {
    ::new (static_cast<void*>(slots.text.data())) std::string();
    slots.state = SlotState::open;
  }
  SlotOwner(const SlotOwner&) = delete;
  SlotOwner& operator=(const SlotOwner&) = delete;
  SlotOwner(SlotOwner&&) = delete;
  SlotOwner& operator=(SlotOwner&&) = delete;
  ~SlotOwner() {
    for (void*& spare : slots.spare) {
      ::operator delete(spare);
      spare = nullptr;
    }
    std::destroy_at(&kept_text());
    slots.has_text = false;
    slots.state = SlotState::closed;
  }
};

// The slots' owner, constructed on the thread's first keep (it opens the slots). Out of line:
// inlined, its guard and registration would make every keep save and restore registers.
[[gnu::noinline]] void own_slots() noexcept {
  thread_local SlotOwner owner;
  static_cast<void>(owner);
}

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
    own_slots();
  }
  spare = block;
  return true;
}

std::string take_spare_string() noexcept {
  std::string text;  // one object returned on every path: no move on the way out
  if (keeps_spare_blocks && slots.has_text) {
    text = std::move(kept_text());  // takes the block; the spare is left empty and short
    slots.has_text = false;
    text.clear();
  }
  return text;
}

void keep_heap_string(std::string& text) noexcept {
  if (!keeps_spare_blocks || slots.has_text || slots.state == SlotState::closed ||
      text.capacity() > spare_string_capacity) {
    return;
  }
  if (slots.state == SlotState::unused) {
    own_slots();
  }
  kept_text() = std::move(text);  // into an empty short string: takes the block, no copy
  slots.has_text = true;
}

}  // namespace tempfile::os
