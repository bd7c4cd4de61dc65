// SPDX-License-Identifier: MIT
// support/windows_files.hpp: CreateFileW, ReadFile and WriteFile on the name, handle closed
// before returning.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>
#include <winioctl.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "support/windows_files.hpp"

namespace tempfile::test {

namespace {

constexpr DWORD share_all = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

void write_whole(HANDLE handle, const std::filesystem::path& path, const std::string& bytes) {
  DWORD wrote = 0;
  EXPECT_NE(::WriteFile(handle, bytes.data(), static_cast<DWORD>(bytes.size()), &wrote, nullptr), 0)
      << "cannot write " << path << ", error " << ::GetLastError();
  EXPECT_EQ(wrote, bytes.size()) << path;
  ::CloseHandle(handle);
}

}  // namespace

std::string read_by_name(const std::filesystem::path& path) {
  HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ, share_all, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    ADD_FAILURE() << "cannot open " << path << " by name, error " << ::GetLastError();
    return {};
  }
  std::string bytes;
  std::array<char, 4096> block{};
  for (;;) {
    DWORD got = 0;
    if (::ReadFile(handle, block.data(), static_cast<DWORD>(block.size()), &got, nullptr) == 0) {
      ADD_FAILURE() << "cannot read " << path << ", error " << ::GetLastError();
      break;
    }
    if (got == 0) {
      break;
    }
    bytes.append(block.data(), got);
  }
  ::CloseHandle(handle);
  return bytes;
}

void overwrite_by_name(const std::filesystem::path& path, const std::string& bytes) {
  HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_WRITE, share_all, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(handle, INVALID_HANDLE_VALUE)
      << "cannot open " << path << ", error " << ::GetLastError();
  write_whole(handle, path, bytes);
}

void create_by_name(const std::filesystem::path& path, const std::string& bytes) {
  HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(handle, INVALID_HANDLE_VALUE)
      << "cannot create " << path << ", error " << ::GetLastError();
  write_whole(handle, path, bytes);
}

bool entry_exists(const std::filesystem::path& path) {
  return ::GetFileAttributesW(path.c_str()) != INVALID_FILE_ATTRIBUTES;
}

bool make_directory_link(const std::filesystem::path& link, const std::filesystem::path& target,
                         std::string& how) {
  constexpr DWORD allow_unprivileged = 0x2;  // SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE
  if (::CreateSymbolicLinkW(link.c_str(), target.c_str(),
                            SYMBOLIC_LINK_FLAG_DIRECTORY | allow_unprivileged) != 0 &&
      (::GetFileAttributesW(link.c_str()) & FILE_ATTRIBUTE_REPARSE_POINT) != 0 &&
      entry_exists(link)) {
    how = "symbolic link";
    return true;
  }
  // A junction: an empty directory given a mount-point reparse point.
  if (::CreateDirectoryW(link.c_str(), nullptr) == 0) {
    return false;
  }
  HANDLE handle = ::CreateFileW(link.c_str(), GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  bool made = false;
  if (handle != INVALID_HANDLE_VALUE) {
    const std::wstring substitute = L"\\??\\" + target.wstring();
    const std::wstring& print = target.native();
    std::vector<unsigned char> buffer(16 + (substitute.size() + print.size() + 2) * 2);
    auto put16 = [&](std::size_t at, std::size_t value) {
      buffer[at] = static_cast<unsigned char>(value & 0xFFU);
      buffer[at + 1] = static_cast<unsigned char>(value >> 8U);
    };
    const DWORD tag = IO_REPARSE_TAG_MOUNT_POINT;
    std::memcpy(buffer.data(), &tag, sizeof tag);
    put16(4, buffer.size() - 8);             // ReparseDataLength
    put16(8, 0);                             // SubstituteNameOffset
    put16(10, substitute.size() * 2);        // SubstituteNameLength
    put16(12, (substitute.size() + 1) * 2);  // PrintNameOffset
    put16(14, print.size() * 2);             // PrintNameLength
    std::memcpy(buffer.data() + 16, substitute.data(), substitute.size() * 2);
    std::memcpy(buffer.data() + 16 + (substitute.size() + 1) * 2, print.data(), print.size() * 2);
    DWORD returned = 0;
    made =
        ::DeviceIoControl(handle, FSCTL_SET_REPARSE_POINT, buffer.data(),
                          static_cast<DWORD>(buffer.size()), nullptr, 0, &returned, nullptr) != 0;
    ::CloseHandle(handle);
  }
  if (!made) {
    ::RemoveDirectoryW(link.c_str());
    return false;
  }
  how = "junction";
  return true;
}

}  // namespace tempfile::test
