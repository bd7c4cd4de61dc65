// SPDX-License-Identifier: MIT
// tell() on a NamedTemporaryFile after a write. The C++ twin of
//     with tempfile.NamedTemporaryFile() as temp_file:
//         temp_file.write(b'Hello, world!')
//         assert not temp_file.tell()
// The assertion fails in Python too (tell() is 13); the twin prints the position.
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile temp_file;
  temp_file.write(std::string_view("Hello, world!"));

  const auto position = temp_file.tell();
  std::cout << "temp_file.tell(): " << position << '\n';
  if (position != 0) {
    std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
  }
}
