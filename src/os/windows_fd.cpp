// SPDX-License-Identifier: MIT
// FileDescriptor's close on Windows: a C-runtime descriptor, closed with _close (which closes the
// HANDLE _open_osfhandle wrapped).
#include <io.h>

#include <cerrno>

#include "os/fd.hpp"

namespace tempfile::os {

Errno FileDescriptor::close_descriptor(int fd) noexcept {
  return ::_close(fd) != 0 ? errno : 0;
}

}  // namespace tempfile::os
