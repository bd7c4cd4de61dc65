// SPDX-License-Identifier: MIT
// The hand-written sequence that persist() and atomic_write() are measured against (the floor):
// its pieces, shared by bench_persist (time) and count_persist (system calls).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace bench {

inline bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t wrote = ::write(fd, data.data(), data.size());
    if (wrote <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

inline bool sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// A new name beside the target for each operation, as any real program needs one (a fixed name
// would collide between writers); a counter, so that it costs nothing in user space. The kernel
// sees a fresh name each time, as it does the library's random ones.
class StagedNames {
 public:
  explicit StagedNames(const std::filesystem::path& dir) : prefix_((dir / ".tmp-hand-").native()) {}
  const std::string& next() {
    name_ = prefix_;
    name_ += std::to_string(counter_++);
    return name_;
  }

 private:
  std::string prefix_;
  std::string name_;
  unsigned long counter_ = 0;
};

#ifdef O_TMPFILE
// linkat(AT_EMPTY_PATH) where permitted (CAP_DAC_READ_SEARCH, or Linux 6.10), else through /proc.
inline bool link_unnamed(int fd, const std::string& to) {
  if (::linkat(fd, "", AT_FDCWD, to.c_str(), AT_EMPTY_PATH) == 0) {
    return true;
  }
  const std::string by_fd = "/proc/self/fd/" + std::to_string(fd);
  return ::linkat(AT_FDCWD, by_fd.c_str(), AT_FDCWD, to.c_str(), AT_SYMLINK_FOLLOW) == 0;
}
#endif

}  // namespace bench
