// SPDX-License-Identifier: MIT
// The hand-written sequence that persist() and atomic_write() are measured against (the floor):
// its pieces, shared by bench_persist (time) and count_persist (system calls).
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace bench {

inline bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t wrote = ::write(fd, data.data(), data.size());
    if (wrote <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

inline bool sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// A new name beside the target for each operation, as any real program needs one (a fixed name
// would collide between writers); a counter, so that it costs nothing in user space. The kernel
// sees a fresh name each time, as it does the library's random ones.
class StagedNames {
 public:
  explicit StagedNames(const std::filesystem::path& dir) : prefix_((dir / ".tmp-hand-").native()) {}
  const std::string& next() {
    name_ = prefix_;
    name_ += std::to_string(counter_++);
    return name_;
  }

 private:
  std::string prefix_;
  std::string name_;
  unsigned long counter_ = 0;
};

// The named floor with the two guarantees every NamedTemporaryFile gives, written by hand as a
// careful program would: a shared lock that keeps tmp cleaners (systemd-tmpfiles) and sweep() off
// the file while it lives, and, just before the rename, the check that the name still refers to the
// file written (someone may have replaced it), from the file's identity taken at creation and
// the name's now: one statx each, as the library takes them. Returns the open descriptor, or -1.
inline int open_checked(const std::string& staged, struct statx& ours) {
  const int fd = ::open(staged.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return -1;
  }
  constexpr unsigned identity = STATX_INO | STATX_NLINK | STATX_BTIME | STATX_MNT_ID;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 || ::statx(fd, "", AT_EMPTY_PATH, identity, &ours) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool name_is_still(const std::string& staged, const struct statx& ours) {
  constexpr unsigned identity = STATX_INO | STATX_NLINK | STATX_BTIME | STATX_MNT_ID;
  struct statx named {};
  return ::statx(AT_FDCWD, staged.c_str(), AT_SYMLINK_NOFOLLOW, identity, &named) == 0 &&
         named.stx_ino == ours.stx_ino && named.stx_dev_major == ours.stx_dev_major &&
         named.stx_dev_minor == ours.stx_dev_minor && named.stx_mnt_id == ours.stx_mnt_id &&
         named.stx_btime.tv_sec == ours.stx_btime.tv_sec &&
         named.stx_btime.tv_nsec == ours.stx_btime.tv_nsec;
}

// One round of the named floor, the whole sequence: open `staged` beside `target`, write
// `data`, fsync (durable), rename over `target`, fsync `dir` (durable), close. `checked` adds the
// lock and the identity check (open_checked, name_is_still). False if a step failed.
inline bool named_round(const std::string& staged, const std::string& target,
                        const std::filesystem::path& dir, std::string_view data, bool durable,
                        bool checked) {
  struct statx ours {};
  const int fd = checked ? open_checked(staged, ours)
                         : ::open(staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  const bool done = fd >= 0 && write_all(fd, data) && (!durable || ::fsync(fd) == 0) &&
                    (!checked || name_is_still(staged, ours)) &&
                    ::rename(staged.c_str(), target.c_str()) == 0 &&
                    (!durable || sync_directory(dir));
  if (fd >= 0) {
    ::close(fd);
  }
  return done;
}

#ifdef O_TMPFILE
// linkat(AT_EMPTY_PATH) where permitted (CAP_DAC_READ_SEARCH, or Linux 6.10), else through /proc.
inline bool link_unnamed(int fd, const std::string& to) {
  if (::linkat(fd, "", AT_FDCWD, to.c_str(), AT_EMPTY_PATH) == 0) {
    return true;
  }
  const std::string by_fd = "/proc/self/fd/" + std::to_string(fd);
  return ::linkat(AT_FDCWD, by_fd.c_str(), AT_FDCWD, to.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

// The unnamed floor after its open(O_TMPFILE): write `data`, fsync (durable), link it to
// `staged` beside `target`, rename that over `target`, fsync `dir` (durable). False if a step
// failed (or `fd` is not open).
inline bool publish_unnamed(int fd, const std::string& staged, const std::string& target,
                            const std::filesystem::path& dir, std::string_view data, bool durable) {
  return fd >= 0 && write_all(fd, data) && (!durable || ::fsync(fd) == 0) &&
         link_unnamed(fd, staged) && ::rename(staged.c_str(), target.c_str()) == 0 &&
         (!durable || sync_directory(dir));
}
#endif

}  // namespace bench
