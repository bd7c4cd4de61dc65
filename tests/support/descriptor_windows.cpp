// SPDX-License-Identifier: MIT
// support/descriptor.hpp on Windows: the HANDLE under the C-runtime descriptor, its size, and
// ReadFile at offsets with the file pointer put back (a positioned ReadFile moves it).
#include "os/windows_api.hpp"
// windows.h first: io.h needs nothing of it, but keep one order.
#include <gtest/gtest.h>
#include <io.h>

#include <cstdint>

#include "support/descriptor.hpp"

namespace tempfile::test {

std::string descriptor_contents(int fd) {
  const std::intptr_t value = ::_get_osfhandle(fd);
  if (value == -1) {
    ADD_FAILURE() << "descriptor " << fd << " is not open";
    return {};
  }
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the C runtime stores the HANDLE as an intptr_t
  HANDLE handle = reinterpret_cast<HANDLE>(value);
  LARGE_INTEGER size{};
  LARGE_INTEGER saved{};
  const LARGE_INTEGER zero{};
  if (::GetFileSizeEx(handle, &size) == 0 ||
      ::SetFilePointerEx(handle, zero, &saved, FILE_CURRENT) == 0) {
    ADD_FAILURE() << "cannot read the size or pointer of descriptor " << fd << ", error "
                  << ::GetLastError();
    return {};
  }
  std::string bytes(static_cast<std::size_t>(size.QuadPart), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    OVERLAPPED at{};
    at.Offset = static_cast<DWORD>(got & 0xFFFFFFFFU);
    at.OffsetHigh = static_cast<DWORD>(static_cast<std::uint64_t>(got) >> 32U);
    DWORD read = 0;
    if (::ReadFile(handle, bytes.data() + got, static_cast<DWORD>(bytes.size() - got), &read,
                   &at) == 0 ||
        read == 0) {
      ADD_FAILURE() << "ReadFile stopped at " << got << " of " << bytes.size() << ", error "
                    << ::GetLastError();
      break;
    }
    got += read;
  }
  bytes.resize(got);
  ::SetFilePointerEx(handle, saved, nullptr, FILE_BEGIN);
  return bytes;
}

bool is_open_descriptor(int fd) {
  return ::_get_osfhandle(fd) != -1;
}

}  // namespace tempfile::test
