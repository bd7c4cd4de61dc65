// SPDX-License-Identifier: MIT
// Random names: a per-thread buffer of kernel random bytes, each name drawn uniformly from
// Python's 37-letter alphabet, the buffer invalidated in a child process (os/process.hpp tells
// which process this is).
#include "os/random.hpp"

#include <array>
#include <cstdint>

#include "os/process.hpp"
#include "os/sys.hpp"

namespace tempfile::os {
namespace {

// Each name is the low 8 base-37 digits of a 48-bit number drawn from the kernel's bytes, a
// number being rejected at or above the largest multiple of 37^8 that fits in 48 bits (0.17%
// of draws), so that every name is equally likely. That is 6 bytes a name instead of the 9 or
// so that drawing each character from its own rejection-sampled byte needed, and a multiply
// per character instead of a branch per byte.
constexpr std::uint64_t names_per_draw = [] {
  std::uint64_t power = 1;
  for (std::size_t i = 0; i < name_length; ++i) {
    power *= name_alphabet.size();
  }
  return power;
}();
constexpr std::size_t draw_bytes = 6;
constexpr std::uint64_t accept_below =
    ((std::uint64_t{1} << (8 * draw_bytes)) / names_per_draw) * names_per_draw;
static_assert(names_per_draw < (std::uint64_t{1} << (8 * draw_bytes)));

// 252 bytes: 42 draws, so one getrandom per 42 names or so, at 256 bytes of thread-local storage.
constexpr std::size_t buffer_size = 42 * draw_bytes;

struct RandomBuffer {
  std::array<unsigned char, buffer_size> bytes{};
  std::size_t next = buffer_size;  // empty until the first refill
  pid_t owner = 0;                 // the process that filled it

  // A buffer filled before a fork() (or clone()) belongs to the parent's stream of names: drop it.
  void forget_if_forked() noexcept {
    const pid_t current = process_id();
    if (owner != current) {
      next = bytes.size();
      owner = current;
    }
  }

  std::uint64_t draw() noexcept {
    if (next == bytes.size()) {
      random_bytes(bytes.data(), bytes.size());
      next = 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < draw_bytes; ++i) {
      value = (value << 8U) | bytes[next + i];
    }
    next += draw_bytes;
    return value;
  }
};

thread_local RandomBuffer thread_buffer;

}  // namespace

void random_name(char* out) noexcept {
  RandomBuffer& buffer = thread_buffer;
  buffer.forget_if_forked();
  std::uint64_t value = buffer.draw();
  while (value >= accept_below) {
    value = buffer.draw();
  }
  for (std::size_t i = 0; i < name_length; ++i) {
    out[i] = name_alphabet[value % name_alphabet.size()];
    value /= name_alphabet.size();
  }
}

}  // namespace tempfile::os
