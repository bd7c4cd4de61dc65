// SPDX-License-Identifier: MIT
// TemporaryFile in binary mode: write, seek back, read. The C++ twin of
//     with tempfile.TemporaryFile() as temp_file:
//         temp_file.write(b"Hello, World!")
//         temp_file.seek(0)  # Move to the beginning of the file
//         print(temp_file.read())  # Output: b'Hello, World!'
// Python prints the bytes object's repr; the twin prints the bytes inside b'...'.
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile temp_file;
  temp_file.write(std::string_view("Hello, World!"));
  temp_file.seek(0);                               // Move to the beginning of the file
  std::cout << "b'" << temp_file.read() << "'\n";  // Output: b'Hello, World!'
}
