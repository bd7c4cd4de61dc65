// SPDX-License-Identifier: MIT
// chattr +i for one scope (support/immutable.hpp).
#include "support/immutable.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "support/files.hpp"

namespace tempfile::test {

Immutable::Immutable(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ < 0) {
    refused_ = std::string("open: ") + errno_text(errno);
    return;
  }
  if (::ioctl(fd_, FS_IOC_GETFLAGS, &original_) != 0) {
    refused_ = std::string("FS_IOC_GETFLAGS refused here: ") + errno_text(errno);
    return;
  }
  int flags = original_ | FS_IMMUTABLE_FL;
  if (::ioctl(fd_, FS_IOC_SETFLAGS, &flags) != 0) {
    refused_ = std::string("chattr +i (FS_IOC_SETFLAGS) refused here: ") + errno_text(errno);
    return;
  }
  locked_ = true;
}

Immutable::~Immutable() {
  unlock();
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void Immutable::unlock() {
  if (locked_) {
    int flags = original_;
    EXPECT_EQ(::ioctl(fd_, FS_IOC_SETFLAGS, &flags), 0) << errno_text(errno);
    locked_ = false;
  }
}

}  // namespace tempfile::test
