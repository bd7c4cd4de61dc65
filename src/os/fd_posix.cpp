// SPDX-License-Identifier: MIT
// FileDescriptor's close on POSIX: never retried on EINTR (os/fd.hpp says why).
#include <unistd.h>

#include <cerrno>

#include "os/fd.hpp"

namespace tempfile::os {

Errno FileDescriptor::close_descriptor(int fd) noexcept {
  if (::close(fd) != 0 && errno != EINTR) {
    return errno;
  }
  return 0;
}

}  // namespace tempfile::os
