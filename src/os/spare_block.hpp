// SPDX-License-Identifier: MIT
// The one spare block of each recycled kind a thread keeps: creating a temporary file and
// closing it again is the common case, and handing the same blocks back and forth through the
// heap costs a few hundred instructions per file (an 8 KiB buffer is too large for malloc's
// per-thread cache, and even a small block's malloc and free cost about 200). Besides the
// blocks, one spare string: the heap block of a path that a temporary object's name no longer
// needs, for the next new entry's path.
#pragma once

#include <cstddef>
#include <string>

namespace tempfile::os {

/// What is recycled: each kind has one slot per thread, holding one block of its one size.
enum class SpareKind : unsigned char {
  io_buffer,   // a byte layer's default-size buffer
  file_state,  // a tempfile::File's state
};
inline constexpr std::size_t spare_kinds = 2;

/// Whether blocks are recycled at all: not under AddressSanitizer, so that a use after close
/// is still reported (a recycled block would be valid memory to it).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool keeps_spare_blocks = false;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
inline constexpr bool keeps_spare_blocks = false;
#  else
inline constexpr bool keeps_spare_blocks = true;
#  endif
#else
inline constexpr bool keeps_spare_blocks = true;
#endif

/// The thread's spare block of `kind`, now the caller's; nullptr when it has none.
[[nodiscard]] void* take_spare_block(SpareKind kind) noexcept;

/// Keeps `block` as the thread's spare of `kind` when the slot is empty (and the thread is not
/// ending) and returns true; else returns false, and the caller frees it. The block must have
/// been allocated with ::operator new (every kind is), since the thread frees its spares with
/// ::operator delete when it ends.
[[nodiscard]] bool keep_spare_block(SpareKind kind, void* block) noexcept;

/// The thread's spare string, now the caller's, emptied but with its capacity; an empty string
/// with none when the thread has none.
[[nodiscard]] std::string take_spare_string() noexcept;

/// keep_spare_string() for a string with a heap block of its own.
void keep_heap_string(std::string& text) noexcept;

/// Keeps `text`'s heap block as the thread's spare string (`text` is left empty) when the slot
/// is empty, the thread is not ending, and the block is one worth keeping: a path's, neither
/// short enough to live inside the string nor larger than spare_string_capacity. Otherwise
/// `text` is left as it was, for its owner to free.
inline void keep_spare_string(std::string& text) noexcept {
  if (text.capacity() > std::string().capacity()) {  // else no block of its own to keep
    keep_heap_string(text);
  }
}

/// The largest capacity keep_spare_string() keeps: room for any path a temporary entry
/// usually has, and no larger block held for the thread's life.
inline constexpr std::size_t spare_string_capacity = 1024;

}  // namespace tempfile::os
