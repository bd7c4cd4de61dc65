// SPDX-License-Identifier: MIT
// EntryIdentity (os/entry_identity.hpp): statx with the mount id on Linux, called as a raw system
// call so that it stays async-signal-safe whatever the C library's wrapper does; fstat elsewhere.
#include "os/entry_identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>

// The mount id is what keeps every removal out of bind mounts, so it is used on Linux even in
// the portable build (which otherwise sticks to POSIX calls).
#ifdef __linux__
#  include <sys/syscall.h>
#  include <sys/sysmacros.h>
#  include <unistd.h>
#  ifdef SYS_statx
#    define TEMPFILE_IDENTITY_STATX 1
#  endif
#endif
#ifndef TEMPFILE_IDENTITY_STATX
#  define TEMPFILE_IDENTITY_STATX 0
#endif

namespace tempfile::os {
namespace {

void fill(const struct stat& info, EntryIdentity& out, std::uint64_t& links) noexcept {
  out.device = static_cast<std::uint64_t>(info.st_dev);
  out.inode = static_cast<std::uint64_t>(info.st_ino);
  out.mount = 0;
  out.birth = 0;
  links = static_cast<std::uint64_t>(info.st_nlink);
}

Errno identify_with_stat(int dirfd, const char* name, int flags, EntryIdentity& out,
                         std::uint64_t& links) noexcept {
  struct stat info {};
  if (::fstatat(dirfd, name, &info, flags) != 0) {
    return errno;
  }
  fill(info, out, links);
  return 0;
}

#if TEMPFILE_IDENTITY_STATX
#  ifdef STATX_MNT_ID
constexpr unsigned mount_id_mask = STATX_MNT_ID;
#  else
constexpr unsigned mount_id_mask = 0;
#  endif

Errno identify(int dirfd, const char* name, int flags, EntryIdentity& out,
               std::uint64_t& links) noexcept {
  // Not zeroed first (256 bytes, 70 instructions on every named file's creation and persist):
  // a successful statx writes the whole structure, and nothing is read from it otherwise.
  struct statx info;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  if (::syscall(SYS_statx, dirfd, name, flags,
                STATX_INO | STATX_NLINK | STATX_BTIME | mount_id_mask, &info) != 0) {
    if (errno == ENOSYS) {  // a kernel older than 4.11: no mount id to compare
      return identify_with_stat(dirfd, name, flags, out, links);
    }
    return errno;
  }
  links = info.stx_nlink;
  // The same numbering as st_dev, so that both ways identify a device the same.
  out.device = static_cast<std::uint64_t>(makedev(info.stx_dev_major, info.stx_dev_minor));
  out.inode = info.stx_ino;
  out.mount = 0;
  out.birth = 0;
  if ((info.stx_mask & STATX_BTIME) != 0) {
    out.birth =
        static_cast<std::uint64_t>(info.stx_btime.tv_sec) * 1000000000U + info.stx_btime.tv_nsec;
  }
#  ifdef STATX_MNT_ID
  if ((info.stx_mask & STATX_MNT_ID) != 0) {
    out.mount = info.stx_mnt_id;
  }
#  endif
  return 0;
}
#else
Errno identify(int dirfd, const char* name, int flags, EntryIdentity& out,
               std::uint64_t& links) noexcept {
  return identify_with_stat(dirfd, name, flags, out, links);
}
#endif

}  // namespace

Errno identify_fd(int fd, EntryIdentity& out, std::uint64_t& links) noexcept {
#if TEMPFILE_IDENTITY_STATX
  return identify(fd, "", AT_EMPTY_PATH, out, links);
#else
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return errno;
  }
  fill(info, out, links);
  return 0;
#endif
}

Errno identify_fd(int fd, EntryIdentity& out) noexcept {
  std::uint64_t links = 0;
  return identify_fd(fd, out, links);
}

Errno identify_name(int dirfd, const char* name, EntryIdentity& out) noexcept {
  std::uint64_t links = 0;
  return identify(dirfd, name, AT_SYMLINK_NOFOLLOW, out, links);
}

}  // namespace tempfile::os
