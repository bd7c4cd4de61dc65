// SPDX-License-Identifier: MIT
// support/portable_files.hpp on POSIX systems: open(O_CREAT | O_EXCL | O_NOFOLLOW), umask.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/portable_files.hpp"

namespace tempfile::test {

bool create_new_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  return fd >= 0 && ::close(fd) == 0;
}

ScopedUmask::ScopedUmask(unsigned mask) : saved_(::umask(static_cast<mode_t>(mask))) {}

ScopedUmask::~ScopedUmask() {
  ::umask(static_cast<mode_t>(saved_));
}

std::filesystem::perms private_directory_perms() {
  return std::filesystem::perms::owner_all;
}

}  // namespace tempfile::test
