// SPDX-License-Identifier: MIT
// Random names: a per-thread buffer of kernel random bytes, rejection-sampled into Python's
// 37-letter alphabet, invalidated in a child process (os/process.hpp tells which process this is).
#include "os/random.hpp"

#include <array>

#include "os/process.hpp"
#include "os/sys.hpp"

namespace tempfile::os {
namespace {

// 256 bytes give about 28 names per refill (8 characters, ~13% of bytes rejected): one
// getrandom per 28 names, at 256 bytes of thread-local storage.
constexpr std::size_t buffer_size = 256;
// Bytes at or above this are rejected so that byte % 37 is uniform (37 * 6 = 222).
constexpr unsigned accept_below = 256 - (256 % name_alphabet.size());

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

  unsigned char take() noexcept {
    if (next == bytes.size()) {
      random_bytes(bytes.data(), bytes.size());
      next = 0;
    }
    return bytes[next++];
  }
};

thread_local RandomBuffer thread_buffer;

}  // namespace

void random_name(char* out) noexcept {
  RandomBuffer& buffer = thread_buffer;
  buffer.forget_if_forked();
  for (std::size_t i = 0; i < name_length;) {
    const unsigned byte = buffer.take();
    if (byte < accept_below) {
      out[i++] = name_alphabet[byte % name_alphabet.size()];
    }
  }
}

}  // namespace tempfile::os
