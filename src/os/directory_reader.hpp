// Reading a directory to its end for the tree walker, one implementation per platform:
// getdents64 on Linux (directory_reader_getdents.cpp), readdir elsewhere
// (directory_reader_readdir.cpp). For the OS layer's sources only.
#pragma once

#include <memory>

#include "os/errno.hpp"
#include "os/platform.hpp"

namespace tempfile::os {

/// What a directory entry's d_type says, as far as the walk cares.
enum class EntryType : unsigned char { unknown, directory, other };

/// Told each entry of a directory but "." and "..".
class DirectoryVisitor {
 public:
  DirectoryVisitor() = default;
  DirectoryVisitor(const DirectoryVisitor&) = delete;
  DirectoryVisitor& operator=(const DirectoryVisitor&) = delete;
  DirectoryVisitor(DirectoryVisitor&&) = delete;
  DirectoryVisitor& operator=(DirectoryVisitor&&) = delete;
  virtual void entry(const char* name, EntryType type) = 0;

 protected:
  ~DirectoryVisitor() = default;
};

/// Reads whole directories, one after another, reusing its buffer. Linux: getdents64 into one
/// 64 KiB buffer, allocated on first use (throws std::bad_alloc). Elsewhere: readdir on a
/// duplicate of the descriptor (fdopendir takes the descriptor it is given).
class DirectoryReader {
 public:
  /// Reads the directory `fd` to its end, from its start if `rewind` (its offset is past the
  /// start: it was read before), telling `visit` each entry. Returns 0 or the errno.
  Errno read_all(int fd, bool rewind, DirectoryVisitor& visit);

 private:
#if TEMPFILE_LINUX_FAST_PATHS
  std::unique_ptr<char[]> buffer_;
#endif
};

}  // namespace tempfile::os
