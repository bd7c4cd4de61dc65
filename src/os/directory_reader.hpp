// SPDX-License-Identifier: MIT
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

/// Told each entry of a directory but "." and "..": a non-owning reference to any callable
/// `void(const char* name, EntryType type)`. A plain function pointer, not a virtual call, so
/// the walk makes no hidden calls of its own (UBSan checks each virtual call's object with
/// system calls, which would show in the walk's exact system-call counts).
class DirectoryVisitor {
 public:
  template <class Visit>
  explicit DirectoryVisitor(Visit& visit) noexcept
      : object_(&visit), call_([](void* object, const char* name, EntryType type) {
          (*static_cast<Visit*>(object))(name, type);
        }) {}

  void entry(const char* name, EntryType type) const { call_(object_, name, type); }

 private:
  void* object_;
  void (*call_)(void* object, const char* name, EntryType type);
};

/// Reads whole directories, one after another, reusing its buffer. Linux: getdents64 into one
/// 64 KiB buffer, allocated on first use (throws std::bad_alloc). Elsewhere: readdir on a
/// duplicate of the descriptor (fdopendir takes the descriptor it is given).
class DirectoryReader {
 public:
  /// Reads the directory `fd` to its end, from its start if `rewind` (its offset is past the
  /// start: it was read before), telling `visit` each entry. Returns 0 or the errno.
  Errno read_all(int fd, bool rewind, const DirectoryVisitor& visit);

 private:
#if TEMPFILE_LINUX_FAST_PATHS
  std::unique_ptr<char[]> buffer_;
#endif
};

}  // namespace tempfile::os
