// SPDX-License-Identifier: MIT
// The cleaner lock on Windows (os/sys.hpp's lock_shared, lock_exclusive, open_to_lock) and the
// move sweep() makes a name with (move_entry_no_replace): how sweep() tells a live owner's entry
// from a dead owner's leftover there.
//
// A file is locked as on POSIX, with a lock the system drops when its process ends however it
// ends: a LockFileEx byte-range lock, shared for the owner, exclusive and not waiting for the
// sweeper. Windows' byte-range locks are mandatory (a write through another handle into a range
// someone holds shared is refused), so the range is one byte no read or write ever reaches: the
// last byte of the signed 64-bit offsets, beyond the largest file any Windows file system holds.
//
// A directory cannot be locked that way. A live TemporaryDirectory's lock is its root handle
// opened again without sharing write access to the directory object (lock_shared): creating,
// renaming or removing entries in the directory never opens the directory itself for writing, so
// nobody is hindered, and the directory's handles still share deletion (it can be renamed or
// removed while held, as on POSIX). The sweeper asks for the directory with write access
// (FILE_ADD_FILE): a live owner's handle refuses it (a sharing violation, "in use"), a dead
// owner's handle was closed by the system. The sweeper's handle does not share write access
// either, so it keeps other sweepers out until it has removed the tree.
#include "os/windows_api.hpp"
// windows.h first: io.h and fcntl.h need nothing of it, but keep one order.
#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "os/persist.hpp"
#include "os/sys.hpp"
#include "os/windows_directory.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"
#include "os/windows_nt.hpp"

namespace tempfile::os {
namespace {

// The locked byte: offset 2^63 - 2, one byte long (its end, 2^63 - 1, is still a valid
// LARGE_INTEGER offset). No file reaches it: NTFS's largest file is 2^64 - 2^16 bytes in theory
// and 256 TiB (2^48) in practice, ReFS's 2^63 - 1 bytes can never be filled.
constexpr DWORD lock_offset_low = 0xFFFFFFFEU;
constexpr DWORD lock_offset_high = 0x7FFFFFFFU;
constexpr DWORD lock_length = 1;

Errno last_error() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

bool is_directory(HANDLE handle, Errno& err) noexcept {
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle, &info) == 0) {
    err = last_error();
    return false;
  }
  err = 0;
  return (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

// The lock on the file `handle`; ERROR_LOCK_VIOLATION (someone else's lock overlaps) is
// EWOULDBLOCK, as flock's LOCK_NB answers.
Errno lock_byte(HANDLE handle, DWORD flags) noexcept {
  OVERLAPPED where{};
  where.Offset = lock_offset_low;
  where.OffsetHigh = lock_offset_high;
  if (::LockFileEx(handle, flags | LOCKFILE_FAIL_IMMEDIATELY, 0, lock_length, 0, &where) != 0) {
    return 0;
  }
  const DWORD error = ::GetLastError();
  if (error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING) {
    return EWOULDBLOCK;
  }
  return windows::errno_from_win32(error);
}

// The directory lock's sharing: everything but writing the directory object itself.
constexpr ULONG directory_lock_share = FILE_SHARE_READ | FILE_SHARE_DELETE;

// `fd` becomes `fresh` (the caller's descriptor number stays, so whatever holds `fd` now holds
// `fresh`), not inheritable.
Errno put_under(int fd, windows::OwnedHandle& fresh) noexcept {
  FileDescriptor wrapped;
  if (const Errno err = windows::adopt_as_descriptor(fresh, _O_RDONLY, wrapped); err != 0) {
    return err;
  }
  // Not inheritable afterwards, as every descriptor of the library (persist's replacement).
  return replace_descriptor(wrapped.get(), fd);  // `wrapped` then closes its copy
}

// The directory open as `handle` opened again (relative to itself, never by its path) with
// `access` and the lock's sharing; a sharing violation is EWOULDBLOCK (someone holds the lock).
Errno reopen_directory(HANDLE handle, ACCESS_MASK access, windows::OwnedHandle& out) noexcept {
  windows::NtOpen how;
  how.access = access;
  how.share = directory_lock_share;
  how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point;
  const windows::NtStatus status = windows::open_relative(handle, std::wstring(), how, out);
  if (windows::nt_success(status)) {
    return 0;
  }
  return status == windows::status_sharing_violation ? EWOULDBLOCK
                                                     : windows::errno_from_status(status);
}

}  // namespace

Errno lock_shared(int fd) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  Errno err = 0;
  if (is_directory(handle, err)) {
    // The owner's handle again, with the access it has, without sharing write access (above).
    ACCESS_MASK access = FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES;
    static_cast<void>(windows::granted_access(handle, access));  // else the listing access
    windows::OwnedHandle locked;
    if (const Errno failed = reopen_directory(handle, access, locked); failed != 0) {
      return failed;
    }
    return put_under(fd, locked);
  }
  if (err != 0) {
    return err;
  }
  return lock_byte(handle, 0);
}

Errno lock_exclusive(int fd) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  Errno err = 0;
  if (!is_directory(handle, err)) {
    return err != 0 ? err : lock_byte(handle, LOCKFILE_EXCLUSIVE_LOCK);
  }
  // The directory again, with write access and the access its removal needs, without sharing
  // write access: a live owner's lock (or another sweeper's) refuses it.
  windows::OwnedHandle locked;
  if (const Errno failed =
          reopen_directory(handle,
                           FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES |
                               FILE_WRITE_ATTRIBUTES | FILE_ADD_FILE | DELETE,
                           locked);
      failed != 0) {
    return failed;
  }
  // `fd` becomes that handle, so the lock lasts as long as the caller holds `fd`, and the tree
  // remover removes the root through it.
  return put_under(fd, locked);
}

Errno open_to_lock(int dirfd, const char* name, FileDescriptor& out) noexcept {
  // Reading only, everything shared: this open never conflicts with the owner's handle (which
  // shares reading), the lock decides. Never through a final link (ELOOP, as O_NOFOLLOW); a
  // directory is opened too (FILE_FLAG_BACKUP_SEMANTICS).
  windows::OwnedHandle handle;
  if (const Errno err = windows::open_entry(dirfd, name, GENERIC_READ | SYNCHRONIZE, handle);
      err != 0) {
    if (err != EACCES) {
      return err;
    }
    // A directory may refuse GENERIC_READ where its access control list allows listing only.
    if (const Errno again = windows::open_entry(
            dirfd, name, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE, handle);
        again != 0) {
      return err;
    }
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    return last_error();
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return ELOOP;
  }
  return windows::adopt_as_descriptor(handle, _O_RDONLY, out);
}

Errno move_entry_no_replace(int dirfd, const char* from, const char* to) noexcept {
  // persist's no-clobber rename, within one directory: relative to its held handle (an existing
  // entry of any kind under `to` is EEXIST, in the same operation as the rename), or
  // MoveFileExW without MOVEFILE_REPLACE_EXISTING for paths.
  return rename_no_replace(dirfd, from, dirfd, to);
}

}  // namespace tempfile::os
