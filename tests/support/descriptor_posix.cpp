// SPDX-License-Identifier: MIT
// support/descriptor.hpp on POSIX: fstat for the size, pread for the bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "support/descriptor.hpp"

namespace tempfile::test {

std::string descriptor_contents(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ADD_FAILURE() << "fstat(" << fd << ") failed, errno " << errno;
    return {};
  }
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t read =
        ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
    if (read < 0 && errno == EINTR) {
      continue;
    }
    if (read <= 0) {
      ADD_FAILURE() << "pread(" << fd << ") stopped at " << got << " of " << bytes.size();
      break;
    }
    got += static_cast<std::size_t>(read);
  }
  bytes.resize(got);
  return bytes;
}

bool is_open_descriptor(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace tempfile::test
