// SPDX-License-Identifier: MIT
// What an open file holds, read through the system beside the object under test (never through
// the library), without moving the descriptor's offset.
#pragma once

#include <string>

namespace tempfile::test {

/// Every byte of the file `fd` refers to, from offset 0 to its end, read without moving the
/// descriptor's offset (fstat and pread on POSIX; on Windows the file's size, ReadFile at an
/// offset, and the file pointer put back). Fails the running test and returns what it got when
/// the system refuses.
[[nodiscard]] std::string descriptor_contents(int fd);

/// Whether `fd` is an open descriptor of this process (fcntl(F_GETFD) on POSIX; on Windows a
/// C-runtime descriptor with a handle behind it).
[[nodiscard]] bool is_open_descriptor(int fd);

}  // namespace tempfile::test
