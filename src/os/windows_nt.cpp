// SPDX-License-Identifier: MIT
// The native (NT) calls of os/windows_nt.hpp: NtCreateFile relative to a directory's handle,
// deletion and renaming through a handle, NTSTATUS as errno.
#include "os/windows_nt.hpp"
// windows.h (through the header above) first: winternl.h needs its types.
#include <winternl.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include "os/windows_error.hpp"

namespace tempfile::os::windows {
namespace {

// FileDispositionInfoEx (Windows 10 1709 and later) and its flags.
struct DispositionInfoEx {
  DWORD Flags;
};
constexpr DWORD disposition_delete = 0x1;
constexpr DWORD disposition_posix_semantics = 0x2;
constexpr DWORD disposition_ignore_readonly = 0x10;
constexpr auto file_disposition_info_ex = static_cast<FILE_INFO_BY_HANDLE_CLASS>(21);

// The attributes FileBasicInfo may set (the directory and reparse-point bits are the system's).
constexpr DWORD settable_attributes = FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN |
                                      FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE |
                                      FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE |
                                      FILE_ATTRIBUTE_NOT_CONTENT_INDEXED;

// FileRenameInformationEx (Windows 10 1809 and later) and its flags.
// Its value lies past the last enumerator MinGW's header has, which no cast may reach.
FILE_INFORMATION_CLASS file_rename_information_ex() noexcept {
  constexpr int value = 65;
  static_assert(sizeof(FILE_INFORMATION_CLASS) == sizeof value);
  FILE_INFORMATION_CLASS out{};
  std::memcpy(&out, &value, sizeof value);
  return out;
}
constexpr ULONG rename_replace_if_exists = 0x1;
constexpr ULONG rename_posix_semantics = 0x2;

// Answers that mean "this system or file system has no such information class", not a
// refusal of this operation.
constexpr NtStatus status_invalid_info_class = static_cast<NtStatus>(0xC0000003L);
constexpr NtStatus status_not_implemented = static_cast<NtStatus>(0xC0000002L);
constexpr NtStatus status_invalid_parameter = static_cast<NtStatus>(0xC000000DL);
constexpr NtStatus status_not_supported = static_cast<NtStatus>(0xC00000BBL);
constexpr NtStatus status_file_is_a_directory = static_cast<NtStatus>(0xC00000BAL);
constexpr NtStatus status_not_a_directory = static_cast<NtStatus>(0xC0000103L);

bool class_unsupported(NtStatus status) noexcept {
  return status == status_invalid_info_class || status == status_not_implemented ||
         status == status_invalid_parameter || status == status_not_supported;
}

}  // namespace

Errno errno_from_status(NtStatus status) noexcept {
  if (status == status_object_name_collision) {
    return EEXIST;
  }
  if (status == status_file_is_a_directory) {
    return EISDIR;
  }
  if (status == status_not_a_directory) {
    return ENOTDIR;
  }
  return errno_from_win32(::RtlNtStatusToDosError(status));
}

Errno relative_name(std::string_view utf8, std::wstring& out) {
  // A rooted name ("\\x", "/x", "C:x", "C:\\x") is no name inside a directory: taken apart
  // below it would silently become one.
  if ((!utf8.empty() && (utf8[0] == '\\' || utf8[0] == '/')) ||
      (utf8.size() >= 2 && utf8[1] == ':')) {
    return EINVAL;
  }
  std::wstring wide;
  if (const Errno err = widen(utf8, wide); err != 0) {
    return err;
  }
  out.clear();
  std::size_t start = 0;
  while (start <= wide.size()) {
    std::size_t end = wide.find_first_of(L"\\/", start);
    if (end == std::wstring::npos) {
      end = wide.size();
    }
    const std::wstring_view component(wide.data() + start, end - start);
    if (!component.empty() && component != L".") {
      if (!out.empty()) {
        out += L'\\';
      }
      out += component;
    }
    start = end + 1;
  }
  return 0;
}

NtStatus open_relative(HANDLE directory, const std::wstring& name, const NtOpen& how,
                       OwnedHandle& out) noexcept {
  UNICODE_STRING unicode{};
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the system only reads the name
  unicode.Buffer = const_cast<wchar_t*>(name.c_str());
  unicode.Length = static_cast<USHORT>(name.size() * sizeof(wchar_t));
  unicode.MaximumLength = unicode.Length;
  OBJECT_ATTRIBUTES object{};
  InitializeObjectAttributes(&object, &unicode, OBJ_CASE_INSENSITIVE, directory, nullptr);
  IO_STATUS_BLOCK io{};
  HANDLE handle = INVALID_HANDLE_VALUE;
  const NTSTATUS status =
      ::NtCreateFile(&handle, how.access | SYNCHRONIZE, &object, &io, nullptr, how.attributes,
                     how.share, how.disposition, how.options | nt_synchronous_io, nullptr, 0);
  if (NT_SUCCESS(status)) {
    out.reset(handle);
  }
  return status;
}

Errno open_at(int dirfd, const char* path, const NtOpen& how, OwnedHandle& out) noexcept {
  HANDLE directory = nullptr;
  if (const Errno err = handle_of(dirfd, directory); err != 0) {
    return err;
  }
  std::wstring name;
  try {
    if (const Errno err = relative_name(path, name); err != 0) {
      return err;
    }
  } catch (...) {  // std::bad_alloc: the OS layer reports errno values, never throws
    return ENOMEM;
  }
  if (name.size() * sizeof(wchar_t) > 0xFFFFU) {
    return ENAMETOOLONG;  // more than a UNICODE_STRING holds
  }
  const NtStatus status = open_relative(directory, name, how, out);
  if (status == status_delete_pending && how.disposition == nt_create) {
    return EEXIST;  // the name is still taken until the last handle closes: a collision
  }
  return nt_success(status) ? 0 : errno_from_status(status);
}

bool granted_access(HANDLE handle, ACCESS_MASK& out) noexcept {
  PUBLIC_OBJECT_BASIC_INFORMATION basic{};
  if (!NT_SUCCESS(::NtQueryObject(handle, ObjectBasicInformation, &basic, sizeof basic, nullptr))) {
    return false;
  }
  out = basic.GrantedAccess;
  return true;
}

Errno clear_read_only(HANDLE handle, DWORD attributes) noexcept {
  if ((attributes & FILE_ATTRIBUTE_READONLY) == 0) {
    return 0;
  }
  FILE_BASIC_INFO basic{};  // zero times: left as they are
  basic.FileAttributes = attributes & settable_attributes & ~DWORD{FILE_ATTRIBUTE_READONLY};
  if (basic.FileAttributes == 0) {
    basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
  }
  if (::SetFileInformationByHandle(handle, FileBasicInfo, &basic, sizeof basic) == 0) {
    return errno_from_win32(::GetLastError());
  }
  return 0;
}

Errno delete_through(HANDLE handle, DWORD attributes) noexcept {
  DispositionInfoEx extended{disposition_delete | disposition_posix_semantics |
                             disposition_ignore_readonly};
  if (::SetFileInformationByHandle(handle, file_disposition_info_ex, &extended, sizeof extended) !=
      0) {
    return 0;
  }
  if (::GetLastError() == ERROR_DIR_NOT_EMPTY) {
    return ENOTEMPTY;
  }
  if (const Errno err = clear_read_only(handle, attributes); err != 0) {
    return err;
  }
  FILE_DISPOSITION_INFO classic{};
  classic.DeleteFile = TRUE;
  if (::SetFileInformationByHandle(handle, FileDispositionInfo, &classic, sizeof classic) == 0) {
    return errno_from_win32(::GetLastError());
  }
  return 0;
}

Errno rename_through(HANDLE handle, HANDLE directory, const std::wstring& name,
                     bool replace) noexcept {
  // FILE_RENAME_INFORMATION ends in the name, FileNameLength bytes of it. The Ex class reads a
  // ULONG of flags where the classic one has its BOOLEAN ReplaceIfExists (a union in newer
  // headers): the first member, at offset 0, with the same layout after it.
  const std::size_t name_bytes = name.size() * sizeof(wchar_t);
  const std::size_t size =
      offsetof(FILE_RENAME_INFORMATION, FileName) + name_bytes + sizeof(wchar_t);
  const std::unique_ptr<std::byte[]> buffer(new (std::nothrow) std::byte[size]());
  if (!buffer) {
    return ENOMEM;
  }
  FILE_RENAME_INFORMATION header{};
  header.RootDirectory = directory;
  header.FileNameLength = static_cast<ULONG>(name_bytes);
  std::memcpy(buffer.get(), &header, offsetof(FILE_RENAME_INFORMATION, FileName));
  std::memcpy(buffer.get() + offsetof(FILE_RENAME_INFORMATION, FileName), name.c_str(), name_bytes);
  auto* info = reinterpret_cast<FILE_RENAME_INFORMATION*>(buffer.get());
  const ULONG flags = rename_posix_semantics | (replace ? rename_replace_if_exists : 0);
  std::memcpy(buffer.get(), &flags, sizeof flags);
  IO_STATUS_BLOCK io{};
  NTSTATUS status = ::NtSetInformationFile(handle, &io, info, static_cast<ULONG>(size),
                                           file_rename_information_ex());
  if (class_unsupported(status)) {
    // The classic rename: a target open elsewhere is refused even when it shares deletion.
    std::memcpy(buffer.get(), &header, offsetof(FILE_RENAME_INFORMATION, FileName));
    info->ReplaceIfExists = replace ? TRUE : FALSE;
    status =
        ::NtSetInformationFile(handle, &io, info, static_cast<ULONG>(size), FileRenameInformation);
  }
  return NT_SUCCESS(status) ? 0 : errno_from_status(status);
}

}  // namespace tempfile::os::windows
