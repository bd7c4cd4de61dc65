// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating Named Temporary Files with Prefix and Suffix" (the section
// "Creating a Named Temporary File with Specific Prefix and Suffix" repeats the same code):
//     with tempfile.NamedTemporaryFile(prefix='tmp_', suffix='.txt') as temp_file:
//         # Write data to the file
//         temp_file.write(b'Hello, world!')
//
//         # Check if there's any remaining data in the file
//         assert not temp_file.tell()
// The twin also prints the name, to show the prefix and suffix; the assertion fails in Python
// too (tell() is 13), so the twin prints the real position.
#include <filesystem>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    tempfile::NamedTemporaryFile temp_file({.suffix = ".txt", .prefix = "tmp_"});
    name = temp_file.name();
    std::cout << "temp_file.name: " << name.string() << '\n';
    // Write data to the file
    temp_file.write(std::string_view("Hello, world!"));

    const auto position = temp_file.tell();
    std::cout << "temp_file.tell(): " << position << '\n';
    if (position != 0) {
      std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
    }
  }
  // The file is now deleted

  if (std::filesystem::exists(name)) {
    std::cerr << "example failed: " << name.string() << " is still there\n";
    return 1;
  }
  return 0;
}
