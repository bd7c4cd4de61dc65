// SPDX-License-Identifier: MIT
// Directories held open on Windows: os/sys.hpp's open_directory* as C-runtime descriptors over
// CreateFileW(FILE_FLAG_BACKUP_SEMANTICS) handles (NtCreateFile relative to a held directory's
// handle), a directory's entries read through its handle, and the status of an entry.
#include "os/windows_directory.hpp"

#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "os/sys.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"
#include "os/windows_nt.hpp"
#include "os/windows_path.hpp"

namespace tempfile::os {
namespace windows {

Errno list_directory(HANDLE directory, std::vector<ListedEntry>& out) noexcept {
  out.clear();
  // 64 KiB, aligned for the records (each starts on an 8-byte boundary).
  constexpr std::size_t buffer_size = 64 * 1024;
  std::unique_ptr<std::uint64_t[]> buffer(new (std::nothrow)
                                              std::uint64_t[buffer_size / sizeof(std::uint64_t)]);
  if (!buffer) {
    return ENOMEM;
  }
  // The first call restarts the listing from the directory's start, whatever read it before.
  FILE_INFO_BY_HANDLE_CLASS what = FileFullDirectoryRestartInfo;
  for (;;) {
    if (::GetFileInformationByHandleEx(directory, what, buffer.get(), buffer_size) == 0) {
      // The end; a directory without even "." and ".." (a FAT volume's root) may answer
      // ERROR_FILE_NOT_FOUND at once.
      const DWORD error = ::GetLastError();
      return error == ERROR_NO_MORE_FILES || error == ERROR_FILE_NOT_FOUND
                 ? 0
                 : errno_from_win32(error);
    }
    what = FileFullDirectoryInfo;
    const auto* bytes = reinterpret_cast<const unsigned char*>(buffer.get());
    for (std::size_t offset = 0;;) {
      const auto* record = reinterpret_cast<const FILE_FULL_DIR_INFO*>(bytes + offset);
      const std::wstring_view name(record->FileName, record->FileNameLength / sizeof(wchar_t));
      if (name != L"." && name != L"..") {
        try {
          out.push_back({std::wstring(name), record->FileAttributes});
        } catch (...) {  // std::bad_alloc
          return ENOMEM;
        }
      }
      if (record->NextEntryOffset == 0) {
        break;
      }
      offset += record->NextEntryOffset;
    }
  }
}

}  // namespace windows

namespace {

Errno last_error() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

// Opens the directory `path` (relative to `dirfd`: the process's current directory, or a held
// directory whose handle it is opened through) as a handle wrapped in a descriptor, with the
// first of `accesses` the system grants (access denied tries the next). Shared for reading,
// writing and deletion, as a POSIX descriptor holds a directory: others may rename or remove it
// while it is held (std::filesystem::remove_all of a live TemporaryDirectory's name, an outer
// TemporaryDirectory's removal), and what is created in it still lands in it, since every call
// relative to it goes through this handle, never through its path (docs/windows.md, "Held
// directories").
Errno open_held(int dirfd, const char* path, bool follow, const DWORD* accesses, std::size_t count,
                FileDescriptor& out) noexcept {
  windows::OwnedHandle handle;
  Errno err = 0;
  if (dirfd != current_directory_fd) {
    windows::NtOpen how;
    how.share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    how.options = windows::nt_open_for_backup | (follow ? 0 : windows::nt_open_reparse_point);
    for (std::size_t i = 0; i < count; ++i) {
      how.access = accesses[i];
      err = windows::open_at(dirfd, path, how, handle);
      if (err != EACCES) {
        break;
      }
    }
  } else {
    std::wstring wide;
    try {
      err = windows::widen_path(path, wide);
    } catch (...) {  // std::bad_alloc
      err = ENOMEM;
    }
    if (err != 0) {
      return err;
    }
    SECURITY_ATTRIBUTES attributes{};
    attributes.nLength = sizeof attributes;
    attributes.bInheritHandle = FALSE;
    const DWORD flags = FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT);
    for (std::size_t i = 0; i < count; ++i) {
      handle.reset(::CreateFileW(wide.c_str(), accesses[i],
                                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                 &attributes, OPEN_EXISTING, flags, nullptr));
      if (handle.valid() || ::GetLastError() != ERROR_ACCESS_DENIED) {
        break;
      }
    }
    err = handle.valid() ? 0 : last_error();
  }
  if (err != 0) {
    return err;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    return last_error();
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return ELOOP;  // a symbolic link or junction, opened itself (O_NOFOLLOW)
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    return ENOTDIR;
  }
  return windows::adopt_as_descriptor(handle, _O_RDONLY, out);
}

constexpr DWORD list_access =
    FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES | SYNCHRONIZE;

std::int64_t unix_seconds(const FILETIME& time) noexcept {
  const std::uint64_t ticks =
      (static_cast<std::uint64_t>(time.dwHighDateTime) << 32U) | time.dwLowDateTime;
  // 100-nanosecond ticks since 1601-01-01; the Unix epoch is 11644473600 seconds later.
  return static_cast<std::int64_t>(ticks / 10000000U) - 11644473600LL;
}

Errno status_of(HANDLE handle, EntryStatus& out) noexcept {
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle, &info) == 0) {
    return last_error();
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    out.kind = EntryStatus::Kind::symbolic_link;
  } else if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    out.kind = EntryStatus::Kind::directory;
  } else {
    out.kind = ::GetFileType(handle) == FILE_TYPE_DISK ? EntryStatus::Kind::file
                                                       : EntryStatus::Kind::other;
  }
  out.modified = unix_seconds(info.ftLastWriteTime);
  out.links = info.nNumberOfLinks;
  return 0;
}

}  // namespace

Errno open_directory(int dirfd, const char* path, FileDescriptor& out) noexcept {
  // FILE_WRITE_ATTRIBUTES so that the tree remover can clear the read-only attribute through
  // this very handle; without it where the access control list refuses it. Not DELETE: every
  // other open of the directory that does not share deletion (FindFirstFileW's, under wine)
  // would be refused while the handle lives; the remover opens the directory again through this
  // handle with DELETE when it removes it (windows_tree.cpp).
  static constexpr DWORD accesses[] = {list_access | FILE_WRITE_ATTRIBUTES, list_access};
  return open_held(dirfd, path, false, accesses, 2, out);
}

Errno open_directory_despite_mode(int dirfd, const char* path, FileDescriptor& out) noexcept {
  // No mode of a directory keeps its owner from listing it on Windows (the read-only attribute
  // does not); an access control list that does is a refusal to report.
  return open_directory(dirfd, path, out);
}

Errno open_directory_handle(int dirfd, const char* path, FileDescriptor& out) noexcept {
  // Links followed, as O_DIRECTORY without O_NOFOLLOW. Where listing is refused, a handle that
  // may only read the attributes still holds the directory (O_PATH's counterpart).
  static constexpr DWORD accesses[] = {list_access, FILE_READ_ATTRIBUTES | SYNCHRONIZE};
  return open_held(dirfd, path, true, accesses, 2, out);
}

Errno entry_names(int fd, std::vector<std::string>& out) {
  HANDLE directory = nullptr;
  if (const Errno err = windows::handle_of(fd, directory); err != 0) {
    return err;
  }
  std::vector<windows::ListedEntry> entries;
  if (const Errno err = windows::list_directory(directory, entries); err != 0) {
    return err;
  }
  out.clear();
  out.reserve(entries.size());
  for (const windows::ListedEntry& entry : entries) {
    out.push_back(windows::narrow(entry.name));
  }
  return 0;
}

Errno link_count(int fd, std::uint64_t& links) noexcept {
  EntryStatus status;
  if (const Errno err = descriptor_status(fd, status); err != 0) {
    return err;
  }
  links = status.links;
  return 0;
}

Errno descriptor_status(int fd, EntryStatus& out) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  return status_of(handle, out);
}

Errno entry_status(int dirfd, const char* name, EntryStatus& out) noexcept {
  windows::OwnedHandle handle;
  if (const Errno err = windows::open_entry(dirfd, name, FILE_READ_ATTRIBUTES, handle); err != 0) {
    return err;
  }
  return status_of(handle.get(), out);
}

}  // namespace tempfile::os
