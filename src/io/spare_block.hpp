// SPDX-License-Identifier: MIT
// The one spare block of each recycled kind a thread keeps: creating a temporary file and
// closing it again is the common case, and handing the same blocks back and forth through the
// heap costs a few hundred instructions per file (an 8 KiB buffer is too large for malloc's
// per-thread cache, and even a small block's malloc and free cost about 200).
#pragma once

#include <cstddef>

namespace tempfile::io {

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

}  // namespace tempfile::io
