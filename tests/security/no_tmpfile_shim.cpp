// SPDX-License-Identifier: MIT
// An LD_PRELOAD shim for the catalogue tests: a file system without O_TMPFILE. Every open or
// openat that asks for O_TMPFILE fails with EOPNOTSUPP (what such a file system answers); all
// other opens go to the kernel unchanged. It covers the program's own calls, not glibc's
// internal ones (tmpfile(3)), which is all the library makes.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>

namespace {

bool asks_for_unnamed_file(int flags) {
#ifdef O_TMPFILE
  return (flags & O_TMPFILE) == O_TMPFILE;
#else
  static_cast<void>(flags);
  return false;
#endif
}

// The mode argument exists only when O_CREAT or O_TMPFILE is given; reading it otherwise is
// harmless with the register-based calling conventions glibc targets, but not needed.
int forward(int dirfd, const char* path, int flags, mode_t mode) {
  if (asks_for_unnamed_file(flags)) {
    errno = EOPNOTSUPP;
    return -1;
  }
  return static_cast<int>(::syscall(SYS_openat, dirfd, path, flags, mode));
}

mode_t mode_argument(int flags, va_list& args) {
  bool has_mode = (flags & O_CREAT) != 0;
#ifdef O_TMPFILE
  has_mode = has_mode || asks_for_unnamed_file(flags);
#endif
  return has_mode ? static_cast<mode_t>(va_arg(args, unsigned)) : 0;
}

}  // namespace

// NOLINTBEGIN(cert-dcl50-cpp): the C library's variadic signatures are what we interpose
extern "C" {

__attribute__((visibility("default"))) int openat(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return forward(dirfd, path, flags, mode);
}

__attribute__((visibility("default"))) int openat64(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return forward(dirfd, path, flags, mode);
}

__attribute__((visibility("default"))) int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return forward(AT_FDCWD, path, flags, mode);
}

__attribute__((visibility("default"))) int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_argument(flags, args);
  va_end(args);
  return forward(AT_FDCWD, path, flags, mode);
}
}
// NOLINTEND(cert-dcl50-cpp)
