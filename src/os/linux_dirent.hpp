// SPDX-License-Identifier: MIT
// The layout of a getdents64 record (the kernel's struct linux_dirent64), by name rather than by
// byte offset, for the two readers of raw getdents64 buffers. Linux only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tempfile::os::linux_dirent {

// The kernel's record header; d_name follows it, NUL-terminated, and the record is d_reclen
// bytes long. glibc declares no such type (its struct dirent64 differs in size), so it is
// spelled out here; records in the buffer are not aligned, so fields are copied out.
struct Header {
  std::uint64_t d_ino;
  std::int64_t d_off;
  std::uint16_t d_reclen;
  std::uint8_t d_type;
};
inline constexpr std::size_t length_offset = offsetof(Header, d_reclen);
inline constexpr std::size_t type_offset = offsetof(Header, d_type);
inline constexpr std::size_t name_offset = type_offset + sizeof(Header::d_type);
static_assert(length_offset == 16 && type_offset == 18 && name_offset == 19,
              "the kernel ABI of struct linux_dirent64");

/// One record of a getdents64 buffer. `length` 0 never comes from a sane kernel; readers stop
/// on it rather than loop forever.
struct Record {
  std::size_t length;
  unsigned char type;  // DT_DIR, DT_REG, DT_UNKNOWN, ...
  const char* name;
};

inline Record read(const char* record) noexcept {
  std::uint16_t length = 0;
  std::memcpy(&length, record + length_offset, sizeof length);
  unsigned char type = 0;
  std::memcpy(&type, record + type_offset, sizeof type);
  return {length, type, record + name_offset};
}

}  // namespace tempfile::os::linux_dirent
