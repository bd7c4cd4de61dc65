// SPDX-License-Identifier: MIT
// Windows-only helpers of the OS layer for handles: an owning HANDLE, the HANDLE under a
// C-runtime descriptor and the descriptor made for one, and opening an entry itself (never what a
// link points to).
#pragma once

#include "os/errno.hpp"
#include "os/fd.hpp"
#include "os/windows_api.hpp"

namespace tempfile::os::windows {

/// A HANDLE closed when this object goes; move-only.
class OwnedHandle {
 public:
  OwnedHandle() noexcept = default;
  explicit OwnedHandle(HANDLE handle) noexcept : handle_(handle) {}
  OwnedHandle(OwnedHandle&& other) noexcept : handle_(other.release()) {}
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() { reset(INVALID_HANDLE_VALUE); }

  [[nodiscard]] HANDLE get() const noexcept { return handle_; }
  [[nodiscard]] bool valid() const noexcept { return handle_ != INVALID_HANDLE_VALUE; }
  [[nodiscard]] HANDLE release() noexcept {
    HANDLE handle = handle_;
    handle_ = INVALID_HANDLE_VALUE;
    return handle;
  }
  void reset(HANDLE handle) noexcept {
    if (valid()) {
      ::CloseHandle(handle_);  // a close error has nowhere to go from here
    }
    handle_ = handle;
  }

 private:
  HANDLE handle_ = INVALID_HANDLE_VALUE;
};

/// The HANDLE under C-runtime descriptor `fd`; EBADF for a number that is not open.
[[nodiscard]] Errno handle_of(int fd, HANDLE& out) noexcept;

/// Wraps `handle` in a C-runtime descriptor (`flags`: _O_RDONLY, _O_WRONLY or _O_RDWR, with
/// _O_BINARY and _O_NOINHERIT added) that owns it from then on: `handle` is left empty. EMFILE
/// when the C runtime has no descriptor left (`handle` still owns it, and closes it: a
/// delete-on-close file goes with it).
[[nodiscard]] Errno adopt_as_descriptor(OwnedHandle& handle, int flags,
                                        FileDescriptor& out) noexcept;

/// Opens entry `path` (relative to `dirfd`: current_directory_fd, or a held directory whose
/// path it is joined to, os/windows_directory.hpp) with `access`, shared for reading, writing and
/// deletion, never following a final symbolic link or junction (FILE_FLAG_OPEN_REPARSE_POINT: the
/// link itself is opened), a directory as well as a file (FILE_FLAG_BACKUP_SEMANTICS), not
/// inheritable.
[[nodiscard]] Errno open_entry(int dirfd, const char* path, DWORD access,
                               OwnedHandle& out) noexcept;

}  // namespace tempfile::os::windows
