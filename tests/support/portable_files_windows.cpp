// SPDX-License-Identifier: MIT
// support/portable_files.hpp on Windows: CreateFileW(CREATE_NEW); no umask.
#include "os/windows_api.hpp"
#include "support/portable_files.hpp"

namespace tempfile::test {

bool create_new_file(const std::filesystem::path& path) {
  // CREATE_NEW fails on any existing name, a link included, and never follows one.
  const HANDLE handle =
      ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                    nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  return handle != INVALID_HANDLE_VALUE && ::CloseHandle(handle) != 0;
}

ScopedUmask::ScopedUmask(unsigned /*mask*/) {}

ScopedUmask::~ScopedUmask() = default;

std::filesystem::perms private_directory_perms() {
  return std::filesystem::perms::all;
}

}  // namespace tempfile::test
