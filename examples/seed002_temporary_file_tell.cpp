// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating Temporary Files":
//     with tempfile.TemporaryFile() as temp_file:
//         # Write data to the file
//         temp_file.write(b'Hello, world!')
//
//         # Check if there's any remaining data in the file
//         assert not temp_file.tell()
// The seed's assertion is wrong: tell() is the position after the write, 13, not 0, and
// python3 raises AssertionError on that line. The twin prints the real position and says so
// instead of failing.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  int descriptor = -1;
  {
    tempfile::TemporaryFile temp_file;
    descriptor = temp_file.fileno();
    // Write data to the file
    temp_file.write(std::string_view("Hello, world!"));

    const auto position = temp_file.tell();
    std::cout << "temp_file.tell(): " << position << '\n';
    if (position != 0) {
      std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
    }
  }
  // The file is now deleted

  if (::fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) {
    std::cerr << "example failed: descriptor " << descriptor << " is still open\n";
    return 1;
  }
  return 0;
}
