// SPDX-License-Identifier: MIT
// os::process_id(): getpid() cached where a child cannot inherit the cache (os/process.hpp).
#include "os/process.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <new>

#include "os/fork_handlers.hpp"

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
std::size_t cache_size() noexcept {
  const long page_size = ::sysconf(_SC_PAGESIZE);
  return page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
}

std::atomic<pid_t>* map_cache() noexcept {
  const std::size_t size = cache_size();
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

// The cache's address, published once. Not a function-local static: a fork() while another
// thread is inside such a static's initialization would leave the child waiting forever for a
// thread it does not have (the guard stays "in progress" in the child's copy). With an atomic
// pointer the child simply maps its own page if the parent had not finished.
std::atomic<std::atomic<pid_t>*> cache_address{nullptr};
std::atomic<bool> cache_refused{false};

std::atomic<pid_t>* the_cache() noexcept {
  std::atomic<pid_t>* cache = cache_address.load(std::memory_order_acquire);
  if (cache != nullptr || cache_refused.load(std::memory_order_relaxed)) {
    return cache;
  }
  std::atomic<pid_t>* mapped = map_cache();
  if (mapped == nullptr) {
    cache_refused.store(true, std::memory_order_relaxed);
    return nullptr;
  }
  if (!cache_address.compare_exchange_strong(cache, mapped, std::memory_order_acq_rel)) {
    ::munmap(mapped, cache_size());  // another thread published one first: use that one
    return cache;
  }
  return mapped;
}

}  // namespace

pid_t process_id() noexcept {
  std::atomic<pid_t>* const cache = the_cache();  // never unmapped
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

void nothing_before_fork() noexcept {}
void nothing_in_parent() noexcept {}
void on_fork_in_child() noexcept {
  cached_id.store(::getpid(), std::memory_order_relaxed);
}
using ProcessIdForkHandlers =
    ForkHandlers<&nothing_before_fork, &nothing_in_parent, &on_fork_in_child>;

}  // namespace

pid_t process_id() noexcept {
  // The handler first, the cache after: an id cached before it existed could be copied into a
  // child forked in between, which would then take itself for its parent.
  if (ProcessIdForkHandlers::ensure_registered() != 0) {
    return ::getpid();
  }
  pid_t id = cached_id.load(std::memory_order_relaxed);
  if (id == 0) {
    id = ::getpid();
    cached_id.store(id, std::memory_order_relaxed);
  }
  return id;
}

#endif

}  // namespace tempfile::os
