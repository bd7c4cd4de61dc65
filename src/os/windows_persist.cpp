// SPDX-License-Identifier: MIT
// os/persist.hpp on Windows (all but sync_file and replace_descriptor, which are in
// windows_io.cpp): renames written through to the disk, with POSIX semantics where Windows has
// them, else MoveFileExW; the modes as the read-only attribute; no umask, no owners, no unnamed
// file that could be named. Relative to a held directory, names are opened and renamed through
// its handle (os/windows_nt.hpp).
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "os/persist.hpp"
#include "os/sys.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"
#include "os/windows_nt.hpp"
#include "os/windows_path.hpp"

namespace tempfile::os {
namespace {

Errno last_error() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

// `path` (relative to the process: current_directory_fd) widened for the W calls, a long one
// with the \\?\ prefix. Names relative to a held directory take the *_at functions below.
Errno wide_path(const char* path, std::wstring& out) noexcept {
  try {
    return windows::widen_path(path, out);
  } catch (...) {  // std::bad_alloc: the OS layer reports errno values, never throws
    return ENOMEM;
  }
}

// The attributes of `path` itself relative to the held directory `dirfd` (a final link's own),
// INVALID_FILE_ATTRIBUTES when nothing is there.
Errno attributes_at(int dirfd, const char* path, DWORD& out) noexcept {
  windows::NtOpen how;
  how.access = FILE_READ_ATTRIBUTES;
  how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point;
  windows::OwnedHandle handle;
  const Errno err = windows::open_at(dirfd, path, how, handle);
  if (err == ENOENT || err == ENOTDIR) {
    out = INVALID_FILE_ATTRIBUTES;
    return 0;
  }
  if (err != 0) {
    return err;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    return last_error();
  }
  out = info.dwFileAttributes;
  return 0;
}

// A rename into the held directory `to_dirfd`, through its handle: `from` (relative to
// `from_dirfd`, held or not) opened itself, write-through, and renamed by that handle to `to`
// relative to the held directory's handle (FileRenameInformationEx, POSIX semantics, replacing
// only when `replace`), so that the target lands in the directory held, whatever its path names.
// A directory target is EISDIR and a read-only one EACCES, as rename_replacing says them.
Errno rename_into_held(int from_dirfd, const char* from, int to_dirfd, const char* to,
                       bool replace) noexcept {
  HANDLE directory = nullptr;
  if (const Errno err = windows::handle_of(to_dirfd, directory); err != 0) {
    return err;
  }
  std::wstring name;
  try {
    if (const Errno err = windows::relative_name(to, name); err != 0) {
      return err;
    }
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
  DWORD target = INVALID_FILE_ATTRIBUTES;
  if (const Errno err = attributes_at(to_dirfd, to, target); err != 0) {
    return err;
  }
  if (target != INVALID_FILE_ATTRIBUTES && (target & FILE_ATTRIBUTE_REPARSE_POINT) == 0) {
    if ((target & FILE_ATTRIBUTE_DIRECTORY) != 0) {
      return replace ? EISDIR : EEXIST;
    }
    if (replace && (target & FILE_ATTRIBUTE_READONLY) != 0) {
      return EACCES;  // as rename_replacing: Windows refuses it, wine would not
    }
  }
  windows::OwnedHandle source;
  if (from_dirfd != current_directory_fd) {
    windows::NtOpen how;
    how.access = DELETE;
    how.options =
        windows::nt_open_for_backup | windows::nt_open_reparse_point | windows::nt_write_through;
    if (const Errno err = windows::open_at(from_dirfd, from, how, source); err != 0) {
      return err;
    }
  } else {
    std::wstring wide_from;
    if (const Errno err = wide_path(from, wide_from); err != 0) {
      return err;
    }
    source.reset(::CreateFileW(
        wide_from.c_str(), DELETE | SYNCHRONIZE,
        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
        FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_WRITE_THROUGH,
        nullptr));
    if (!source.valid()) {
      return last_error();
    }
  }
  const Errno err = windows::rename_through(source.get(), directory, name, replace);
  if (err == EACCES && replace && attributes_at(to_dirfd, to, target) == 0 &&
      target != INVALID_FILE_ATTRIBUTES && (target & FILE_ATTRIBUTE_DIRECTORY) != 0 &&
      (target & FILE_ATTRIBUTE_REPARSE_POINT) == 0) {
    return EISDIR;
  }
  return err;
}

// What a refused rename means. Windows answers ERROR_ACCESS_DENIED both for a target that is a
// directory and for a read-only target, a file open without FILE_SHARE_DELETE or a directory
// this user may not write; a directory is told apart (EISDIR, as rename(2) says), the rest stays
// EACCES.
Errno move_error(const std::wstring& to) noexcept {
  const Errno err = last_error();
  if (err == EACCES) {
    const DWORD attributes = ::GetFileAttributesW(to.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0 &&
        (attributes & FILE_ATTRIBUTE_REPARSE_POINT) == 0) {
      return EISDIR;
    }
  }
  return err;
}

// FileRenameInfoEx and its flags (Windows 10 1809 and later), spelled out where the MinGW
// headers lack them.
constexpr DWORD rename_replace_if_exists = 0x1;
constexpr DWORD rename_posix_semantics = 0x2;
constexpr auto file_rename_info_ex = static_cast<FILE_INFO_BY_HANDLE_CLASS>(22);

// Errors that mean "this system or file system has no FileRenameInfoEx", not a refusal of this
// rename: the caller then renames the classic way.
bool rename_ex_unsupported(DWORD error) noexcept {
  return error == ERROR_INVALID_PARAMETER || error == ERROR_NOT_SUPPORTED ||
         error == ERROR_INVALID_FUNCTION || error == ERROR_CALL_NOT_IMPLEMENTED;
}

// Not a valid errno: "no POSIX rename here, try the classic one".
constexpr Errno no_posix_rename = -1;

// Renames `from` over `to` with POSIX semantics: a target that others hold open (sharing
// deletion, as this library's files do) is replaced, as rename(2) replaces it, where the classic
// rename refuses any open target. Through a handle of the name `from` itself (a final link is
// renamed, never followed), opened write-through, so that the rename is on the disk when the
// call returns. no_posix_rename where the system has none (older Windows, file systems other
// than NTFS, wine), else 0 or the errno.
Errno rename_posix(const std::wstring& from, const std::wstring& to) noexcept {
  HANDLE raw = ::CreateFileW(
      from.c_str(), DELETE | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
      nullptr, OPEN_EXISTING,
      FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_WRITE_THROUGH, nullptr);
  if (raw == INVALID_HANDLE_VALUE) {
    return last_error();
  }
  const windows::OwnedHandle handle(raw);
  // FILE_RENAME_INFO ends in the name, FileNameLength bytes of it, then a NUL.
  const std::size_t name_bytes = to.size() * sizeof(wchar_t);
  const std::size_t size = offsetof(FILE_RENAME_INFO, FileName) + name_bytes + sizeof(wchar_t);
  const std::unique_ptr<std::byte[]> buffer(new (std::nothrow) std::byte[size]());
  if (!buffer) {
    return ENOMEM;
  }
  FILE_RENAME_INFO header{};
  header.RootDirectory = nullptr;
  header.FileNameLength = static_cast<DWORD>(name_bytes);
  // FileRenameInfoEx reads a DWORD of flags where FileRenameInfo has its BOOLEAN
  // ReplaceIfExists (a union in newer headers): the first member, at offset 0.
  const DWORD flags = rename_replace_if_exists | rename_posix_semantics;
  std::memcpy(buffer.get(), &header, offsetof(FILE_RENAME_INFO, FileName));
  std::memcpy(buffer.get(), &flags, sizeof flags);
  std::memcpy(buffer.get() + offsetof(FILE_RENAME_INFO, FileName), to.c_str(), name_bytes);
  if (::SetFileInformationByHandle(handle.get(), file_rename_info_ex, buffer.get(),
                                   static_cast<DWORD>(size)) != 0) {
    return 0;
  }
  const DWORD error = ::GetLastError();
  if (rename_ex_unsupported(error)) {
    return no_posix_rename;
  }
  ::SetLastError(error);
  return move_error(to);
}

// `from` and `to` widened, and `to`'s attributes (INVALID_FILE_ATTRIBUTES: nothing is there),
// a final link's own.
Errno prepare(const char* from, const char* to, std::wstring& wide_from, std::wstring& wide_to,
              DWORD& target) noexcept {
  if (const Errno err = wide_path(from, wide_from); err != 0) {
    return err;
  }
  if (const Errno err = wide_path(to, wide_to); err != 0) {
    return err;
  }
  target = ::GetFileAttributesW(wide_to.c_str());
  return 0;
}

// Python's os.stat on Windows: a file is 0666, or 0444 with the read-only attribute; a
// directory has the execute bits too. Windows has no owner or group in a mode (they are in the
// access control list): both are 0, on every file alike.
Ownership ownership_from(DWORD attributes) noexcept {
  unsigned mode = (attributes & FILE_ATTRIBUTE_READONLY) != 0 ? 0444U : 0666U;
  if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    mode |= 0111U;
  }
  return {mode, 0, 0};
}

}  // namespace

// Windows has no fsync of a directory in the POSIX sense. The renames here are written through
// (FILE_FLAG_WRITE_THROUGH, MOVEFILE_WRITE_THROUGH): NTFS has them in its log on the disk when
// they return. The directory is still flushed where the file system takes it (NTFS flushes a
// directory handle opened for writing); where it refuses (access, or no such operation), there
// is nothing more to do, as POSIX file systems that cannot sync a directory say EINVAL.
Errno sync_directory(const char* path) noexcept {
  return sync_directory(current_directory_fd, path);
}

Errno sync_directory(int dirfd, const char* path) noexcept {
  if (dirfd != current_directory_fd) {
    // Through the held directory's handle, as below.
    windows::NtOpen how;
    how.access = GENERIC_WRITE;
    how.options = windows::nt_open_for_backup | windows::nt_directory_file;
    windows::OwnedHandle handle;
    if (const Errno err = windows::open_at(dirfd, path, how, handle); err != 0) {
      return err == EACCES ? 0 : err;
    }
    if (::FlushFileBuffers(handle.get()) == 0) {
      const DWORD error = ::GetLastError();
      return error == ERROR_ACCESS_DENIED || rename_ex_unsupported(error)
                 ? 0
                 : windows::errno_from_win32(error);
    }
    return 0;
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  if (!wide.empty() && wide.back() == L':') {
    try {
      wide += L'\\';  // "C:" is the drive's current directory; its root is "C:\\"
    } catch (...) {   // std::bad_alloc
      return ENOMEM;
    }
  }
  HANDLE raw = ::CreateFileW(wide.c_str(), GENERIC_WRITE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                             OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (raw == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    return error == ERROR_ACCESS_DENIED ? 0 : windows::errno_from_win32(error);
  }
  const windows::OwnedHandle handle(raw);
  if (::FlushFileBuffers(handle.get()) == 0) {
    const DWORD error = ::GetLastError();
    return error == ERROR_ACCESS_DENIED || rename_ex_unsupported(error)
               ? 0
               : windows::errno_from_win32(error);
  }
  return 0;
}

Errno rename_replacing(const char* from, const char* to) noexcept {
  return rename_replacing(current_directory_fd, from, current_directory_fd, to);
}

Errno rename_replacing(int from_dirfd, const char* from, int to_dirfd, const char* to) noexcept {
  if (to_dirfd != current_directory_fd) {
    return rename_into_held(from_dirfd, from, to_dirfd, to, true);
  }
  if (from_dirfd != current_directory_fd) {
    return ENOSYS;  // out of a held directory to a path: persist never asks for it
  }
  std::wstring wide_from;
  std::wstring wide_to;
  DWORD target = INVALID_FILE_ATTRIBUTES;
  if (const Errno err = prepare(from, to, wide_from, wide_to, target); err != 0) {
    return err;
  }
  if (target != INVALID_FILE_ATTRIBUTES && (target & FILE_ATTRIBUTE_REPARSE_POINT) == 0) {
    if ((target & FILE_ATTRIBUTE_DIRECTORY) != 0) {
      return EISDIR;  // as rename(2); Windows would say ERROR_ACCESS_DENIED
    }
    // A read-only target is not replaced: Windows refuses it (and so Python's os.replace
    // there); said here too because wine replaces it.
    if ((target & FILE_ATTRIBUTE_READONLY) != 0) {
      return EACCES;
    }
  }
  if (const Errno err = rename_posix(wide_from, wide_to); err != no_posix_rename) {
    return err;
  }
  // MOVEFILE_WRITE_THROUGH: the call returns once the rename is on the disk. Without
  // MOVEFILE_COPY_ALLOWED a move to another volume is refused (ERROR_NOT_SAME_DEVICE, EXDEV)
  // rather than turned into a copy that is not atomic.
  if (::MoveFileExW(wide_from.c_str(), wide_to.c_str(),
                    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) == 0) {
    return move_error(wide_to);
  }
  return 0;
}

Errno rename_no_replace(const char* from, const char* to) noexcept {
  return rename_no_replace(current_directory_fd, from, current_directory_fd, to);
}

Errno rename_no_replace(int from_dirfd, const char* from, int to_dirfd, const char* to) noexcept {
  if (to_dirfd != current_directory_fd) {
    return rename_into_held(from_dirfd, from, to_dirfd, to, false);
  }
  if (from_dirfd != current_directory_fd) {
    return ENOSYS;  // out of a held directory to a path: persist never asks for it
  }
  std::wstring wide_from;
  std::wstring wide_to;
  if (const Errno err = wide_path(from, wide_from); err != 0) {
    return err;
  }
  if (const Errno err = wide_path(to, wide_to); err != 0) {
    return err;
  }
  // Without MOVEFILE_REPLACE_EXISTING, Windows refuses a target that exists in any form (a file,
  // a directory, a symbolic link even when dangling): ERROR_ALREADY_EXISTS, EEXIST, in the same
  // operation as the rename, as renameat2(RENAME_NOREPLACE) does.
  if (::MoveFileExW(wide_from.c_str(), wide_to.c_str(), MOVEFILE_WRITE_THROUGH) == 0) {
    return move_error(wide_to);
  }
  return 0;
}

bool is_linkable_unnamed(int /*fd*/) noexcept {
  // Windows' unnamed file is delete-on-close (open_unnamed_file): no name can ever be given to
  // it, not even by a hard link (CreateHardLinkW needs a name to start from).
  return false;
}

Errno link_unnamed(int /*fd*/, const char* /*to*/) noexcept {
  return ENOTSUP;
}

Errno link_unnamed(int /*fd*/, int /*dirfd*/, const char* /*to*/) noexcept {
  return ENOTSUP;
}

Errno ownership_of_fd(int fd, Ownership& out) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle, &info) == 0) {
    return last_error();
  }
  out = ownership_from(info.dwFileAttributes);
  return 0;
}

Errno ownership_of_name(const char* path, Ownership& out, bool& is_file) noexcept {
  return ownership_of_name(current_directory_fd, path, out, is_file);
}

Errno ownership_of_name(int dirfd, const char* path, Ownership& out, bool& is_file) noexcept {
  if (dirfd != current_directory_fd) {
    DWORD attributes = INVALID_FILE_ATTRIBUTES;
    if (const Errno err = attributes_at(dirfd, path, attributes); err != 0) {
      return err;
    }
    if (attributes == INVALID_FILE_ATTRIBUTES) {
      return ENOENT;
    }
    out = ownership_from(attributes);
    is_file = (attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT |
                             FILE_ATTRIBUTE_DEVICE)) == 0;
    return 0;
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  // The attributes of the name itself: a symbolic link or junction is a reparse point, not the
  // file it points to (lstat).
  WIN32_FILE_ATTRIBUTE_DATA data{};
  if (::GetFileAttributesExW(wide.c_str(), GetFileExInfoStandard, &data) == 0) {
    return last_error();
  }
  out = ownership_from(data.dwFileAttributes);
  is_file = (data.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT |
                                      FILE_ATTRIBUTE_DEVICE)) == 0;
  return 0;
}

Errno change_owner(int /*fd*/, unsigned /*uid*/, unsigned /*gid*/) noexcept {
  // Owners are access control lists on Windows, and every file's Ownership says 0 and 0, so
  // persist never asks for another owner; a caller that does is told it cannot be done.
  return ENOSYS;
}

Errno read_umask(unsigned& out) noexcept {
  // Windows has no umask: a new file's access is its directory's inheritable access control
  // list. PersistMode::umask_default() is therefore 0666, a writable file (no read-only
  // attribute), as Python's os.open makes it.
  out = 0;
  return 0;
}

Errno copy_file(int from, int to, std::int64_t& copied) noexcept {
  copied = 0;
  // ReadFile/WriteFile at explicit offsets (read_at/write_at), which leave both descriptors'
  // positions where they were. CopyFileExW would copy by name, not between the two open files.
  return copy_at_offsets(from, to, copied);
}

void link_prefer_empty_path(bool /*prefer*/) noexcept {}

}  // namespace tempfile::os
