// SPDX-License-Identifier: MIT
// tell() after a write is the position after it. The C++ twin of
//     with tempfile.TemporaryFile() as temp_file:
//         temp_file.write(b'Hello, world!')
//         # Check if there's any remaining data in the file
//         assert not temp_file.tell()
// The assertion is wrong: tell() is 13, and python3 raises AssertionError on that line. The
// twin prints the position and says so instead.
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile temp_file;
  temp_file.write(std::string_view("Hello, world!"));

  const auto position = temp_file.tell();
  std::cout << "temp_file.tell(): " << position << '\n';
  if (position != 0) {
    std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
  }
}
