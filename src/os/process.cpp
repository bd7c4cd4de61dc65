// SPDX-License-Identifier: MIT
// os::process_id(): getpid() cached where a child cannot inherit the cache (os/process.hpp).
#include "os/process.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <new>

#if defined(__linux__)
#  include <sys/mman.h>
#endif

namespace tempfile::os {
namespace {

static_assert(std::atomic<pid_t>::is_always_lock_free);

#if defined(__linux__) && defined(MADV_WIPEONFORK)

// The cache: one page that every child without CLONE_VM gets zero-filled, whoever made it (the
// kernel does this in its copy of our memory, so raw clone() and SYS_fork children too). Null
// when the kernel refused the advice: then nothing is cached. Keyed on Linux, not on the fast
// paths switch: this is what keeps a child from removing its parent's entries, in every build.
std::atomic<pid_t>* map_cache() noexcept {
  const long page_size = ::sysconf(_SC_PAGESIZE);
  const std::size_t size = page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
  void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    return nullptr;
  }
  if (::madvise(memory, size, MADV_WIPEONFORK) != 0) {
    ::munmap(memory, size);
    return nullptr;
  }
  // Zero-filled memory is a valid atomic holding 0 ("not known yet").
  return new (memory) std::atomic<pid_t>(0);
}

}  // namespace

pid_t process_id() noexcept {
  static std::atomic<pid_t>* const cache = map_cache();  // never unmapped
  if (cache == nullptr) {
    return ::getpid();
  }
  pid_t id = cache->load(std::memory_order_relaxed);
  if (id == 0) {
    id = ::getpid();
    cache->store(id, std::memory_order_relaxed);
  }
  return id;
}

#else

// No page the kernel wipes in a child: fork() refreshes the cache through pthread_atfork.
std::atomic<pid_t> cached_id{0};

void on_fork_in_child() noexcept {
  cached_id.store(::getpid(), std::memory_order_relaxed);
}

}  // namespace

pid_t process_id() noexcept {
  static const bool registered = [] {
    cached_id.store(::getpid(), std::memory_order_relaxed);
    return ::pthread_atfork(nullptr, nullptr, &on_fork_in_child) == 0;
  }();
  if (!registered) {
    return ::getpid();
  }
  return cached_id.load(std::memory_order_relaxed);
}

#endif

}  // namespace tempfile::os
