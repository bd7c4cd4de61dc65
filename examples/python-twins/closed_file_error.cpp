// SPDX-License-Identifier: MIT
// Reading a closed file throws tempfile::closed_file_error, Python's ValueError. The C++ twin of
//     with tempfile.NamedTemporaryFile('w+') as tmpfile:
//         tmpfile.write("Hello Shravan")
//         tmpfile.seek(0)
//     print(tmpfile.read())
// which fails with: ValueError: I/O operation on closed file.
// In Python the name outlives the `with` block and only the file is closed; a C++ scope would
// destroy the object, so it is declared outside and close() stands for the end of the block.
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile tmpfile("w+");
  tmpfile.write(std::string_view("Hello Shravan"));
  tmpfile.seek(0);
  tmpfile.close();  // the end of the `with` block: closed and removed

  try {
    std::cout << tmpfile.read() << '\n';
  } catch (const tempfile::closed_file_error& e) {
    std::cout << "ValueError: " << e.what() << '\n';
  }
}
