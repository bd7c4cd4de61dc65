// SPDX-License-Identifier: MIT
// os/entry_identity.hpp on Windows: who a file is, as GetFileInformationByHandle says (the
// volume's serial number and the file's index on it).
#include "os/windows_api.hpp"
// windows.h first: io.h needs nothing of it, but keep one order.
#include <io.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "os/entry_identity.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os {
namespace {

std::uint64_t join(DWORD high, DWORD low) noexcept {
  return (static_cast<std::uint64_t>(high) << 32U) | low;
}

Errno identify_handle(HANDLE handle, EntryIdentity& out, std::uint64_t& links) noexcept {
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle, &info) == 0) {
    return windows::errno_from_win32(::GetLastError());
  }
  // The volume serial number is the device; the 64-bit file index is unique on that volume
  // while the file exists, and on NTFS its high 16 bits are the MFT record's sequence number,
  // which changes when a freed record is reused: a new file under a freed index is told apart
  // without a birth time. The creation time is not used for that: any writer may change it
  // (SetFileTime), and wine reports the Linux change time, which every write moves. Windows
  // has no bind mounts to tell apart: mount stays 0.
  out.device = info.dwVolumeSerialNumber;
  out.inode = join(info.nFileIndexHigh, info.nFileIndexLow);
  out.mount = 0;
  out.birth = 0;
  links = info.nNumberOfLinks;
  return 0;
}

}  // namespace

Errno identify_fd(int fd, EntryIdentity& out) noexcept {
  std::uint64_t links = 0;
  return identify_fd(fd, out, links);
}

Errno identify_fd(int fd, EntryIdentity& out, std::uint64_t& links) noexcept {
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(fd, handle); err != 0) {
    return err;
  }
  return identify_handle(handle, out, links);
}

Errno identify_name(int dirfd, const char* name, EntryIdentity& out) noexcept {
  windows::OwnedHandle handle;
  if (const Errno err = windows::open_entry(dirfd, name, FILE_READ_ATTRIBUTES, handle); err != 0) {
    return err;
  }
  std::uint64_t links = 0;
  return identify_handle(handle.get(), out, links);
}

}  // namespace tempfile::os
