// SPDX-License-Identifier: MIT
// The tree walker's directory reader where getdents64 is not used (other systems, and the
// TEMPFILE_PORTABLE build): fdopendir and readdir on a duplicate of the descriptor.
#include "os/platform.hpp"

#if !TEMPFILE_LINUX_FAST_PATHS
#  include <dirent.h>
#  include <fcntl.h>

#  include <cerrno>
#  include <memory>

#  include "os/directory_reader.hpp"
#  include "os/fd.hpp"
#  include "os/tree_rules.hpp"

namespace tempfile::os {
namespace {

struct DirectoryCloser {
  void operator()(DIR* stream) const noexcept { ::closedir(stream); }
};

EntryType type_of([[maybe_unused]] const dirent& entry) noexcept {
#  ifdef DT_DIR
  if (entry.d_type == DT_DIR) {
    return EntryType::directory;
  }
  return entry.d_type == DT_UNKNOWN ? EntryType::unknown : EntryType::other;
#  else
  return EntryType::unknown;
#  endif
}

}  // namespace

Errno DirectoryReader::read_all(int fd, bool rewind, const DirectoryVisitor& visit) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    return errno;
  }
  FileDescriptor owner(copy);
  DIR* stream = ::fdopendir(owner.get());
  if (stream == nullptr) {
    return errno;
  }
  static_cast<void>(owner.release());  // the stream owns it now: closedir closes it
  const std::unique_ptr<DIR, DirectoryCloser> stream_owner(stream);
  if (rewind) {
    ::rewinddir(stream);  // the duplicate shares the offset a previous scan left at the end
  }
  for (;;) {
    errno = 0;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): this stream is private to this call
    const dirent* entry = ::readdir(stream);
    if (entry == nullptr) {
      return errno;
    }
    if (!tree::is_dot_or_dotdot(entry->d_name)) {
      visit.entry(entry->d_name, type_of(*entry));
    }
  }
}

}  // namespace tempfile::os
#endif
