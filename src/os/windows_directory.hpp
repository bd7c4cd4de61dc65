// SPDX-License-Identifier: MIT
// Windows-only helper of the OS layer for directories held open: reading a directory's entries
// through its handle.
#pragma once

#include <string>
#include <vector>

#include "os/errno.hpp"
#include "os/windows_api.hpp"

namespace tempfile::os::windows {

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
