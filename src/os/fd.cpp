// SPDX-License-Identifier: MIT
// FileDescriptor: the RAII owner of a descriptor, on every platform (the close itself is the
// platform's: fd_posix.cpp, windows_fd.cpp).
#include "os/fd.hpp"

namespace tempfile::os {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    // A close error here has nowhere to go; explicit close() is the way to see it.
    static_cast<void>(close());
    fd_ = other.release();
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  static_cast<void>(close());
}

Errno FileDescriptor::close() noexcept {
  if (fd_ < 0) {
    return 0;
  }
  return close_descriptor(release());
}

}  // namespace tempfile::os
