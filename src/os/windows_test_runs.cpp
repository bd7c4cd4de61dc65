// SPDX-License-Identifier: MIT
// os/test_runs.hpp on Windows: GetUserNameW, a root held by a handle that shares no deletion and
// refused if it is a reparse point, LockFileEx on lock files, and a directory symbolic link for
// `current` where the process may make one.
#include "os/test_runs.hpp"
#include "os/windows_api.hpp"
// windows.h first: lmcons.h needs its types.
#include <lmcons.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>

#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os::test_runs {
namespace {

using windows::OwnedHandle;

Errno last_error() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

/// `<root>\<name>[\<leaf>]` widened, or the errno (EILSEQ for a name that is not UTF-8).
Errno wide_child(const Root& root, const std::string& name, std::wstring& out,
                 const char* leaf = nullptr) noexcept {
  try {
    std::string path = root.path + "\\" + name;
    if (leaf != nullptr) {
      path += "\\";
      path += leaf;
    }
    return windows::widen(path, out);
  } catch (...) {
    return ENOMEM;
  }
}

/// Hands a directory or lock-file HANDLE over to `out`, which closes it.
void adopt(OwnedHandle& handle, Held& out) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): Held keeps a HANDLE as a number
  out = Held(reinterpret_cast<std::intptr_t>(handle.release()));
}

/// Opens a lock file for reading and writing, never through a reparse point, not inheritable.
/// `share` says what other opens may do meanwhile.
Errno open_lock_file(const std::wstring& path, DWORD disposition, DWORD share,
                     OwnedHandle& out) noexcept {
  OwnedHandle handle(::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, share, nullptr,
                                   disposition,
                                   FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!handle.valid()) {
    return last_error();
  }
  out = std::move(handle);
  return 0;
}

/// LockFileEx of the lock files' first byte: exclusive, waiting or not. A lock still held by
/// another handle gives EWOULDBLOCK, as flock's LOCK_NB does.
Errno lock_first_byte(HANDLE handle, bool wait) noexcept {
  OVERLAPPED at{};
  const DWORD flags = LOCKFILE_EXCLUSIVE_LOCK | (wait ? 0 : LOCKFILE_FAIL_IMMEDIATELY);
  if (::LockFileEx(handle, flags, 0, 1, 0, &at) != 0) {
    return 0;
  }
  const DWORD error = ::GetLastError();
  return error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING
             ? EWOULDBLOCK
             : windows::errno_from_win32(error);
}

/// Whether entry `path` is a reparse point (a symbolic link, a junction), by its name: wine
/// follows a link of its Linux host when opening it, so the handle alone would not tell.
bool named_reparse_point(const std::wstring& path) noexcept {
  const DWORD attributes = ::GetFileAttributesW(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
}

}  // namespace

void Held::reset() noexcept {
  if (valid()) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the number is a HANDLE
    ::CloseHandle(reinterpret_cast<HANDLE>(value_));  // a close error has nowhere to go
    value_ = invalid;
  }
}

std::string user_name() {
  // The token's account, as geteuid is on POSIX: not the environment, which anyone can set.
  wchar_t name[UNLEN + 1] = {};
  DWORD size = UNLEN + 1;
  if (::GetUserNameW(name, &size) != 0 && name[0] != L'\0') {
    return windows::narrow(name);
  }
  wchar_t variable[UNLEN + 1] = {};
  const DWORD length = ::GetEnvironmentVariableW(L"USERNAME", variable, UNLEN + 1);
  if (length > 0 && length <= UNLEN) {
    return windows::narrow(std::wstring_view(variable, length));
  }
  return "unknown";  // pytest's name without one
}

std::optional<std::string> environment_variable(const char* name) {
  std::wstring wide_name;
  if (windows::widen(name, wide_name) != 0) {
    return std::nullopt;
  }
  std::wstring value(64, L'\0');
  for (;;) {
    const DWORD length = ::GetEnvironmentVariableW(wide_name.c_str(), value.data(),
                                                   static_cast<DWORD>(value.size()));
    if (length == 0) {
      return std::nullopt;  // unset (ERROR_ENVVAR_NOT_FOUND) or empty
    }
    if (length < value.size()) {
      value.resize(length);
      return windows::narrow(value);
    }
    value.resize(length);  // the size needed, terminating NUL included
  }
}

long process_id() noexcept {
  return static_cast<long>(::GetCurrentProcessId());
}

Errno open_root(const std::string& path, Root& out, std::string& refusal,
                const char*& failed_step) {
  refusal.clear();
  std::wstring wide;
  if (const Errno err = windows::widen(path, wide); err != 0) {
    failed_step = "create";
    return err;
  }
  // The directory inherits its parent's access control list, as Python's os.mkdir(0o700) does
  // on Windows: the user's temporary directory is the user's alone.
  if (::CreateDirectoryW(wide.c_str(), nullptr) == 0) {
    const Errno err = windows::collision_or_refusal(wide, last_error());
    if (err != EEXIST) {
      failed_step = "create";
      return err;
    }
  }
  // Listing and attributes only, sharing reading and writing but not deletion: other runs can
  // open it the same way at the same time, and no one can rename or remove it while it is held.
  OwnedHandle handle(::CreateFileW(
      wide.c_str(), FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE,
      nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!handle.valid()) {
    failed_step = "open";
    return last_error();
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    failed_step = "stat";
    return last_error();
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0 || named_reparse_point(wide)) {
    refusal = "it is a symbolic link or junction (someone else may have made it: remove it)";
    return ELOOP;
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    failed_step = "open";
    return ENOTDIR;
  }
  adopt(handle, out.fd);
  out.path = path;
  return 0;
}

Errno lock_root(const Root& root, Held& out) noexcept {
  std::wstring path;
  if (const Errno err = wide_child(root, ".lock", path); err != 0) {
    return err;
  }
  OwnedHandle handle;
  if (const Errno err =
          open_lock_file(path, OPEN_ALWAYS, FILE_SHARE_READ | FILE_SHARE_WRITE, handle);
      err != 0) {
    return err;
  }
  if (const Errno err = lock_first_byte(handle.get(), true); err != 0) {
    return err;
  }
  adopt(handle, out);  // closing the handle releases the lock
  return 0;
}

Errno make_run_directory(const Root& root, const std::string& name) noexcept {
  std::wstring path;
  if (const Errno err = wide_child(root, name, path); err != 0) {
    return err;
  }
  if (::CreateDirectoryW(path.c_str(), nullptr) != 0) {
    return 0;
  }
  return windows::collision_or_refusal(path, last_error());
}

Errno lock_run(const Root& root, const std::string& run, Held& out) noexcept {
  std::wstring path;
  if (const Errno err = wide_child(root, run, path, ".lock"); err != 0) {
    return err;
  }
  // Not sharing deletion: while this process lives, the lock file, and so its run directory,
  // cannot be removed by anyone, a remover that does not look at the lock included.
  OwnedHandle handle;
  if (const Errno err =
          open_lock_file(path, CREATE_NEW, FILE_SHARE_READ | FILE_SHARE_WRITE, handle);
      err != 0) {
    return err;
  }
  if (const Errno err = lock_first_byte(handle.get(), false); err != 0) {
    return err;
  }
  adopt(handle, out);
  return 0;
}

Errno probe_run(const Root& root, const std::string& run) noexcept {
  std::wstring path;
  if (const Errno err = wide_child(root, run, path, ".lock"); err != 0) {
    return err;
  }
  OwnedHandle handle;
  if (const Errno err = open_lock_file(
          path, OPEN_EXISTING, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, handle);
      err != 0) {
    // A sharing violation: someone holds the file in a way that excludes us (not a run's own
    // process, which shares reading and writing); leave the run alone as if alive.
    return ::GetLastError() == ERROR_SHARING_VIOLATION ? EWOULDBLOCK : err;
  }
  const Errno err = lock_first_byte(handle.get(), false);
  // The lock goes with the handle, closed here: the tree remover must be able to delete the file.
  return err;
}

Errno point_current(const Root& root, const std::string& run, std::string& failed_path) {
  std::wstring link;
  std::wstring target;
  failed_path = root.path + "\\current";
  if (const Errno err = wide_child(root, "current", link); err != 0) {
    return err;
  }
  if (const Errno err = windows::widen(run, target); err != 0) {
    return err;
  }
  // The old link goes first (Windows cannot rename a link over a directory entry atomically):
  // a reader may find no `current` for a moment. Only a reparse point is removed, never a
  // directory someone made under the name.
  const DWORD attributes = ::GetFileAttributesW(link.c_str());
  if (attributes != INVALID_FILE_ATTRIBUTES) {
    if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) == 0) {
      return EEXIST;
    }
    const BOOL removed = (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0
                             ? ::RemoveDirectoryW(link.c_str())
                             : ::DeleteFileW(link.c_str());
    if (removed == 0) {
      return last_error();
    }
  }
  // SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE (0x2): developer mode, Windows 10 1703 and later;
  // older systems refuse the flag (ERROR_INVALID_PARAMETER) and are asked again without it.
  constexpr DWORD unprivileged = 0x2;
  BOOLEAN made = ::CreateSymbolicLinkW(link.c_str(), target.c_str(),
                                       SYMBOLIC_LINK_FLAG_DIRECTORY | unprivileged);
  if (made == 0 && ::GetLastError() == ERROR_INVALID_PARAMETER) {
    made = ::CreateSymbolicLinkW(link.c_str(), target.c_str(), SYMBOLIC_LINK_FLAG_DIRECTORY);
  }
  if (made == 0) {
    const DWORD error = ::GetLastError();
    return error == ERROR_PRIVILEGE_NOT_HELD || error == ERROR_NOT_SUPPORTED ||
                   error == ERROR_INVALID_FUNCTION || error == ERROR_CALL_NOT_IMPLEMENTED
               ? ENOTSUP
               : windows::errno_from_win32(error);
  }
  // Wine 8 answers success and makes nothing: that is no link either.
  if (::GetFileAttributesW(link.c_str()) == INVALID_FILE_ATTRIBUTES) {
    return ENOTSUP;
  }
  return 0;
}

Errno make_directory(const std::string& path) noexcept {
  std::wstring wide;
  try {
    if (const Errno err = windows::widen(path, wide); err != 0) {
      return err;
    }
  } catch (...) {
    return ENOMEM;
  }
  if (::CreateDirectoryW(wide.c_str(), nullptr) != 0) {
    return 0;
  }
  return windows::collision_or_refusal(wide, last_error());
}

}  // namespace tempfile::os::test_runs
