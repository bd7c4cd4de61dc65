// The fork generation counter (os/process.hpp): a pthread_atfork child handler bumps it.
#include "os/process.hpp"

#include <pthread.h>

#include <atomic>

namespace tempfile::os {
namespace {

std::atomic<unsigned> fork_generation{0};

void on_fork_in_child() noexcept {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

unsigned process_generation() noexcept {
  // A function-local static: after the first call this is one load of the guard.
  static const bool registered = ::pthread_atfork(nullptr, nullptr, &on_fork_in_child) == 0;
  static_cast<void>(registered);
  return fork_generation.load(std::memory_order_relaxed);
}

}  // namespace tempfile::os
