// Random names: a per-thread buffer of kernel random bytes, rejection-sampled into Python's
// 37-letter alphabet, invalidated in a forked child through a pthread_atfork generation count.
#include "os/random.hpp"

#include <pthread.h>

#include <array>
#include <atomic>

#include "os/sys.hpp"

namespace tempfile::os {
namespace {

// Bumped in every forked child; a thread's buffer filled under another generation is stale.
std::atomic<unsigned> fork_generation{0};

void on_fork_in_child() noexcept {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

void register_fork_handler() noexcept {
  // A function-local static: after the first call this is one load of the guard.
  static const bool registered = ::pthread_atfork(nullptr, nullptr, &on_fork_in_child) == 0;
  static_cast<void>(registered);
}

// 256 bytes give about 28 names per refill (8 characters, ~13% of bytes rejected): one
// getrandom per 28 names, at 256 bytes of thread-local storage.
constexpr std::size_t buffer_size = 256;
// Bytes at or above this are rejected so that byte % 37 is uniform (37 * 6 = 222).
constexpr unsigned accept_below = 256 - (256 % name_alphabet.size());

struct RandomBuffer {
  std::array<unsigned char, buffer_size> bytes{};
  std::size_t next = buffer_size;  // empty until the first refill
  unsigned generation = 0;

  // A buffer filled before a fork() belongs to the parent's stream of names: drop it.
  void forget_if_forked() noexcept {
    const unsigned current = fork_generation.load(std::memory_order_relaxed);
    if (generation != current) {
      next = bytes.size();
      generation = current;
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

unsigned process_generation() noexcept {
  register_fork_handler();
  return fork_generation.load(std::memory_order_relaxed);
}

void random_name(char* out) noexcept {
  register_fork_handler();
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
