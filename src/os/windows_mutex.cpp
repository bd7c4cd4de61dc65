// SPDX-License-Identifier: MIT
// os::StaticMutex on Windows: an exclusive SRWLOCK.
#include "os/static_mutex.hpp"
#include "os/windows_api.hpp"

namespace tempfile::os {
namespace {

static_assert(sizeof(SRWLOCK) == sizeof(void*) && alignof(SRWLOCK) == alignof(void*));

// The pointer member is the lock's storage: it starts as SRWLOCK_INIT (all zero) and is only
// ever touched by the SRW functions from then on.
PSRWLOCK as_srwlock(void*& storage) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  return reinterpret_cast<PSRWLOCK>(&storage);
}

}  // namespace

void StaticMutex::lock() noexcept {
  ::AcquireSRWLockExclusive(as_srwlock(lock_));
}

void StaticMutex::unlock() noexcept {
  ::ReleaseSRWLockExclusive(as_srwlock(lock_));
}

bool StaticMutex::try_lock() noexcept {
  return ::TryAcquireSRWLockExclusive(as_srwlock(lock_)) != 0;
}

}  // namespace tempfile::os
