// SPDX-License-Identifier: MIT
// The system calls of os/sys.hpp on Windows, through the wide-character API: paths arrive as
// UTF-8 and are widened here; files are CreateFileW handles wrapped in C-runtime descriptors
// (_open_osfhandle) so that the layers above keep their `int fd`. The functions the Windows
// build does not compile yet are listed in docs/windows.md.
#include "os/windows_api.hpp"
// windows.h first: bcrypt.h needs its types.
#include <bcrypt.h>
#include <fcntl.h>
#include <io.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "os/random.hpp"
#include "os/sys.hpp"
#include "os/windows_directory.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"
#include "os/windows_nt.hpp"
#include "os/windows_path.hpp"

namespace tempfile::os {
namespace windows {

Errno errno_from_win32(unsigned long error) noexcept {
  switch (error) {
    case ERROR_SUCCESS:
      return 0;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
      return EEXIST;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
      return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_CURRENT_DIRECTORY:
      return EACCES;
    case ERROR_WRITE_PROTECT:
      return EROFS;
    case ERROR_DIRECTORY:
      return ENOTDIR;
    case ERROR_DIR_NOT_EMPTY:
      return ENOTEMPTY;
    case ERROR_FILENAME_EXCED_RANGE:
      return ENAMETOOLONG;
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_PARAMETER:
    case ERROR_NEGATIVE_SEEK:
      return EINVAL;
    case ERROR_SEEK_ON_DEVICE:
      return ESPIPE;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
      return ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
      return ENOSPC;
    case ERROR_TOO_MANY_OPEN_FILES:
      return EMFILE;
    case ERROR_INVALID_HANDLE:
      return EBADF;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
      return ENOSYS;
    case ERROR_NOT_SAME_DEVICE:
      return EXDEV;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
      return EPIPE;
    default:
      return EIO;
  }
}

Errno widen(std::string_view utf8, std::wstring& out) {
  out.clear();
  if (utf8.empty()) {
    return 0;
  }
  if (utf8.size() > static_cast<std::size_t>(INT_MAX)) {
    return ENAMETOOLONG;
  }
  const int length = static_cast<int>(utf8.size());
  const int wide =
      ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), length, nullptr, 0);
  if (wide <= 0) {
    return EILSEQ;
  }
  out.resize(static_cast<std::size_t>(wide));
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), length, out.data(), wide);
  return 0;
}

// gh-66305: Windows answers ERROR_ACCESS_DENIED, not ERROR_FILE_EXISTS, when the new name is
// an existing directory (and for a file pending deletion). Python retried every ACCESS_DENIED
// as a collision and, in a directory it may not write, spun through all 2^31 names. Here it is
// a collision only when something really is under the name; otherwise the refusal stands.
Errno collision_or_refusal(const std::wstring& path, Errno err) noexcept {
  if (err == EACCES && ::GetFileAttributesW(path.c_str()) != INVALID_FILE_ATTRIBUTES) {
    return EEXIST;
  }
  return err;
}

std::string narrow(std::wstring_view wide) {
  std::string out;
  if (wide.empty() || wide.size() > static_cast<std::size_t>(INT_MAX)) {
    return out;
  }
  const int length = static_cast<int>(wide.size());
  const int bytes =
      ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), length, nullptr, 0, nullptr, nullptr);
  if (bytes <= 0) {
    return out;
  }
  out.resize(static_cast<std::size_t>(bytes));
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), length, out.data(), bytes, nullptr, nullptr);
  return out;
}

}  // namespace windows

namespace {

// No descriptor can be -100: it stands for "the path as given" (AT_FDCWD's value on Linux).
constexpr int cwd_marker = -100;

// The path a call relative to the process works on (current_directory_fd): `path` itself, a
// long one with the \\?\ prefix (windows_path.cpp). A call relative to a held directory opens
// its name through the directory's handle instead (open_at, windows_nt.cpp).
Errno wide_path(const char* path, std::wstring& out) noexcept {
  try {
    return windows::widen_path(path, out);
  } catch (...) {  // std::bad_alloc: the OS layer reports errno values, never throws
    return ENOMEM;
  }
}

Errno last_error() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

}  // namespace

const int current_directory_fd = cwd_marker;

namespace windows {

Errno handle_of(int fd, HANDLE& out) noexcept {
  if (fd < 0) {
    return EBADF;
  }
  const std::intptr_t value = ::_get_osfhandle(fd);
  if (value == -1 || value == -2) {  // -2: a standard stream with no console behind it
    return EBADF;
  }
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the C runtime stores the HANDLE as an intptr_t
  out = reinterpret_cast<HANDLE>(value);
  return 0;
}

Errno adopt_as_descriptor(OwnedHandle& handle, int flags, FileDescriptor& out) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the C runtime takes an intptr_t
  const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(handle.get()),
                                   flags | _O_BINARY | _O_NOINHERIT);
  if (fd < 0) {
    return EMFILE;
  }
  static_cast<void>(handle.release());  // the descriptor owns it now
  out = FileDescriptor(fd);
  return 0;
}

Errno open_entry(int dirfd, const char* path, DWORD access, OwnedHandle& out) noexcept {
  if (dirfd != cwd_marker) {
    NtOpen how;
    how.access = access;
    how.options = nt_open_for_backup | nt_open_reparse_point;
    return open_at(dirfd, path, how, out);
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  SECURITY_ATTRIBUTES attributes{};
  attributes.nLength = sizeof attributes;
  attributes.bInheritHandle = FALSE;
  HANDLE handle = ::CreateFileW(
      wide.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &attributes,
      OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return last_error();
  }
  out.reset(handle);
  return 0;
}

}  // namespace windows

namespace {

// FileDispositionInfoEx and its flags (Windows 10 1709 and later), spelled out where the
// MinGW headers lack them.
struct DispositionInfoEx {
  DWORD Flags;
};
constexpr DWORD disposition_delete = 0x1;
constexpr DWORD disposition_posix_semantics = 0x2;
constexpr auto file_disposition_info_ex = static_cast<FILE_INFO_BY_HANDLE_CLASS>(21);

// open_unnamed_file relative to a held directory: `dir` (relative to it; "" or "." is itself)
// opened through its handle, and the file created relative to that, with the same name rule.
Errno open_unnamed_file_at(int dirfd, const char* dir, FileDescriptor& out) noexcept {
  windows::OwnedHandle opened;
  HANDLE directory = nullptr;
  if (const Errno err = windows::handle_of(dirfd, directory); err != 0) {
    return err;
  }
  if (dir != nullptr && dir[0] != '\0' && std::strcmp(dir, ".") != 0) {
    windows::NtOpen how;
    how.access = FILE_TRAVERSE;
    how.options = windows::nt_directory_file;
    if (const Errno err = windows::open_at(dirfd, dir, how, opened); err != 0) {
      return err;
    }
    directory = opened.get();
  }
  windows::NtOpen how;
  how.access = GENERIC_READ | GENERIC_WRITE | DELETE;
  how.disposition = windows::nt_create;
  how.options = windows::nt_non_directory_file | windows::nt_delete_on_close;
  how.attributes = FILE_ATTRIBUTE_TEMPORARY;
  for (int attempt = 0; attempt < TMP_MAX; ++attempt) {
    char name[name_length];
    random_name(name);
    windows::OwnedHandle handle;
    windows::NtStatus status = 0;
    try {
      status = windows::open_relative(directory, L"tmp" + std::wstring(name, name + name_length),
                                      how, handle);
    } catch (...) {  // std::bad_alloc
      return ENOMEM;
    }
    if (status == windows::status_object_name_collision ||
        status == windows::status_delete_pending) {
      continue;
    }
    if (!windows::nt_success(status)) {
      return windows::errno_from_status(status);
    }
    DispositionInfoEx dispose{disposition_delete | disposition_posix_semantics};
    ::SetFileInformationByHandle(handle.get(), file_disposition_info_ex, &dispose, sizeof dispose);
    return windows::adopt_as_descriptor(handle, _O_RDWR, out);
  }
  return EEXIST;
}

}  // namespace

Errno open_unnamed_file(int dirfd, const char* dir, unsigned /*mode*/,
                        FileDescriptor& out) noexcept {
  if (dirfd != current_directory_fd) {
    return open_unnamed_file_at(dirfd, dir, out);
  }
  std::wstring directory;
  if (const Errno err = wide_path(dir, directory); err != 0) {
    return err;
  }
  try {
    if (!directory.empty() && directory.back() != L'\\' && directory.back() != L'/') {
      directory += L'\\';
    }
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
  SECURITY_ATTRIBUTES attributes{};
  attributes.nLength = sizeof attributes;
  attributes.bInheritHandle = FALSE;
  for (int attempt = 0; attempt < TMP_MAX; ++attempt) {
    // Python's gettempprefix() and 8 of its name characters: the name exists only until the
    // disposition below takes it away (or, where that is refused, until the last close).
    char name[name_length];
    random_name(name);
    std::wstring path;
    try {
      path = directory + L"tmp" + std::wstring(name, name + name_length);
    } catch (...) {  // std::bad_alloc
      return ENOMEM;
    }
    // Delete-on-close from the first moment: whatever ends the process (a crash, TerminateProcess),
    // the system closes the handle and the file goes. DELETE access for the disposition below;
    // shared like mkstemp's files, so that the disposition and other opens are not refused.
    windows::OwnedHandle handle(
        ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE | DELETE,
                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &attributes,
                      CREATE_NEW, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr));
    if (!handle.valid()) {
      const Errno err = windows::collision_or_refusal(path, last_error());
      if (err == EEXIST) {
        continue;
      }
      return err;
    }
    // POSIX delete semantics take the name away now, as O_TMPFILE never has one (NTFS on
    // Windows 10 1709 and later). Where the system refuses, the name stays until the last handle
    // is closed, and delete-on-close still removes the file then.
    DispositionInfoEx dispose{disposition_delete | disposition_posix_semantics};
    ::SetFileInformationByHandle(handle.get(), file_disposition_info_ex, &dispose, sizeof dispose);
    return windows::adopt_as_descriptor(handle, _O_RDWR, out);
  }
  return EEXIST;
}

Errno open_existing_file(int dirfd, const char* path, bool read, bool write,
                         FileDescriptor& out) noexcept {
  DWORD access = 0;
  if (read) {
    access |= GENERIC_READ;
  }
  if (write) {
    access |= GENERIC_WRITE;
  }
  windows::OwnedHandle handle;
  if (const Errno err = windows::open_entry(dirfd, path, access, handle); err != 0) {
    return err;
  }
  // open_entry opened a final link itself and a directory too: refused as O_NOFOLLOW and a
  // plain open refuse them.
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    return last_error();
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return ELOOP;
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    return EISDIR;
  }
  return windows::adopt_as_descriptor(handle,
                                      read && write ? _O_RDWR
                                      : write       ? _O_WRONLY
                                                    : _O_RDONLY,
                                      out);
}

Errno open_memory_file(const char* /*name*/, FileDescriptor& /*out*/) noexcept {
  // Windows has no memfd. (A delete-on-close file with FILE_ATTRIBUTE_TEMPORARY is kept in the
  // cache as long as memory allows, which is what the caller's fallback makes.)
  return ENOSYS;
}

Errno create_file_exclusive(int dirfd, const char* path, unsigned /*mode*/,
                            FileDescriptor& out) noexcept {
  // Not inheritable (O_CLOEXEC's counterpart). Shared for reading, writing and deletion, as
  // POSIX files are: another open by name, and removal while open, must work as on Linux. The
  // permission bits have no Windows meaning (Python's mkstemp ignores them there too).
  HANDLE handle = INVALID_HANDLE_VALUE;
  if (dirfd != current_directory_fd) {
    // Through the held directory's handle: NtCreateFile's FILE_CREATE answers a collision
    // (a file, a directory, a name pending deletion) as such, never as ERROR_ACCESS_DENIED.
    windows::NtOpen how;
    how.access = GENERIC_READ | GENERIC_WRITE;
    how.disposition = windows::nt_create;
    how.options = windows::nt_non_directory_file;
    how.attributes = FILE_ATTRIBUTE_NORMAL;
    windows::OwnedHandle created;
    if (const Errno err = windows::open_at(dirfd, path, how, created); err != 0) {
      return err;
    }
    handle = created.release();
  } else {
    std::wstring wide;
    if (const Errno err = wide_path(path, wide); err != 0) {
      return err;
    }
    SECURITY_ATTRIBUTES attributes{};
    attributes.nLength = sizeof attributes;
    attributes.bInheritHandle = FALSE;
    handle = ::CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &attributes,
                           CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (handle == INVALID_HANDLE_VALUE) {
      return windows::collision_or_refusal(wide, last_error());
    }
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the C runtime takes an intptr_t
  const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(handle),
                                   _O_RDWR | _O_BINARY | _O_NOINHERIT);
  if (fd < 0) {
    // The name was made: take it back through the handle (never by name, which another
    // process could have reused by now), so that a failure leaves nothing behind.
    FILE_DISPOSITION_INFO dispose{};
    dispose.DeleteFile = TRUE;
    ::SetFileInformationByHandle(handle, FileDispositionInfo, &dispose, sizeof dispose);
    ::CloseHandle(handle);
    return EMFILE;
  }
  out = FileDescriptor(fd);
  return 0;
}

Errno create_directory(int dirfd, const char* path, unsigned /*mode*/) noexcept {
  if (dirfd != current_directory_fd) {
    // Through the held directory's handle, closed at once (mkdirat keeps no descriptor).
    windows::NtOpen how;
    how.access = FILE_LIST_DIRECTORY;
    how.disposition = windows::nt_create;
    how.options = windows::nt_directory_file;
    how.attributes = FILE_ATTRIBUTE_NORMAL;
    windows::OwnedHandle created;
    return windows::open_at(dirfd, path, how, created);
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  // The new directory inherits its parent's access control list, as Python's os.mkdir does on
  // Windows (the mode means nothing there).
  if (::CreateDirectoryW(wide.c_str(), nullptr) == 0) {
    return windows::collision_or_refusal(wide, last_error());
  }
  return 0;
}

namespace {

// unlinkat and unlinkat(AT_REMOVEDIR) relative to a held directory: the entry opened through
// the directory's handle, itself (a link is removed as a link), and deleted through that handle.
Errno remove_at(int dirfd, const char* path, bool directory) noexcept {
  windows::NtOpen how;
  how.access = DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
  how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point |
                (directory ? windows::nt_directory_file : windows::nt_non_directory_file);
  windows::OwnedHandle handle;
  if (const Errno err = windows::open_at(dirfd, path, how, handle); err != 0) {
    return err;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    return last_error();
  }
  return windows::delete_through(handle.get(), info.dwFileAttributes);
}

}  // namespace

Errno remove_file(int dirfd, const char* path) noexcept {
  if (dirfd != current_directory_fd) {
    return remove_at(dirfd, path, false);
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  return ::DeleteFileW(wide.c_str()) != 0 ? 0 : last_error();
}

Errno remove_directory(int dirfd, const char* path) noexcept {
  if (dirfd != current_directory_fd) {
    return remove_at(dirfd, path, true);
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  return ::RemoveDirectoryW(wide.c_str()) != 0 ? 0 : last_error();
}

Errno write_all(int fd, const void* data, std::size_t size) noexcept {
  const auto* next = static_cast<const unsigned char*>(data);
  while (size > 0) {
    // _write takes an unsigned int count: large writes go in pieces.
    const auto piece = static_cast<unsigned>(size < (1U << 30U) ? size : (1U << 30U));
    const int written = ::_write(fd, next, piece);
    if (written < 0) {
      return errno;
    }
    next += written;
    size -= static_cast<std::size_t>(written);
  }
  return 0;
}

Errno entry_exists(int dirfd, const char* path, bool& exists) noexcept {
  if (dirfd != current_directory_fd) {
    // The name itself, through the held directory's handle (a dangling link exists).
    windows::NtOpen how;
    how.access = FILE_READ_ATTRIBUTES;
    how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point;
    windows::OwnedHandle handle;
    const Errno err = windows::open_at(dirfd, path, how, handle);
    exists = err == 0 || err == EACCES;  // EACCES: pending deletion, still named
    return exists || err == ENOENT || err == ENOTDIR ? 0 : err;
  }
  std::wstring wide;
  if (const Errno err = wide_path(path, wide); err != 0) {
    return err;
  }
  // GetFileAttributesW reports a symbolic link (a reparse point) itself, not its target: a
  // dangling link exists, as with lstat.
  if (::GetFileAttributesW(wide.c_str()) != INVALID_FILE_ATTRIBUTES) {
    exists = true;
    return 0;
  }
  const DWORD error = ::GetLastError();
  if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ||
      error == ERROR_INVALID_NAME || error == ERROR_DIRECTORY) {
    exists = false;
    return 0;
  }
  return windows::errno_from_win32(error);
}

Errno current_directory(std::string& out) {
  std::wstring buffer(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = ::GetCurrentDirectoryW(static_cast<DWORD>(buffer.size()), buffer.data());
    if (length == 0) {
      return last_error();
    }
    if (length < buffer.size()) {
      buffer.resize(length);
      out = windows::narrow(buffer);
      return 0;
    }
    buffer.resize(length);  // the size needed, terminating NUL included
  }
}

std::optional<std::string> environment_variable(const char* name) {
  std::wstring wide_name;
  if (windows::widen(name, wide_name) != 0) {
    return std::nullopt;
  }
  // The process environment block, which SetEnvironmentVariableW and _wputenv change; the
  // C runtime's narrow copy would mangle a value outside the ANSI code page.
  std::wstring value(64, L'\0');
  for (;;) {
    ::SetLastError(ERROR_SUCCESS);
    const DWORD length = ::GetEnvironmentVariableW(wide_name.c_str(), value.data(),
                                                   static_cast<DWORD>(value.size()));
    if (length == 0) {
      if (::GetLastError() == ERROR_ENVVAR_NOT_FOUND) {
        return std::nullopt;
      }
      return std::string();
    }
    if (length < value.size()) {
      value.resize(length);
      return windows::narrow(value);
    }
    value.resize(length);
  }
}

const Features& features() noexcept {
  // None of the Linux features exist on Windows.
  static constexpr Features none{};
  return none;
}

void random_bytes(unsigned char* out, std::size_t size) noexcept {
  // BCryptGenRandom with the system's preferred generator needs no algorithm handle. It takes
  // a ULONG count, so the buffer goes in pieces.
  std::size_t filled = 0;
  while (filled < size) {
    const std::size_t piece = size - filled < ULONG_MAX ? size - filled : ULONG_MAX;
    if (!BCRYPT_SUCCESS(::BCryptGenRandom(nullptr, out + filled, static_cast<ULONG>(piece),
                                          BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
      break;
    }
    filled += piece;
  }
  if (filled == size) {
    return;
  }
  // As on POSIX: names need not be secret, since exclusive creation, not the name, makes
  // creation safe. Mix the clock, the process id and a counter.
  static std::atomic<std::uint64_t> counter{0};
  LARGE_INTEGER now{};
  ::QueryPerformanceCounter(&now);
  std::uint64_t state = static_cast<std::uint64_t>(now.QuadPart) * 1000000007U ^
                        (static_cast<std::uint64_t>(::GetCurrentProcessId()) << 32U) ^
                        counter.fetch_add(0x9E3779B97F4A7C15U, std::memory_order_relaxed);
  for (std::size_t i = filled; i < size; ++i) {
    state += 0x9E3779B97F4A7C15U;
    std::uint64_t mixed = state;
    mixed = (mixed ^ (mixed >> 30U)) * 0xBF58476D1CE4E5B9U;
    mixed = (mixed ^ (mixed >> 27U)) * 0x94D049BB133111EBU;
    out[i] = static_cast<unsigned char>(mixed ^ (mixed >> 31U));
  }
}

}  // namespace tempfile::os
