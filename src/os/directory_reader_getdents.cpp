// SPDX-License-Identifier: MIT
// The tree walker's directory reader on Linux: raw getdents64 records into one reused buffer.
#include "os/platform.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <dirent.h>
#  include <sys/syscall.h>
#  include <unistd.h>

#  include <cerrno>
#  include <cstddef>

#  include "os/directory_reader.hpp"
#  include "os/interrupted.hpp"
#  include "os/linux_dirent.hpp"
#  include "os/tree_rules.hpp"

namespace tempfile::os {
namespace {

constexpr std::size_t buffer_size = std::size_t{64} * 1024;

EntryType type_of(unsigned char d_type) noexcept {
  if (d_type == DT_DIR) {
    return EntryType::directory;
  }
  return d_type == DT_UNKNOWN ? EntryType::unknown : EntryType::other;
}

}  // namespace

Errno DirectoryReader::read_all(int fd, bool rewind, const DirectoryVisitor& visit) {
  if (!buffer_) {
    buffer_ = std::make_unique_for_overwrite<char[]>(buffer_size);
  }
  if (rewind && ::lseek(fd, 0, SEEK_SET) < 0) {
    return errno;
  }
  for (;;) {
    const long got = retry_interrupted(
        [&] { return ::syscall(SYS_getdents64, fd, buffer_.get(), buffer_size); });
    if (got < 0) {
      return errno;
    }
    if (got == 0) {
      return 0;
    }
    for (std::size_t offset = 0; offset < static_cast<std::size_t>(got);) {
      const linux_dirent::Record record = linux_dirent::read(buffer_.get() + offset);
      if (record.length == 0) {
        return EIO;  // never from a sane kernel; without this check it would loop forever
      }
      offset += record.length;
      if (!tree::is_dot_or_dotdot(record.name)) {
        visit.entry(record.name, type_of(record.type));
      }
    }
  }
}

}  // namespace tempfile::os
#endif
