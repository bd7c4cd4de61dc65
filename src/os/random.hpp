// SPDX-License-Identifier: MIT
// Random names for temporary entries: Python's alphabet and length, from the kernel's random
// source, batched so most names cost no system call, and never repeated across fork().
#pragma once

#include <cstddef>
#include <string_view>

namespace tempfile::os {

/// Python's _RandomNameSequence alphabet: lower-case letters, digits and '_' (37 characters).
inline constexpr std::string_view name_alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";
/// Python's name length: 8 characters, about 41.7 bits.
inline constexpr std::size_t name_length = 8;

/// Writes name_length characters drawn uniformly from name_alphabet into `out`.
///
/// Each thread keeps a small buffer of kernel random bytes (one getrandom call per few dozen
/// names). A fork() makes the child discard the buffer it inherited, so parent and child never
/// draw the same names (Python's test_process_awareness), without a getpid() per name.
void random_name(char* out) noexcept;

}  // namespace tempfile::os
