// SPDX-License-Identifier: MIT
// The io layer's system calls of os/sys.hpp on Windows (read, write, their positioned forms, seek,
// truncate, duplicate, stdio streams) and the persist ones it needs: Win32 calls on the HANDLE
// under each C-runtime descriptor, so that every failure has its Win32 error, mapped to errno.
#include "os/windows_api.hpp"
// windows.h first: the C-runtime headers below need nothing of it, but keep one order.
#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

#include "os/persist.hpp"
#include "os/sys.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os {
namespace {

// ReadFile and WriteFile take a DWORD count: larger requests are served in pieces of this many
// bytes (a short count is allowed by read_some/write_some's contract, as with read(2)).
constexpr std::size_t largest_transfer = std::size_t{1} << 30U;

DWORD transfer_size(std::size_t size) noexcept {
  return static_cast<DWORD>(size < largest_transfer ? size : largest_transfer);
}

Errno last_error() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

// A read that meets the end: ERROR_HANDLE_EOF for a positioned read past the end of a file,
// ERROR_BROKEN_PIPE when the writer of a pipe closed it. Both are end of file, as read(2) says.
bool is_end_of_file(DWORD error) noexcept {
  return error == ERROR_HANDLE_EOF || error == ERROR_BROKEN_PIPE;
}

OVERLAPPED at_offset(std::int64_t offset) noexcept {
  OVERLAPPED where{};
  const auto unsigned_offset = static_cast<std::uint64_t>(offset);
  where.Offset = static_cast<DWORD>(unsigned_offset & 0xFFFFFFFFU);
  where.OffsetHigh = static_cast<DWORD>(unsigned_offset >> 32U);
  return where;
}

// On a handle opened for synchronous I/O, ReadFile and WriteFile with an OVERLAPPED offset move
// the file pointer past the bytes they moved, which pread/pwrite never do: the pointer is read
// before and put back after, so read_at/write_at keep sys.hpp's promise. Three calls where
// POSIX has one, and not atomic: another user of the same handle could see the pointer moved in
// between. The io layer uses the positioned forms only for a file whose descriptor no one else
// holds (RawFile's "unshared"), where nobody can look.
class PointerKept {
 public:
  explicit PointerKept(HANDLE handle) noexcept : handle_(handle) {
    LARGE_INTEGER zero{};
    kept_ = ::SetFilePointerEx(handle_, zero, &saved_, FILE_CURRENT) != 0;
  }
  PointerKept(const PointerKept&) = delete;
  PointerKept& operator=(const PointerKept&) = delete;
  ~PointerKept() {
    if (kept_) {
      // Cannot fail for an offset the handle just had; nothing to report from a destructor.
      ::SetFilePointerEx(handle_, saved_, nullptr, FILE_BEGIN);
    }
  }
  [[nodiscard]] bool kept() const noexcept { return kept_; }

 private:
  HANDLE handle_;
  LARGE_INTEGER saved_{};
  bool kept_ = false;
};

Errno write_whole(HANDLE handle, const std::byte* data, std::size_t size) noexcept {
  while (size > 0) {
    DWORD written = 0;
    if (::WriteFile(handle, data, transfer_size(size), &written, nullptr) == 0) {
      return last_error();
    }
    if (written == 0) {
      return EIO;  // no progress: an I/O error rather than a loop without end
    }
    data += written;
    size -= written;
  }
  return 0;
}

}  // namespace

Errno write_all(int fd, std::span<const std::byte> first,
                std::span<const std::byte> second) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  // Windows has WriteFileGather only for unbuffered, page-aligned I/O: two writes.
  if (const Errno err = write_whole(handle, first.data(), first.size()); err != 0) {
    return err;
  }
  return write_whole(handle, second.data(), second.size());
}

Errno read_some(int fd, void* data, std::size_t size, std::size_t& got) noexcept {
  got = 0;
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  DWORD read = 0;
  if (::ReadFile(handle, data, transfer_size(size), &read, nullptr) == 0) {
    const DWORD error = ::GetLastError();
    return is_end_of_file(error) ? 0 : windows::errno_from_win32(error);
  }
  got = read;
  return 0;
}

Errno write_some(int fd, const void* data, std::size_t size, std::size_t& written) noexcept {
  written = 0;
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  DWORD count = 0;
  if (::WriteFile(handle, data, transfer_size(size), &count, nullptr) == 0) {
    return last_error();
  }
  written = count;
  return 0;
}

Errno read_at(int fd, void* data, std::size_t size, std::int64_t offset,
              std::size_t& got) noexcept {
  got = 0;
  if (offset < 0) {
    return EINVAL;
  }
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  const PointerKept pointer(handle);
  if (!pointer.kept()) {
    return last_error();  // ESPIPE's case too: a pipe has no pointer to keep
  }
  OVERLAPPED where = at_offset(offset);
  DWORD read = 0;
  if (::ReadFile(handle, data, transfer_size(size), &read, &where) == 0) {
    const DWORD error = ::GetLastError();
    return is_end_of_file(error) ? 0 : windows::errno_from_win32(error);
  }
  got = read;
  return 0;
}

Errno write_at(int fd, const void* data, std::size_t size, std::int64_t offset,
               std::size_t& written) noexcept {
  written = 0;
  if (offset < 0) {
    return EINVAL;
  }
  if (size == 0) {
    return 0;  // pwrite of nothing changes nothing, even past the end (WriteFile would not either)
  }
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  const PointerKept pointer(handle);
  if (!pointer.kept()) {
    return last_error();
  }
  OVERLAPPED where = at_offset(offset);
  DWORD count = 0;
  if (::WriteFile(handle, data, transfer_size(size), &count, &where) == 0) {
    return last_error();
  }
  written = count;
  return 0;
}

Errno seek(int fd, std::int64_t offset, int whence, std::int64_t& position) noexcept {
  DWORD method = 0;
  switch (whence) {
    case SEEK_SET:
      method = FILE_BEGIN;
      break;
    case SEEK_CUR:
      method = FILE_CURRENT;
      break;
    case SEEK_END:
      method = FILE_END;
      break;
    default:
      return EINVAL;  // no SEEK_DATA / SEEK_HOLE here (sys.hpp gives them as -1)
  }
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  // Only a disk file has an offset: SetFilePointerEx "succeeds" on a pipe with no meaning.
  if (::GetFileType(handle) != FILE_TYPE_DISK) {
    return ESPIPE;
  }
  LARGE_INTEGER distance{};
  distance.QuadPart = offset;
  LARGE_INTEGER now{};
  if (::SetFilePointerEx(handle, distance, &now, method) == 0) {
    return last_error();  // ERROR_NEGATIVE_SEEK: EINVAL, as lseek
  }
  position = now.QuadPart;
  return 0;
}

Errno truncate(int fd, std::int64_t size) noexcept {
  if (size < 0) {
    return EINVAL;
  }
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  // Through the handle, leaving the file pointer where it is (as ftruncate; _chsize_s moves it
  // and back again in the C runtime, SetEndOfFile needs it moved).
  FILE_END_OF_FILE_INFO end{};
  end.EndOfFile.QuadPart = size;
  if (::SetFileInformationByHandle(handle, FileEndOfFileInfo, &end, sizeof end) == 0) {
    return last_error();
  }
  return 0;
}

bool is_terminal(int fd) noexcept {
  HANDLE handle = nullptr;
  if (windows::handle_of(fd, handle) != 0) {
    return false;
  }
  // A console, not any character device: _isatty says yes for NUL too.
  DWORD console_mode = 0;
  return ::GetFileType(handle) == FILE_TYPE_CHAR && ::GetConsoleMode(handle, &console_mode) != 0;
}

Errno change_mode(int fd, unsigned mode) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  // What Python's os.chmod does on Windows: the owner's write bit is the read-only attribute;
  // the other bits have no Windows meaning (access control lists are not modes).
  FILE_BASIC_INFO basic{};
  if (::GetFileInformationByHandleEx(handle, FileBasicInfo, &basic, sizeof basic) == 0) {
    return last_error();
  }
  const DWORD before = basic.FileAttributes;
  DWORD after = (mode & 0200U) != 0 ? before & ~DWORD{FILE_ATTRIBUTE_READONLY}
                                    : before | FILE_ATTRIBUTE_READONLY;
  if (after == before) {
    return 0;
  }
  // FILE_ATTRIBUTE_NORMAL is valid only alone; 0 in FileBasicInfo means "leave unchanged".
  after &= ~DWORD{FILE_ATTRIBUTE_NORMAL};
  basic.FileAttributes = after == 0 ? FILE_ATTRIBUTE_NORMAL : after;
  // Zero times mean "leave unchanged" too, so only the attributes are written.
  basic.CreationTime.QuadPart = 0;
  basic.LastAccessTime.QuadPart = 0;
  basic.LastWriteTime.QuadPart = 0;
  basic.ChangeTime.QuadPart = 0;
  if (::SetFileInformationByHandle(handle, FileBasicInfo, &basic, sizeof basic) == 0) {
    return last_error();
  }
  return 0;
}

Errno duplicate(int fd, FileDescriptor& out) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  // DuplicateHandle rather than _dup, which makes the copy inheritable: this one is not (the
  // close-on-exec of sys.hpp). Both handles share one file object, and so the offset.
  HANDLE process = ::GetCurrentProcess();
  HANDLE copy = nullptr;
  if (::DuplicateHandle(process, handle, process, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS) == 0) {
    return last_error();
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the C runtime takes an intptr_t
  const int number =
      ::_open_osfhandle(reinterpret_cast<std::intptr_t>(copy), _O_BINARY | _O_NOINHERIT);
  if (number < 0) {
    ::CloseHandle(copy);
    return EMFILE;
  }
  out = FileDescriptor(number);
  return 0;
}

Errno open_stdio(FileDescriptor& fd, const char* mode, std::FILE*& out) noexcept {
  std::FILE* stream = ::_fdopen(fd.get(), mode);
  if (stream == nullptr) {
    return errno != 0 ? errno : EINVAL;
  }
  static_cast<void>(fd.release());  // the stream closes it now
  out = stream;
  return 0;
}

Errno path_reaching_descriptor(int /*fd*/, std::string& /*out*/) {
  return ENOSYS;  // Windows has no /proc: a descriptor reaches no path of its own
}

std::string descriptor_path(int /*fd*/) {
  return {};
}

Errno sync_file(int fd) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  return ::FlushFileBuffers(handle) != 0 ? 0 : last_error();
}

Errno replace_descriptor(int from, int onto) noexcept {
  if (from < 0 || onto < 0) {
    return EBADF;
  }
  if (::_dup2(from, onto) != 0) {
    return errno;
  }
  // _dup2 makes the new handle inheritable; sys.hpp promises close-on-exec (CPython's os.dup2
  // with inheritable=False does the same afterwards).
  HANDLE handle = nullptr;
  if (windows::handle_of(onto, handle) == 0) {
    ::SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0);
  }
  return 0;
}

}  // namespace tempfile::os
