// SPDX-License-Identifier: MIT
// The one owner of a file descriptor: move-only, closes exactly once, never throws.
#pragma once

#include "os/errno.hpp"

namespace tempfile::os {

/// Owns one file descriptor from the moment a syscall returns it. A moved-from or released
/// object owns nothing. close() is never retried on EINTR: on Linux the descriptor is gone
/// whatever close returns, and a retry could close a descriptor another thread just got.
class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  ~FileDescriptor();

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing; returns the descriptor (or -1).
  [[nodiscard]] int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

  /// Closes now and reports close's errno (0 on success, or when nothing was owned).
  [[nodiscard]] Errno close() noexcept;
  /// The platform's close of a descriptor this object no longer owns (fd_posix.cpp,
  /// windows_fd.cpp); close() is the one caller.
  [[nodiscard]] static Errno close_descriptor(int fd) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace tempfile::os
