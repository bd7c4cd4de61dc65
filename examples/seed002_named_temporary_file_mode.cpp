// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating a Named Temporary File with Specific Mode":
//     with tempfile.NamedTemporaryFile(mode='w') as temp_file:
//         # Write data to the file
//         temp_file.write(b'Hello, world!')
//
//         # Check if there's any remaining data in the file
//         assert not temp_file.tell()
// mode='w' opens the file in text mode, so the snippet stops at the write: python3 raises
// TypeError ("write() argument must be str, not bytes"). The twin shows the same refusal
// (bytes to a text-mode file throw std::invalid_argument), then writes the text as Python
// requires; the assertion would then fail as in the other snippets (tell() is 13).
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  bool refused = false;
  {
    tempfile::NamedTemporaryFile temp_file({.mode = "w"});
    name = temp_file.name();
    // Write data to the file
    const std::string_view text = "Hello, world!";
    try {
      temp_file.write(std::as_bytes(std::span(text)));
    } catch (const std::invalid_argument& e) {
      refused = true;
      std::cout << "write(bytes): std::invalid_argument: " << e.what() << '\n';
    }

    std::cout << "write(\"Hello, world!\") -> " << temp_file.write(text) << '\n';
    const auto position = temp_file.tell();
    std::cout << "temp_file.tell(): " << position << '\n';
    if (position != 0) {
      std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
    }
  }
  // The file is now deleted

  if (!refused || std::filesystem::exists(name)) {
    std::cerr << "example failed: writing bytes to a text file was accepted, or " << name.string()
              << " is still there\n";
    return 1;
  }
  return 0;
}
