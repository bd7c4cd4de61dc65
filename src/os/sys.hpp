// SPDX-License-Identifier: MIT
// The system calls the library makes, behind one platform-neutral interface. Every function
// returns 0 or an errno, retries EINTR where that is safe, and never throws; the POSIX
// implementation (with its Linux fast paths) is in posix.cpp, a Windows one can sit beside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "os/errno.hpp"
#include "os/fd.hpp"
#include "os/platform.hpp"

namespace tempfile::os {

/// Whether this build uses the Linux fast paths (false on other systems and with
/// TEMPFILE_PORTABLE, where only the portable POSIX fallbacks run): the one switch of
/// os/platform.hpp, for code that asks with `if` rather than `#if`.
inline constexpr bool linux_fast_paths = TEMPFILE_LINUX_FAST_PATHS != 0;

/// The directory-descriptor value meaning "relative to the current directory" (AT_FDCWD).
extern const int current_directory_fd;

/// Permission bits for new files and directories (less the umask, as in Python).
inline constexpr unsigned file_mode = 0600;
inline constexpr unsigned directory_mode = 0700;

/// The longest file-name component, in bytes: NAME_MAX on Linux, macOS and the BSDs (posix.cpp
/// checks it against the system's). A constant, so that a name is judged before any system call.
inline constexpr std::size_t max_name_length = 255;

/// Creates `path` (relative to `dirfd`) exclusively, never following a symbolic link:
/// O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC. Any existing entry gives EEXIST.
[[nodiscard]] Errno create_file_exclusive(int dirfd, const char* path, unsigned mode,
                                          FileDescriptor& out) noexcept;

/// Opens the existing file `path` (relative to `dirfd`) again, for reading and/or writing, never
/// creating, truncating or following a final symbolic link (ELOOP), and never waiting on a FIFO
/// or device swapped in under the name: O_NOFOLLOW|O_CLOEXEC|O_NOCTTY, and O_NONBLOCK for the
/// open only. The caller checks that it is the file it meant (os::identify_fd).
[[nodiscard]] Errno open_existing_file(int dirfd, const char* path, bool read, bool write,
                                       FileDescriptor& out) noexcept;

/// Creates directory `path` (relative to `dirfd`); an existing entry of any kind gives EEXIST.
[[nodiscard]] Errno create_directory(int dirfd, const char* path, unsigned mode) noexcept;

/// Opens an unnamed file in directory `dir` (relative to `dirfd`) that no name ever reaches
/// (Linux O_TMPFILE, without O_EXCL so it can be linked later; on Windows a delete-on-close
/// file whose name is taken away at once where the system allows, which can never be linked).
/// Gives EOPNOTSUPP where the platform, the build (TEMPFILE_PORTABLE) or the file system lacks
/// it: the caller then falls back to create-and-unlink.
[[nodiscard]] Errno open_unnamed_file(int dirfd, const char* dir, unsigned mode,
                                      FileDescriptor& out) noexcept;
/// Whether a file open_unnamed_file made can be given a name later (linkat of an O_TMPFILE
/// file); Windows' delete-on-close file never can.
inline constexpr bool unnamed_files_linkable = linux_fast_paths;

/// A path that opens the very file `fd` refers to, for this process and for another process of
/// the same user (while this one is dumpable): Linux's "/proc/<pid>/fd/<n>", with this process's
/// id (so a fork()ed child gets its own). The path is checked, not assumed: a stat following it
/// must reach the descriptor's device and inode, which fails where /proc is not mounted, or is
/// the /proc of another pid namespace (a container's), where our pid names some other process.
/// The check runs on every call (one stat and one fstat, a few microseconds, once per file
/// created): a probe cached per process would miss a /proc unmounted or remounted later, and
/// the check is what makes the path a promise. Gives ENOSYS where the platform or the build
/// (TEMPFILE_PORTABLE) has no such path, ENOENT where /proc does not reach the descriptor.
/// Throws std::bad_alloc.
[[nodiscard]] Errno path_reaching_descriptor(int fd, std::string& out);

/// The same path for this process's id, unchecked (for a descriptor already closed, whose
/// path reaches nothing any more). Empty where there is no such path. Throws std::bad_alloc.
[[nodiscard]] std::string descriptor_path(int fd);

/// Opens an anonymous file that lives in memory only (Linux memfd_create with MFD_CLOEXEC;
/// `name` shows in /proc/self/fd). Gives ENOSYS where the platform, the kernel or the build
/// (TEMPFILE_PORTABLE) lacks it, so the caller can fall back to a file on disk.
[[nodiscard]] Errno open_memory_file(const char* name, FileDescriptor& out) noexcept;

/// Opens directory `path` (relative to `dirfd`) for reading, never through a symbolic link and
/// never waiting on a FIFO or device: O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK.
[[nodiscard]] Errno open_directory(int dirfd, const char* path, FileDescriptor& out) noexcept;

/// Opens directory `path` (relative to `dirfd`) as a handle to create entries in with the *at
/// calls: symbolic links followed (the path is resolved here, once), O_DIRECTORY|O_CLOEXEC, and
/// O_PATH where the system has it, so that a directory the user may write and search but not
/// read can be held too (elsewhere O_RDONLY).
[[nodiscard]] Errno open_directory_handle(int dirfd, const char* path,
                                          FileDescriptor& out) noexcept;

/// open_directory, and where that is refused (EACCES) because the directory's own mode denies
/// its owner reading it (made under a umask such as 0777 or 0477), opens it all the same: only
/// a directory this user owns whose mode holds nothing but owner bits (what mkdir 0700 less a
/// umask can give), reached without following its final component, gets u+rwx for as long as it
/// takes to open it, and then its mode back on the open descriptor. Costs nothing more than
/// open_directory when that succeeds. Any other refusal is open_directory's EACCES.
[[nodiscard]] Errno open_directory_despite_mode(int dirfd, const char* path,
                                                FileDescriptor& out) noexcept;

/// Takes a shared BSD lock (flock LOCK_SH, not waiting) on an open directory or file:
/// systemd-tmpfiles skips locked entries when it ages /tmp, and sweep() skips them too. Returns the
/// errno (EWOULDBLOCK while a cleaner holds it exclusively for a moment; callers treat any failure
/// as "not locked"). On Windows a LockFileEx lock of one byte no read or write reaches, and
/// nothing for a directory, whose owner's handle not sharing deletion is its lock
/// (windows_lock.cpp).
[[nodiscard]] Errno lock_shared(int fd) noexcept;

/// Takes an exclusive BSD lock (flock LOCK_EX, not waiting): fails with EWOULDBLOCK while any
/// other open of the entry holds a lock, a live owner's shared one included (sweep()).
[[nodiscard]] Errno lock_exclusive(int fd) noexcept;

/// Opens entry `name` of `dirfd`, a file or a directory, only to lock and check it: O_RDONLY,
/// never through a final symbolic link (ELOOP), never waiting on a FIFO or device
/// (O_NONBLOCK), never becoming a controlling terminal. The caller checks what it opened.
[[nodiscard]] Errno open_to_lock(int dirfd, const char* name, FileDescriptor& out) noexcept;

/// What an entry is, as far as sweep() cares (lstat or fstat).
struct EntryStatus {
  enum class Kind : unsigned char { file, directory, symbolic_link, other };
  Kind kind = Kind::other;
  /// Last modification, in seconds since the epoch.
  std::int64_t modified = 0;
  std::uint64_t links = 0;
};
/// The status of entry `name` of `dirfd`, never following a final symbolic link.
[[nodiscard]] Errno entry_status(int dirfd, const char* name, EntryStatus& out) noexcept;
/// The status of what `fd` refers to.
[[nodiscard]] Errno descriptor_status(int fd, EntryStatus& out) noexcept;

/// The names in the open directory `fd` but "." and "..", read from its start. Throws
/// std::bad_alloc.
[[nodiscard]] Errno entry_names(int fd, std::vector<std::string>& out);

/// The number of names an open file or directory still has (fstat's st_nlink): 0 once removed.
[[nodiscard]] Errno link_count(int fd, std::uint64_t& links) noexcept;

/// Moves entry `from` of `dirfd` to the name `to` in the same directory, never replacing an
/// entry under `to` that the call can see (EEXIST): renameat2(RENAME_NOREPLACE) where the kernel
/// and the file system have it, one atomic call. Elsewhere an fstatat that must find nothing
/// under `to`, then renameat: an entry made under `to` between the two would be replaced, so
/// that way is only for a name nobody else has a reason to make (a fresh random one). Never
/// link() then unlink() of `from`: that unlink would be by name, and remove whatever took the
/// name in between (sweep() moves a name away precisely so as not to unlink by name).
[[nodiscard]] Errno move_entry_no_replace(int dirfd, const char* from, const char* to) noexcept;

/// unlinkat without and with AT_REMOVEDIR (retrying EINTR).
[[nodiscard]] Errno remove_file(int dirfd, const char* path) noexcept;
[[nodiscard]] Errno remove_directory(int dirfd, const char* path) noexcept;

/// Writes all of [data, data + size), retrying short writes and EINTR.
[[nodiscard]] Errno write_all(int fd, const void* data, std::size_t size) noexcept;
/// Writes all of `first` and then all of `second` with writev: one system call where a single
/// write would need the two joined in one buffer first.
[[nodiscard]] Errno write_all(int fd, std::span<const std::byte> first,
                              std::span<const std::byte> second) noexcept;

/// Reads up to `size` bytes at the current offset, retrying EINTR; `got` is 0 at end of file.
[[nodiscard]] Errno read_some(int fd, void* data, std::size_t size, std::size_t& got) noexcept;

/// Writes up to `size` bytes at the current offset (one write(2), retrying EINTR).
[[nodiscard]] Errno write_some(int fd, const void* data, std::size_t size,
                               std::size_t& written) noexcept;

/// pread/pwrite: as read_some/write_some at `offset`, leaving the descriptor's offset alone.
[[nodiscard]] Errno read_at(int fd, void* data, std::size_t size, std::int64_t offset,
                            std::size_t& got) noexcept;
[[nodiscard]] Errno write_at(int fd, const void* data, std::size_t size, std::int64_t offset,
                             std::size_t& written) noexcept;

/// lseek's SEEK_DATA and SEEK_HOLE where the platform has them, else -1 (never a valid whence).
#ifdef SEEK_DATA
inline constexpr int seek_data = SEEK_DATA;
inline constexpr int seek_hole = SEEK_HOLE;
#else
inline constexpr int seek_data = -1;
inline constexpr int seek_hole = -1;
#endif

/// Moves the offset (lseek); `whence` is SEEK_SET, SEEK_CUR or SEEK_END as in <cstdio>.
[[nodiscard]] Errno seek(int fd, std::int64_t offset, int whence, std::int64_t& position) noexcept;

/// Sets the file's size (ftruncate, retrying EINTR).
[[nodiscard]] Errno truncate(int fd, std::int64_t size) noexcept;

/// Whether fd is a terminal (never for our files; here because Python's isatty() asks).
[[nodiscard]] bool is_terminal(int fd) noexcept;

/// Changes the permission bits of an open file (fchmod).
[[nodiscard]] Errno change_mode(int fd, unsigned mode) noexcept;

/// A second descriptor for the same open file description (shares the offset), close-on-exec.
[[nodiscard]] Errno duplicate(int fd, FileDescriptor& out) noexcept;

/// Opens a C stdio stream over `fd` (fdopen) with a stdio `mode` ("rb", "wb", "r+b"). On
/// success the stream owns the descriptor and `fd` is released; on failure `fd` still owns it.
[[nodiscard]] Errno open_stdio(FileDescriptor& fd, const char* mode, std::FILE*& out) noexcept;

/// Whether `path` (relative to `dirfd`) names an existing entry, without following a final
/// symbolic link (fstatat AT_SYMLINK_NOFOLLOW): a dangling symbolic link exists. Returns the
/// errno other than ENOENT/ENOTDIR.
[[nodiscard]] Errno entry_exists(int dirfd, const char* path, bool& exists) noexcept;
/// entry_exists relative to the current directory.
[[nodiscard]] inline Errno entry_exists(const char* path, bool& exists) noexcept {
  return entry_exists(current_directory_fd, path, exists);
}

/// The current working directory.
[[nodiscard]] Errno current_directory(std::string& out);

/// An environment variable's value; nullopt when unset. Where the platform can tell, values
/// are ignored in set-user-ID/set-group-ID programs (glibc's secure_getenv).
[[nodiscard]] std::optional<std::string> environment_variable(const char* name);

/// What this build and this kernel offer; probed once, on first call, thread-safely.
struct Features {
  bool getrandom = false;  // the getrandom(2) system call
  bool o_tmpfile = false;  // O_TMPFILE (a file system may still refuse it: see open_unnamed_file)
  bool renameat2 = false;  // renameat2(2) with RENAME_NOREPLACE
  bool secure_getenv = false;
};
[[nodiscard]] const Features& features() noexcept;

/// Fills [out, out + size) from the kernel's random source: getrandom(GRND_NONBLOCK) where
/// present, else /dev/urandom. If neither answers (very early boot, no /dev), mixes the clock,
/// the pid and a counter: names need not be secret, since exclusive creation, not the name,
/// is what makes creation safe.
void random_bytes(unsigned char* out, std::size_t size) noexcept;

}  // namespace tempfile::os
