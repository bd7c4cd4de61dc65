// SPDX-License-Identifier: MIT
// support/windows_files.hpp: CreateFileW, ReadFile and WriteFile on the name, handle closed
// before returning.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>

#include <array>

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

}  // namespace tempfile::test
