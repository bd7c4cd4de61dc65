// SPDX-License-Identifier: MIT
// The POSIX implementation of os/persist.hpp, with the Linux paths (renameat2, O_TMPFILE's
// linkat, copy_file_range, dup3) that TEMPFILE_PORTABLE switches off so the fallbacks get
// tested.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "os/fd.hpp"
#include "os/interrupted.hpp"
#include "os/persist.hpp"
#include "os/platform.hpp"
#include "os/sys.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <sys/syscall.h>
#endif

namespace tempfile::os {

namespace {
#if TEMPFILE_LINUX_FAST_PATHS
// AT_EMPTY_PATH may be refused (ENOENT) to a process without CAP_DAC_READ_SEARCH before Linux
// 6.10; once it was, and the /proc path worked instead, later links go there directly.
std::atomic<bool> empty_path_links{true};

#  if defined(SYS_copy_file_range)
// copy_file_range's errors that mean "not for this pair of files" rather than a failure of the
// copy: EXDEV (different file systems, before Linux 5.3 and again since 5.19 unless the file
// system copies across itself), ENOSYS (an old kernel, or a filter), EOPNOTSUPP and EINVAL (a
// file system without it), EPERM (a filter that refuses it). The pread/pwrite copy then takes
// over, and reports any real failure itself.
bool copy_range_refused(Errno err) noexcept {
  return err == EXDEV || err == ENOSYS || err == EOPNOTSUPP || err == EINVAL || err == EPERM;
}

// As much as the kernel will copy between the two files inside it; `copied` (the offset in both)
// advances. Stops at the end of file, or when the kernel refuses the pair (then the caller's
// pread/pwrite loop goes on from `copied`).
Errno copy_in_kernel(int from, int to, std::int64_t& copied) noexcept {
  // Larger requests are cut to about 2 GiB by the kernel anyway.
  constexpr std::size_t chunk = std::size_t{1} << 30U;
  for (;;) {
    auto in = static_cast<loff_t>(copied);
    auto out = static_cast<loff_t>(copied);
    const auto result = retry_interrupted(
        [&] { return ::syscall(SYS_copy_file_range, from, &in, to, &out, chunk, 0U); });
    if (result < 0) {
      return copy_range_refused(errno) ? 0 : errno;
    }
    if (result == 0) {
      return 0;  // the end of file, or a file system that says 0 for "not here": pread checks
    }
    copied += static_cast<std::int64_t>(result);
  }
}
#  endif
#endif

}  // namespace

Errno sync_file(int fd) noexcept {
  return retry_interrupted([&] { return ::fsync(fd); }) == 0 ? 0 : errno;
}

Errno sync_directory(const char* path) noexcept {
  return sync_directory(current_directory_fd, path);
}

Errno sync_directory(int dirfd, const char* path) noexcept {
  FileDescriptor directory;
  if (const Errno err = open_directory(dirfd, path, directory); err != 0) {
    return err;
  }
  const Errno err = sync_file(directory.get());
  // Some file systems cannot sync a directory and say so; nothing more can be done there.
  return err == EINVAL ? 0 : err;
}

Errno rename_replacing(const char* from, const char* to) noexcept {
  return retry_interrupted([&] { return ::rename(from, to); }) == 0 ? 0 : errno;
}

Errno rename_replacing(int from_dirfd, const char* from, int to_dirfd, const char* to) noexcept {
  if (from_dirfd == AT_FDCWD && to_dirfd == AT_FDCWD) {
    return rename_replacing(from, to);  // the same call as ever where no directory is held
  }
  return retry_interrupted([&] { return ::renameat(from_dirfd, from, to_dirfd, to); }) == 0 ? 0
                                                                                            : errno;
}

Errno rename_no_replace(const char* from, const char* to) noexcept {
  return rename_no_replace(AT_FDCWD, from, AT_FDCWD, to);
}

Errno rename_no_replace(int from_dirfd, const char* from, int to_dirfd, const char* to) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  if (features().renameat2) {
    if (::syscall(SYS_renameat2, from_dirfd, from, to_dirfd, to, 1U /* RENAME_NOREPLACE */) == 0) {
      return 0;
    }
    // EINVAL: this file system has no RENAME_NOREPLACE (ENOSYS: a filter refused the call);
    // the link path below keeps the promise.
    if (errno != EINVAL && errno != ENOSYS) {
      return errno;
    }
  }
#endif
  // Where no directory is held, the same calls as ever (link, unlink).
  const bool by_path = from_dirfd == AT_FDCWD && to_dirfd == AT_FDCWD;
  if (retry_interrupted([&] {
        return by_path ? ::link(from, to) : ::linkat(from_dirfd, from, to_dirfd, to, 0);
      }) != 0) {
    return errno;
  }
  if (retry_interrupted(
          [&] { return by_path ? ::unlink(from) : ::unlinkat(from_dirfd, from, 0); }) != 0) {
    const Errno err = errno;
    // The file keeps its first name: nothing moved.
    static_cast<void>(by_path ? ::unlink(to) : ::unlinkat(to_dirfd, to, 0));
    return err;
  }
  return 0;
}

bool is_linkable_unnamed(int fd) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(O_TMPFILE)
  // The open flags keep O_TMPFILE's own bit (O_TMPFILE is it plus O_DIRECTORY).
  const int flags = ::fcntl(fd, F_GETFL);
  constexpr int tmpfile_bit = O_TMPFILE & ~O_DIRECTORY;
  return flags >= 0 && (flags & tmpfile_bit) == tmpfile_bit;
#else
  static_cast<void>(fd);
  return false;
#endif
}

Errno link_unnamed(int fd, const char* to) noexcept {
  return link_unnamed(fd, AT_FDCWD, to);
}

Errno link_unnamed(int fd, int dirfd, const char* to) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(O_TMPFILE)
  const bool try_empty_path = empty_path_links.load(std::memory_order_relaxed);
  if (try_empty_path) {
    if (retry_interrupted([&] { return ::linkat(fd, "", dirfd, to, AT_EMPTY_PATH); }) == 0) {
      return 0;
    }
    if (errno != ENOENT) {
      return errno;
    }
  }
  const std::string proc_path = "/proc/self/fd/" + std::to_string(fd);
  if (retry_interrupted([&] {
        return ::linkat(AT_FDCWD, proc_path.c_str(), dirfd, to, AT_SYMLINK_FOLLOW);
      }) != 0) {
    return errno;
  }
  if (try_empty_path) {
    empty_path_links.store(false, std::memory_order_relaxed);
  }
  return 0;
#else
  static_cast<void>(fd);
  static_cast<void>(dirfd);
  static_cast<void>(to);
  return ENOTSUP;
#endif
}

Errno ownership_of_fd(int fd, Ownership& out) noexcept {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return errno;
  }
  out = {static_cast<unsigned>(info.st_mode & 07777), static_cast<unsigned>(info.st_uid),
         static_cast<unsigned>(info.st_gid)};
  return 0;
}

Errno ownership_of_name(const char* path, Ownership& out, bool& is_file) noexcept {
  struct stat info {};
  if (::lstat(path, &info) != 0) {
    return errno;
  }
  out = {static_cast<unsigned>(info.st_mode & 07777), static_cast<unsigned>(info.st_uid),
         static_cast<unsigned>(info.st_gid)};
  is_file = S_ISREG(info.st_mode);
  return 0;
}

Errno ownership_of_name(int dirfd, const char* path, Ownership& out, bool& is_file) noexcept {
  if (dirfd == AT_FDCWD) {
    return ownership_of_name(path, out, is_file);  // the same call as ever
  }
  struct stat info {};
  if (::fstatat(dirfd, path, &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  out = {static_cast<unsigned>(info.st_mode & 07777), static_cast<unsigned>(info.st_uid),
         static_cast<unsigned>(info.st_gid)};
  is_file = S_ISREG(info.st_mode);
  return 0;
}

Errno change_owner(int fd, unsigned uid, unsigned gid) noexcept {
  return ::fchown(fd, static_cast<uid_t>(uid), static_cast<gid_t>(gid)) == 0 ? 0 : errno;
}

Errno read_umask(unsigned& out) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  FileDescriptor status;
  const int fd = retry_interrupted(
      [&] { return ::open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOFOLLOW); });
  if (fd < 0) {
    return ENOSYS;
  }
  status = FileDescriptor(fd);
  std::array<char, 4096> buffer{};
  std::size_t got = 0;
  while (got < buffer.size()) {
    std::size_t chunk = 0;
    if (read_some(status.get(), buffer.data() + got, buffer.size() - got, chunk) != 0 ||
        chunk == 0) {
      break;
    }
    got += chunk;
  }
  const std::string_view text(buffer.data(), got);
  constexpr std::string_view key = "\nUmask:\t";
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) {
    return ENOSYS;  // before Linux 4.7
  }
  unsigned mask = 0;
  std::size_t digits = 0;
  for (std::size_t i = at + key.size(); i < text.size() && text[i] >= '0' && text[i] <= '7';
       ++i, ++digits) {
    mask = mask * 8 + static_cast<unsigned>(text[i] - '0');
  }
  if (digits == 0) {
    return ENOSYS;
  }
  out = mask & 0777;
  return 0;
#else
  static_cast<void>(out);
  return ENOSYS;
#endif
}

Errno copy_file(int from, int to, std::int64_t& copied) noexcept {
  copied = 0;
#if TEMPFILE_LINUX_FAST_PATHS && defined(SYS_copy_file_range)
  if (const Errno err = copy_in_kernel(from, to, copied); err != 0) {
    return err;
  }
#endif
  return copy_at_offsets(from, to, copied);  // from where the kernel stopped, to the end
}

Errno replace_descriptor(int from, int onto) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  // Retried: EINTR, and EBUSY, which Linux gives only for a slot that another thread's open()
  // has reserved and not yet filled (so never for long).
  for (;;) {
    if (::dup3(from, onto, O_CLOEXEC) >= 0) {
      return 0;
    }
    if (errno != EINTR && errno != EBUSY) {
      return errno;
    }
  }
#else
  if (retry_interrupted([&] { return ::dup2(from, onto); }) < 0) {
    return errno;
  }
  // dup2 clears close-on-exec; setting it again cannot fail for the descriptor just made, and
  // would leave nothing to undo if it did (the number already refers to `from`'s file).
  static_cast<void>(::fcntl(onto, F_SETFD, FD_CLOEXEC));
  return 0;
#endif
}

void link_prefer_empty_path(bool prefer) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  empty_path_links.store(prefer, std::memory_order_relaxed);
#else
  static_cast<void>(prefer);
#endif
}

}  // namespace tempfile::os
