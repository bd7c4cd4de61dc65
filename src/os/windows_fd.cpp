// SPDX-License-Identifier: MIT
// FileDescriptor on Windows: a C-runtime descriptor, closed with _close (which closes the
// HANDLE _open_osfhandle wrapped).
#include <io.h>

#include <cerrno>

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
  const int fd = release();
  return ::_close(fd) != 0 ? errno : 0;
}

}  // namespace tempfile::os
