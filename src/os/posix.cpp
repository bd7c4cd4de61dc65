// SPDX-License-Identifier: MIT
// The POSIX implementation of os/sys.hpp, with Linux fast paths (getrandom, O_TMPFILE,
// renameat2, secure_getenv) that TEMPFILE_PORTABLE switches off so the fallbacks get tested.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "os/directory_reader.hpp"
#include "os/interrupted.hpp"
#include "os/platform.hpp"
#include "os/process.hpp"
#include "os/sys.hpp"
#include "os/tree_rules.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <sys/mman.h>
#  include <sys/random.h>
#  include <sys/syscall.h>
#endif

namespace tempfile::os {

#ifdef NAME_MAX
static_assert(NAME_MAX == max_name_length, "sys.hpp's max_name_length must be NAME_MAX");
#endif

const int current_directory_fd = AT_FDCWD;

namespace {

// A count-returning call (read, write, pread, pwrite) as this file's convention: 0 and the
// count, or the errno and a count of 0.
template <class Call>
Errno counted(Call call, std::size_t& count) noexcept {
  const ssize_t result = retry_interrupted(call);
  count = result >= 0 ? static_cast<std::size_t>(result) : 0;
  return result >= 0 ? 0 : errno;
}

#if TEMPFILE_LINUX_FAST_PATHS
bool probe_getrandom() noexcept {
  unsigned char byte = 0;
  return ::getrandom(&byte, 1, GRND_NONBLOCK) == 1 || errno != ENOSYS;
}

bool probe_renameat2() noexcept {
  // Empty names fail with ENOENT where the call exists, ENOSYS where the kernel lacks it.
  return ::syscall(SYS_renameat2, AT_FDCWD, "", AT_FDCWD, "", 1U /* RENAME_NOREPLACE */) == 0 ||
         errno != ENOSYS;
}

// O_TMPFILE exists in the kernel unless it answered EISDIR once (kernels before 3.11 ignore
// the flag and try to open the directory itself). Per-file-system refusals are not remembered.
std::atomic<bool> unnamed_files_work{true};
#endif

Features probe_features() noexcept {
  Features found;
#if TEMPFILE_LINUX_FAST_PATHS
  found.getrandom = probe_getrandom();
#  ifdef O_TMPFILE
  found.o_tmpfile = true;
#  endif
  found.renameat2 = probe_renameat2();
  found.secure_getenv = true;
#endif
  return found;
}

}  // namespace

const Features& features() noexcept {
  // std::call_once, not a function-local static: a fork() while another thread probes would
  // leave a static's guard locked in the child forever; glibc's pthread_once starts over there.
  static std::once_flag once;
  static Features probed;
  std::call_once(once, [] { probed = probe_features(); });
  return probed;
}

Errno create_file_exclusive(int dirfd, const char* path, unsigned mode,
                            FileDescriptor& out) noexcept {
  constexpr int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  const int fd =
      retry_interrupted([&] { return ::openat(dirfd, path, flags, static_cast<mode_t>(mode)); });
  if (fd < 0) {
    return errno;
  }
  out = FileDescriptor(fd);
  return 0;
}

Errno open_existing_file(int dirfd, const char* path, bool read, bool write,
                         FileDescriptor& out) noexcept {
  const int access = read && write ? O_RDWR : read ? O_RDONLY : O_WRONLY;
  const int flags = access | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  const int fd = retry_interrupted([&] { return ::openat(dirfd, path, flags); });
  if (fd < 0) {
    return errno;
  }
  FileDescriptor opened(fd);
  // O_NONBLOCK was for the open (a FIFO under the name must not block it); a regular file
  // ignores it, but the descriptor should not carry it into reads and writes.
  const int status = ::fcntl(fd, F_GETFL);
  if (status < 0 || ::fcntl(fd, F_SETFL, status & ~O_NONBLOCK) < 0) {
    return errno;
  }
  out = std::move(opened);
  return 0;
}

Errno create_directory(int dirfd, const char* path, unsigned mode) noexcept {
  return retry_interrupted([&] { return ::mkdirat(dirfd, path, static_cast<mode_t>(mode)); }) == 0
             ? 0
             : errno;
}

Errno open_unnamed_file(int dirfd, const char* dir, unsigned mode, FileDescriptor& out) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(O_TMPFILE)
  if (!unnamed_files_work.load(std::memory_order_relaxed)) {
    return EOPNOTSUPP;
  }
  const int fd = retry_interrupted([&] {
    return ::openat(dirfd, dir, O_TMPFILE | O_RDWR | O_CLOEXEC, static_cast<mode_t>(mode));
  });
  if (fd >= 0) {
    out = FileDescriptor(fd);
    return 0;
  }
  if (errno == EISDIR) {
    unnamed_files_work.store(false, std::memory_order_relaxed);
    return EOPNOTSUPP;
  }
  return errno;
#else
  static_cast<void>(dirfd);
  static_cast<void>(dir);
  static_cast<void>(mode);
  static_cast<void>(out);
  return EOPNOTSUPP;
#endif
}

std::string descriptor_path(int fd) {
#if TEMPFILE_LINUX_FAST_PATHS
  return "/proc/" + std::to_string(process_id()) + "/fd/" + std::to_string(fd);
#else
  static_cast<void>(fd);
  return {};
#endif
}

Errno path_reaching_descriptor(int fd, std::string& out) {
#if TEMPFILE_LINUX_FAST_PATHS
  std::string path = descriptor_path(fd);
  struct stat ours {};
  if (::fstat(fd, &ours) != 0) {
    return errno;
  }
  // stat, not lstat: the magic link is followed to the open file itself.
  struct stat reached {};
  if (::stat(path.c_str(), &reached) != 0) {
    return ENOENT;  // no /proc, or not ours to read (hidepid): no path reaches it
  }
  if (reached.st_dev != ours.st_dev || reached.st_ino != ours.st_ino) {
    return ENOENT;  // another pid namespace's /proc: our pid is someone else there
  }
  out = std::move(path);
  return 0;
#else
  static_cast<void>(fd);
  static_cast<void>(out);
  return ENOSYS;
#endif
}

Errno open_memory_file(const char* name, FileDescriptor& out) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(MFD_CLOEXEC)
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) {
    // EINVAL too: a kernel older than the flags we pass answers that, not ENOSYS.
    return errno == EINVAL ? ENOSYS : errno;
  }
  out = FileDescriptor(fd);
  return 0;
#else
  static_cast<void>(name);
  static_cast<void>(out);
  return ENOSYS;
#endif
}

Errno open_directory(int dirfd, const char* path, FileDescriptor& out) noexcept {
  // O_NONBLOCK: should a FIFO or device be swapped in, O_DIRECTORY refuses it before it is
  // opened; O_NONBLOCK makes sure nothing could ever wait on it anyway.
  const int fd = retry_interrupted([&] {
    return ::openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  });
  if (fd < 0) {
    return errno;
  }
  out = FileDescriptor(fd);
  return 0;
}

Errno open_directory_handle(int dirfd, const char* path, FileDescriptor& out) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  constexpr int access = O_PATH;
#else
  constexpr int access = O_RDONLY | O_NONBLOCK;
#endif
  const int fd =
      retry_interrupted([&] { return ::openat(dirfd, path, access | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) {
    return errno;
  }
  out = FileDescriptor(fd);
  return 0;
}

namespace {

// The one directory open_directory_despite_mode may change: a directory whose owner is this
// user, whose mode has nothing but owner bits (mkdir 0700 less a umask gives nothing else) and
// denies the owner reading it (else the refusal came from elsewhere and a mode cannot help).
bool may_fix_mode_of(const struct stat& info) noexcept {
  const mode_t mode = info.st_mode & 07777;
  return S_ISDIR(info.st_mode) && info.st_uid == ::geteuid() && (mode & ~mode_t{0700}) == 0 &&
         (mode & S_IRUSR) == 0;
}

// The refused directory at `path` (relative to `dirfd`), opened after giving it u+rwx and given
// its mode back through the opened descriptor.
Errno open_refused_directory(int dirfd, const char* path, FileDescriptor& out) noexcept {
  struct stat info {};
#if TEMPFILE_LINUX_FAST_PATHS
  // O_PATH needs no permission on the directory itself; O_NOFOLLOW|O_DIRECTORY refuses a link
  // or anything else in its place. From here on only this handle names the directory.
  const FileDescriptor handle(retry_interrupted(
      [&] { return ::openat(dirfd, path, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC); }));
  if (!handle.valid()) {
    return errno;
  }
  if (::fstat(handle.get(), &info) != 0) {
    return errno;
  }
  if (!may_fix_mode_of(info)) {
    return EACCES;
  }
  if (const Errno err = tree::change_mode_of_handle(handle.get()); err != 0) {
    return err;
  }
  // "." of the handle is the same directory, whatever has been renamed since.
  if (const Errno err = open_directory(handle.get(), ".", out); err != 0) {
    return err;
  }
#else
  // Portable: fchmodat(AT_SYMLINK_NOFOLLOW) changes a symbolic link swapped in meanwhile (or
  // refuses it), never the link's target; the opened descriptor is then checked to be the
  // directory that was looked at.
  if (::fstatat(dirfd, path, &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  if (!may_fix_mode_of(info)) {
    return EACCES;
  }
  if (::fchmodat(dirfd, path, tree::walkable_mode, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  if (const Errno err = open_directory(dirfd, path, out); err != 0) {
    return err;
  }
  struct stat opened {};
  if (::fstat(out.get(), &opened) != 0) {
    const Errno err = errno;
    static_cast<void>(out.close());
    return err;
  }
  if (opened.st_dev != info.st_dev || opened.st_ino != info.st_ino) {
    static_cast<void>(out.close());
    return EACCES;  // not the directory whose mode was looked at: leave it alone
  }
#endif
  // The mode the umask gave comes back (as Python leaves it): an open descriptor stays usable.
  if (::fchmod(out.get(), info.st_mode & 07777) != 0) {
    const Errno err = errno;
    static_cast<void>(out.close());
    return err;
  }
  return 0;
}

}  // namespace

Errno open_directory_despite_mode(int dirfd, const char* path, FileDescriptor& out) noexcept {
  const Errno err = open_directory(dirfd, path, out);
  if (err != EACCES) {
    return err;
  }
  return open_refused_directory(dirfd, path, out);
}

Errno lock_shared(int fd) noexcept {
  return retry_interrupted([&] { return ::flock(fd, LOCK_SH | LOCK_NB); }) == 0 ? 0 : errno;
}

Errno lock_exclusive(int fd) noexcept {
  return retry_interrupted([&] { return ::flock(fd, LOCK_EX | LOCK_NB); }) == 0 ? 0 : errno;
}

Errno open_to_lock(int dirfd, const char* name, FileDescriptor& out) noexcept {
  const int fd = retry_interrupted([&] {
    return ::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  });
  if (fd < 0) {
    return errno;
  }
  out = FileDescriptor(fd);
  return 0;
}

namespace {

EntryStatus to_entry_status(const struct stat& info) noexcept {
  EntryStatus status;
  status.kind = S_ISREG(info.st_mode)   ? EntryStatus::Kind::file
                : S_ISDIR(info.st_mode) ? EntryStatus::Kind::directory
                : S_ISLNK(info.st_mode) ? EntryStatus::Kind::symbolic_link
                                        : EntryStatus::Kind::other;
  status.modified = static_cast<std::int64_t>(info.st_mtime);
  status.links = static_cast<std::uint64_t>(info.st_nlink);
  return status;
}

}  // namespace

Errno entry_status(int dirfd, const char* name, EntryStatus& out) noexcept {
  struct stat info {};
  if (::fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  out = to_entry_status(info);
  return 0;
}

Errno descriptor_status(int fd, EntryStatus& out) noexcept {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return errno;
  }
  out = to_entry_status(info);
  return 0;
}

Errno entry_names(int fd, std::vector<std::string>& out) {
  DirectoryReader reader;
  auto collect = [&](const char* name, EntryType /*type*/) { out.emplace_back(name); };
  return reader.read_all(fd, true, DirectoryVisitor(collect));
}

Errno link_count(int fd, std::uint64_t& links) noexcept {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return errno;
  }
  links = static_cast<std::uint64_t>(info.st_nlink);
  return 0;
}

Errno remove_file(int dirfd, const char* path) noexcept {
  return retry_interrupted([&] { return ::unlinkat(dirfd, path, 0); }) == 0 ? 0 : errno;
}

Errno remove_directory(int dirfd, const char* path) noexcept {
  return retry_interrupted([&] { return ::unlinkat(dirfd, path, AT_REMOVEDIR); }) == 0 ? 0 : errno;
}

Errno move_entry_no_replace(int dirfd, const char* from, const char* to) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  if (features().renameat2) {
    if (retry_interrupted([&] {
          return ::syscall(SYS_renameat2, dirfd, from, dirfd, to, 1U /* RENAME_NOREPLACE */);
        }) == 0) {
      return 0;
    }
    // EINVAL: this file system has no RENAME_NOREPLACE (ENOSYS: a filter refused the call).
    if (errno != EINVAL && errno != ENOSYS) {
      return errno;
    }
  }
#endif
  struct stat info {};
  if (::fstatat(dirfd, to, &info, AT_SYMLINK_NOFOLLOW) == 0) {
    return EEXIST;
  }
  if (errno != ENOENT) {
    return errno;
  }
  return retry_interrupted([&] { return ::renameat(dirfd, from, dirfd, to); }) == 0 ? 0 : errno;
}

Errno write_all(int fd, const void* data, std::size_t size) noexcept {
  const auto* next = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t written = retry_interrupted([&] { return ::write(fd, next, size); });
    if (written < 0) {
      return errno;
    }
    next += written;
    size -= static_cast<std::size_t>(written);
  }
  return 0;
}

Errno write_all(int fd, std::span<const std::byte> first,
                std::span<const std::byte> second) noexcept {
  // writev takes non-const bases; it only reads them.
  std::array<iovec, 2> pieces = {
      iovec{const_cast<std::byte*>(first.data()), first.size()},     // NOLINT
      iovec{const_cast<std::byte*>(second.data()), second.size()}};  // NOLINT
  std::size_t next = 0;
  while (next < pieces.size()) {
    if (pieces[next].iov_len == 0) {
      ++next;
      continue;
    }
    const ssize_t written = retry_interrupted(
        [&] { return ::writev(fd, &pieces[next], static_cast<int>(pieces.size() - next)); });
    if (written < 0) {
      return errno;
    }
    if (written == 0) {
      return EIO;  // no progress on a non-empty write: an I/O error rather than a loop
    }
    auto left = static_cast<std::size_t>(written);
    while (next < pieces.size() && left >= pieces[next].iov_len) {
      left -= pieces[next].iov_len;
      ++next;
    }
    if (next < pieces.size()) {
      pieces[next].iov_base = static_cast<std::byte*>(pieces[next].iov_base) + left;
      pieces[next].iov_len -= left;
    }
  }
  return 0;
}

Errno read_some(int fd, void* data, std::size_t size, std::size_t& got) noexcept {
  return counted([&] { return ::read(fd, data, size); }, got);
}

Errno write_some(int fd, const void* data, std::size_t size, std::size_t& written) noexcept {
  return counted([&] { return ::write(fd, data, size); }, written);
}

Errno read_at(int fd, void* data, std::size_t size, std::int64_t offset,
              std::size_t& got) noexcept {
  return counted([&] { return ::pread(fd, data, size, static_cast<off_t>(offset)); }, got);
}

Errno write_at(int fd, const void* data, std::size_t size, std::int64_t offset,
               std::size_t& written) noexcept {
  return counted([&] { return ::pwrite(fd, data, size, static_cast<off_t>(offset)); }, written);
}

Errno seek(int fd, std::int64_t offset, int whence, std::int64_t& position) noexcept {
  const off_t result = ::lseek(fd, static_cast<off_t>(offset), whence);
  if (result < 0) {
    return errno;
  }
  position = static_cast<std::int64_t>(result);
  return 0;
}

Errno truncate(int fd, std::int64_t size) noexcept {
  return retry_interrupted([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) == 0 ? 0
                                                                                           : errno;
}

bool is_terminal(int fd) noexcept {
  return ::isatty(fd) == 1;
}

Errno change_mode(int fd, unsigned mode) noexcept {
  return ::fchmod(fd, static_cast<mode_t>(mode)) == 0 ? 0 : errno;
}

Errno duplicate(int fd, FileDescriptor& out) noexcept {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    return errno;
  }
  out = FileDescriptor(copy);
  return 0;
}

Errno open_stdio(FileDescriptor& fd, const char* mode, std::FILE*& out) noexcept {
  std::FILE* stream = ::fdopen(fd.get(), mode);
  if (stream == nullptr) {
    return errno;
  }
  static_cast<void>(fd.release());
  out = stream;
  return 0;
}

Errno entry_exists(int dirfd, const char* path, bool& exists) noexcept {
  struct stat info {};
  if (::fstatat(dirfd, path, &info, AT_SYMLINK_NOFOLLOW) == 0) {
    exists = true;
    return 0;
  }
  exists = false;
  return (errno == ENOENT || errno == ENOTDIR) ? 0 : errno;
}

Errno current_directory(std::string& out) {
  std::string buffer(256, '\0');
  for (;;) {
    if (::getcwd(buffer.data(), buffer.size()) != nullptr) {
      buffer.resize(std::char_traits<char>::length(buffer.c_str()));
      out = std::move(buffer);
      return 0;
    }
    if (errno != ERANGE) {
      return errno;
    }
    buffer.resize(buffer.size() * 2);
  }
}

std::optional<std::string> environment_variable(const char* name) {
#if TEMPFILE_LINUX_FAST_PATHS
  const char* value = ::secure_getenv(name);
#else
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): as every getenv
#endif
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

namespace {

bool fill_from_getrandom(unsigned char* out, std::size_t size) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  if (!features().getrandom) {
    return false;
  }
  while (size > 0) {
    const ssize_t got = retry_interrupted([&] { return ::getrandom(out, size, GRND_NONBLOCK); });
    if (got < 0) {
      return false;  // EAGAIN before the pool is ready: use /dev/urandom, which never blocks
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
#else
  static_cast<void>(out);
  static_cast<void>(size);
  return false;
#endif
}

bool fill_from_urandom(unsigned char* out, std::size_t size) noexcept {
  const int fd = retry_interrupted([] { return ::open("/dev/urandom", O_RDONLY | O_CLOEXEC); });
  if (fd < 0) {
    return false;
  }
  const FileDescriptor owner(fd);
  while (size > 0) {
    const ssize_t got = retry_interrupted([&] { return ::read(owner.get(), out, size); });
    if (got <= 0) {
      return false;
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

// splitmix64 over the clock, the pid and a process-wide counter: unpredictable enough that two
// processes rarely collide, and a collision only costs a retry on EEXIST.
void fill_from_clock(unsigned char* out, std::size_t size) noexcept {
  static std::atomic<std::uint64_t> counter{0};
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  std::uint64_t state = static_cast<std::uint64_t>(now.tv_sec) * 1000000007U ^
                        static_cast<std::uint64_t>(now.tv_nsec) ^
                        (static_cast<std::uint64_t>(::getpid()) << 32U) ^
                        counter.fetch_add(0x9E3779B97F4A7C15U, std::memory_order_relaxed);
  for (std::size_t i = 0; i < size; ++i) {
    state += 0x9E3779B97F4A7C15U;
    std::uint64_t mixed = state;
    mixed = (mixed ^ (mixed >> 30U)) * 0xBF58476D1CE4E5B9U;
    mixed = (mixed ^ (mixed >> 27U)) * 0x94D049BB133111EBU;
    out[i] = static_cast<unsigned char>(mixed ^ (mixed >> 31U));
  }
}

}  // namespace

void random_bytes(unsigned char* out, std::size_t size) noexcept {
  if (!fill_from_getrandom(out, size) && !fill_from_urandom(out, size)) {
    fill_from_clock(out, size);
  }
}

}  // namespace tempfile::os
