// SPDX-License-Identifier: MIT
// A mutex that can be constant-initialized (constinit) on every platform, for the library's
// process-wide state: std::mutex where its constructor is constexpr (glibc, the BSDs, macOS),
// a slim reader/writer lock on Windows, where MinGW's std::mutex needs a run-time initializer.
#pragma once

#ifndef _WIN32
#  include <mutex>
#endif

namespace tempfile::os {

#ifdef _WIN32
/// A Win32 SRWLOCK used exclusively: constant-initialized to zero (SRWLOCK_INIT), never needs
/// destroying. Meets BasicLockable and Lockable, so std::lock_guard and std::unique_lock take it.
class StaticMutex {
 public:
  constexpr StaticMutex() noexcept = default;
  StaticMutex(const StaticMutex&) = delete;
  StaticMutex& operator=(const StaticMutex&) = delete;
  void lock() noexcept;
  void unlock() noexcept;
  [[nodiscard]] bool try_lock() noexcept;

 private:
  // The SRWLOCK itself (a struct of one pointer), kept as a pointer so that this header needs
  // no <windows.h>; windows_mutex.cpp checks that the two agree.
  void* lock_ = nullptr;
};
#else
using StaticMutex = std::mutex;
#endif

}  // namespace tempfile::os
