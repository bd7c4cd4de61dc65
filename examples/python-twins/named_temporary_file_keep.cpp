// SPDX-License-Identifier: MIT
// A NamedTemporaryFile kept after the object dies (delete=False): then it is yours to remove.
// The C++ twin of
//     with tempfile.NamedTemporaryFile(delete=False) as temp_file:
//         print("Temporary file name:", temp_file.name)  # File name on disk
//         temp_file.write(b"Data to write")
// The Python code leaves the file behind; the twin reads it back and removes it.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    tempfile::NamedTemporaryFile temp_file({.delete_ = false});
    name = temp_file.name();
    std::cout << "Temporary file name: " << name.string() << '\n';  // File name on disk
    temp_file.write(std::string_view("Data to write"));
  }  // closed (and flushed), not removed

  {
    std::ifstream kept(name, std::ios::binary);
    std::cout << "kept: " << std::string(std::istreambuf_iterator<char>(kept), {}) << '\n';
  }  // closed first: Windows does not remove a file that a stream still has open
  std::filesystem::remove(name);
}
