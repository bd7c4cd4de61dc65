// SPDX-License-Identifier: MIT
// Windows-only helpers of the OS layer for directories held open: the path a name relative to a
// held directory stands for, and reading a directory's entries through its handle.
#pragma once

#include <string>
#include <vector>

#include "os/errno.hpp"
#include "os/windows_api.hpp"

namespace tempfile::os::windows {

/// The path that `name`, relative to the directory held as descriptor `dirfd`, stands for:
/// the directory's own path as the system reports it for the handle (GetFinalPathNameByHandleW,
/// a `\\?\` path), joined with `name` ('/' written as '\'; "." or "" is the directory itself).
/// Windows has no *at calls: the held directory's handle, opened without FILE_SHARE_DELETE,
/// is what keeps that path naming the same directory while it is held. EBADF for a descriptor
/// that is not open, EILSEQ for a name that is not UTF-8, ENOMEM. Never throws.
[[nodiscard]] Errno held_directory_path(int dirfd, const char* name, std::wstring& out) noexcept;

/// One entry of a directory as its listing gives it: the name and the attributes (a reparse
/// point, such as a symbolic link or a junction, carries FILE_ATTRIBUTE_REPARSE_POINT).
struct ListedEntry {
  std::wstring name;
  DWORD attributes = 0;
};

/// Every entry of the directory open as `directory` (a handle with FILE_LIST_DIRECTORY access)
/// but "." and "..", read from its start through the handle itself
/// (GetFileInformationByHandleEx's FileFullDirectory classes): no path is resolved again.
/// Returns 0 or the errno; ENOMEM when the list cannot grow. Never throws.
[[nodiscard]] Errno list_directory(HANDLE directory, std::vector<ListedEntry>& out) noexcept;

}  // namespace tempfile::os::windows
