// SPDX-License-Identifier: MIT
// What a test does to files beside the library the same way on every system: create a file
// exclusively by name, set the umask for a scope, and the mode a private directory shows.
#pragma once

#include <filesystem>

namespace tempfile::test {

/// Creates `path` exclusively (an existing entry, a symbolic link included, is a failure) and
/// closes it, as CPython's tests do with os.open(O_CREAT | O_EXCL). Returns whether it did.
[[nodiscard]] bool create_new_file(const std::filesystem::path& path);

/// Sets the umask for one scope where the system has one (POSIX); modes are checked against
/// 0600/0700, which only a umask that clears no owner bit leaves intact. Windows has none: the
/// library asks for no mode there but the read-only attribute.
class ScopedUmask {
 public:
  explicit ScopedUmask(unsigned mask);
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;
  ScopedUmask(ScopedUmask&&) = delete;
  ScopedUmask& operator=(ScopedUmask&&) = delete;
  ~ScopedUmask();

 private:
  unsigned saved_ = 0;
};

/// The permissions std::filesystem (and Python's os.stat) shows for a directory that mkdtemp
/// made: 0700 on POSIX; on Windows, where only the read-only attribute exists, the owner's bits
/// repeated for group and others (0777), as CPython's test_mode expects there.
[[nodiscard]] std::filesystem::perms private_directory_perms();

}  // namespace tempfile::test
