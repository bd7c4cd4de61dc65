// SPDX-License-Identifier: MIT
// The system calls that give a temporary file its final name (persist): renames with and
// without replacing, linking an unnamed file into place, the syncs that make it durable, and
// the copy and descriptor swap of a persist across file systems.
#pragma once

#include <cstdint>

#include "os/errno.hpp"

namespace tempfile::os {

/// fsync(fd), retrying EINTR.
[[nodiscard]] Errno sync_file(int fd) noexcept;

/// Opens directory `path` (never through a final symbolic link) and fsyncs it, so that the
/// names just made or changed in it survive a crash.
[[nodiscard]] Errno sync_directory(const char* path) noexcept;
/// The same for `path` relative to the directory `dirfd` (openat), so that a held directory's
/// path is not resolved again.
[[nodiscard]] Errno sync_directory(int dirfd, const char* path) noexcept;

/// rename(from, to): replaces whatever `to` names (not a directory), atomically.
[[nodiscard]] Errno rename_replacing(const char* from, const char* to) noexcept;
/// The same with each name relative to its own directory descriptor (renameat).
[[nodiscard]] Errno rename_replacing(int from_dirfd, const char* from, int to_dirfd,
                                     const char* to) noexcept;

/// Moves `from` to `to` only if `to` names nothing, not even a dangling symbolic link (EEXIST):
/// renameat2(RENAME_NOREPLACE) where the kernel and the file system have it; elsewhere link()
/// then unlink() of `from`, which keeps the same promise (link never replaces). If that
/// unlink fails, the new name is taken away again and the unlink's errno returned.
[[nodiscard]] Errno rename_no_replace(const char* from, const char* to) noexcept;
/// The same with each name relative to its own directory descriptor (renameat2, linkat,
/// unlinkat).
[[nodiscard]] Errno rename_no_replace(int from_dirfd, const char* from, int to_dirfd,
                                      const char* to) noexcept;

/// Whether `fd` is an unnamed file that linking can give a name (Linux O_TMPFILE). False for
/// a file created and then unlinked (the kernel refuses to link it: ENOENT) and in builds
/// without O_TMPFILE.
[[nodiscard]] bool is_linkable_unnamed(int fd) noexcept;

/// Gives the unnamed file `fd` the name `to`, which must name nothing (EEXIST otherwise):
/// linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH) where the process may (CAP_DAC_READ_SEARCH, or
/// Linux 6.10 and later for a file it opened), else linkat of "/proc/self/fd/<fd>" with
/// AT_SYMLINK_FOLLOW. Which of the two works is learnt once per process. ENOTSUP in builds
/// without O_TMPFILE.
[[nodiscard]] Errno link_unnamed(int fd, const char* to) noexcept;
/// The same with `to` relative to the directory `dirfd`.
[[nodiscard]] Errno link_unnamed(int fd, int dirfd, const char* to) noexcept;

/// The permission bits (07777), owner and group of an open file (fstat).
struct Ownership {
  unsigned mode = 0;
  unsigned uid = 0;
  unsigned gid = 0;
};
[[nodiscard]] Errno ownership_of_fd(int fd, Ownership& out) noexcept;

/// The same for what `path` names, not following a final symbolic link (lstat); `is_file` says
/// whether it is a regular file. ENOENT when nothing is there.
[[nodiscard]] Errno ownership_of_name(const char* path, Ownership& out, bool& is_file) noexcept;
/// The same with `path` relative to the directory `dirfd` (fstatat, AT_SYMLINK_NOFOLLOW).
[[nodiscard]] Errno ownership_of_name(int dirfd, const char* path, Ownership& out,
                                      bool& is_file) noexcept;

/// fchown(fd, uid, gid).
[[nodiscard]] Errno change_owner(int fd, unsigned uid, unsigned gid) noexcept;

/// This process's umask, read without changing it (umask() can only be read by setting it,
/// which would race with every other thread creating files): Linux's "Umask:" line of
/// /proc/self/status (Linux 4.7 and later). ENOSYS where there is no such line, and in builds
/// without the Linux paths: the caller then measures it (a directory made 0777 shows it).
[[nodiscard]] Errno read_umask(unsigned& out) noexcept;

/// Copies every byte of the regular file `from` (from its offset 0 to its end, however long it
/// has grown) into `to` at offset 0, without moving either descriptor's offset; `copied` is the
/// count. copy_file_range where the kernel has it and takes it for this pair of files (it
/// refuses most pairs on different file systems: EXDEV), then pread/pwrite from where it
/// stopped, which also confirms the end of file. Short transfers and EINTR are retried; a write
/// that makes no progress gives EIO. On failure `to` holds part of the bytes.
[[nodiscard]] Errno copy_file(int from, int to, std::int64_t& copied) noexcept;
/// copy_file's portable way: copies `from` into `to` from offset `copied` to the end of `from`
/// with read_at / write_at in blocks, adding each block to `copied`. The same failures.
[[nodiscard]] Errno copy_at_offsets(int from, int to, std::int64_t& copied) noexcept;

/// Makes the descriptor number `onto` refer to what `from` refers to (dup3(from, onto,
/// O_CLOEXEC); dup2 and FD_CLOEXEC where there is no dup3): the file `onto` referred to is
/// closed (its close's error is lost, as dup2's always is), `from` stays open. On failure
/// nothing changed.
[[nodiscard]] Errno replace_descriptor(int from, int onto) noexcept;

/// Test seam: false makes link_unnamed go straight to the /proc path, as on a kernel that
/// refuses AT_EMPTY_PATH; true lets it probe again. Default true.
void link_prefer_empty_path(bool prefer) noexcept;

}  // namespace tempfile::os
