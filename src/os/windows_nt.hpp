// SPDX-License-Identifier: MIT
// Windows-only helpers of the OS layer for the native (NT) calls that Win32 lacks: opening and
// creating an entry relative to a directory's handle (NtCreateFile with a root directory, the
// Windows counterpart of openat), deleting and renaming through a handle, and NTSTATUS answers
// as errno values. The tree remover, the calls relative to a held directory and persist share them.
#pragma once

#include <string>
#include <string_view>

#include "os/errno.hpp"
#include "os/windows_api.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os::windows {

/// An NTSTATUS (a LONG), kept as one here so that this header needs no <winternl.h>.
using NtStatus = long;

// NtCreateFile's dispositions, options and answers, spelled out where the MinGW headers lack them.
inline constexpr unsigned long nt_open = 0x1;            // FILE_OPEN: the entry must exist
inline constexpr unsigned long nt_create = 0x2;          // FILE_CREATE: exclusive creation (O_EXCL)
inline constexpr unsigned long nt_directory_file = 0x1;  // FILE_DIRECTORY_FILE
inline constexpr unsigned long nt_write_through = 0x2;   // FILE_WRITE_THROUGH
inline constexpr unsigned long nt_synchronous_io = 0x20;          // FILE_SYNCHRONOUS_IO_NONALERT
inline constexpr unsigned long nt_non_directory_file = 0x40;      // FILE_NON_DIRECTORY_FILE
inline constexpr unsigned long nt_delete_on_close = 0x1000;       // FILE_DELETE_ON_CLOSE
inline constexpr unsigned long nt_open_for_backup = 0x4000;       // FILE_OPEN_FOR_BACKUP_INTENT
inline constexpr unsigned long nt_open_reparse_point = 0x200000;  // FILE_OPEN_REPARSE_POINT

inline constexpr NtStatus status_object_name_collision = static_cast<NtStatus>(0xC0000035L);
inline constexpr NtStatus status_sharing_violation = static_cast<NtStatus>(0xC0000043L);
inline constexpr NtStatus status_delete_pending = static_cast<NtStatus>(0xC0000056L);
inline constexpr NtStatus status_name_not_found = static_cast<NtStatus>(0xC0000034L);
inline constexpr NtStatus status_path_not_found = static_cast<NtStatus>(0xC000003AL);

[[nodiscard]] inline bool nt_success(NtStatus status) noexcept {
  return status >= 0;
}

/// The errno value closest to an NTSTATUS (through its Win32 error, as errno_from_win32 maps
/// it); STATUS_OBJECT_NAME_COLLISION gives EEXIST.
[[nodiscard]] Errno errno_from_status(NtStatus status) noexcept;

/// A name relative to a directory as NtCreateFile takes it: UTF-8 widened, '/' written as '\',
/// "." components and trailing separators dropped ("", "." and "./" are the directory itself:
/// an empty name). EILSEQ for a name that is not UTF-8, EINVAL for a rooted one ("\\x", "/x",
/// "C:x"), which names nothing inside a directory. Throws std::bad_alloc.
[[nodiscard]] Errno relative_name(std::string_view utf8, std::wstring& out);

/// What an open relative to a directory asks for (NtCreateFile's parameters).
struct NtOpen {
  ACCESS_MASK access = 0;  // SYNCHRONIZE is added: the handle does synchronous I/O
  unsigned long share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  unsigned long disposition = nt_open;
  unsigned long options = 0;     // nt_synchronous_io is added
  unsigned long attributes = 0;  // of a new file (FILE_ATTRIBUTE_*)
};

/// Opens or creates `name` (as relative_name makes it; empty: the directory itself) relative to
/// the directory open as `directory`, never by a path resolved again: what the directory's
/// handle is, not whatever its path names now. Case-insensitive as Win32, not inheritable.
/// Returns the system's answer; on success `out` owns the handle.
[[nodiscard]] NtStatus open_relative(HANDLE directory, const std::wstring& name, const NtOpen& how,
                                     OwnedHandle& out) noexcept;

/// open_relative for the calls of os/sys.hpp: `path` relative to the directory held as
/// descriptor `dirfd`, the answer as an errno (ENOENT for a name or path not found, EEXIST for a
/// collision). EBADF for a descriptor that is not open.
[[nodiscard]] Errno open_at(int dirfd, const char* path, const NtOpen& how,
                            OwnedHandle& out) noexcept;

/// The access `handle` was opened with (NtQueryObject), so that an open of the same object again
/// can ask for exactly that. False when the system does not say.
[[nodiscard]] bool granted_access(HANDLE handle, ACCESS_MASK& out) noexcept;

/// Deletes what `handle` is (opened with DELETE; a link opened itself goes as itself): POSIX
/// semantics past the read-only attribute where the system has them (the name goes now); else
/// the read-only attribute (`attributes`, FILE_ATTRIBUTE_*) cleared through the handle and the
/// classic disposition, carried out when the last handle to the entry closes. ENOTEMPTY for a
/// directory that still has entries.
[[nodiscard]] Errno delete_through(HANDLE handle, DWORD attributes) noexcept;

/// Clears the read-only attribute through `handle` (opened with FILE_WRITE_ATTRIBUTES) when
/// `attributes` has it.
[[nodiscard]] Errno clear_read_only(HANDLE handle, DWORD attributes) noexcept;

/// Renames the entry open as `handle` (with DELETE) to `name` relative to the directory open as
/// `directory` (nullptr: `name` is a full NT or Win32 path): FileRenameInformationEx with POSIX
/// semantics, and REPLACE_IF_EXISTS when `replace`, where the system has it; else the classic
/// FileRenameInformation. Without `replace`, an existing target in any form (a file, a
/// directory, a dangling link) gives EEXIST, in the same operation as the rename. Returns 0 or
/// the errno (EACCES for a target held open without sharing deletion or read-only).
[[nodiscard]] Errno rename_through(HANDLE handle, HANDLE directory, const std::wstring& name,
                                   bool replace) noexcept;

}  // namespace tempfile::os::windows
