// SPDX-License-Identifier: MIT
// FileDescriptor: the RAII owner of a descriptor.
#include "os/fd.hpp"

#include <unistd.h>

#include <cerrno>

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
  const int fd = release();
  if (::close(fd) != 0 && errno != EINTR) {
    return errno;
  }
  return 0;
}

}  // namespace tempfile::os
