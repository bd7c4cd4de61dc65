// SPDX-License-Identifier: MIT
// A NamedTemporaryFile named tmp_XXXXXXXX.txt, written to. The C++ twin of
//     with tempfile.NamedTemporaryFile(prefix='tmp_', suffix='.txt') as temp_file:
//         temp_file.write(b'Hello, world!')
//         assert not temp_file.tell()
// The twin also prints the name; the assertion fails in Python too (tell() is 13).
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile temp_file({.suffix = ".txt", .prefix = "tmp_"});
  std::cout << "temp_file.name: " << temp_file.name().string() << '\n';
  temp_file.write(std::string_view("Hello, world!"));

  const auto position = temp_file.tell();
  std::cout << "temp_file.tell(): " << position << '\n';
  if (position != 0) {
    std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
  }
}
