// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating Named Temporary Files":
//     with tempfile.NamedTemporaryFile() as temp_file:
//         # Write data to the file
//         temp_file.write(b'Hello, world!')
//
//         # Check if there's any remaining data in the file
//         assert not temp_file.tell()
// As in seed002_temporary_file_tell.cpp, the assertion fails in Python too (tell() is 13);
// the twin prints the real position.
#include <filesystem>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    tempfile::NamedTemporaryFile temp_file;
    name = temp_file.name();
    // Write data to the file
    temp_file.write(std::string_view("Hello, world!"));

    const auto position = temp_file.tell();
    std::cout << "temp_file.tell(): " << position << '\n';
    if (position != 0) {
      std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
    }
  }
  // The file is now deleted

  if (name.empty() || std::filesystem::exists(name)) {
    std::cerr << "example failed: " << name.string() << " is still there\n";
    return 1;
  }
  return 0;
}
