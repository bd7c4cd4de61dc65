// SPDX-License-Identifier: MIT
// C++ twin of seed 001, "Named temporary files", the first snippet:
//     with tempfile.NamedTemporaryFile() as temp:
//          #get the name of the file
//          print(temp.name)
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  bool existed = false;
  {
    tempfile::NamedTemporaryFile temp;
    // get the name of the file
    std::cout << temp.name().string() << '\n';
    name = temp.name();
    existed = std::filesystem::is_regular_file(name);
  }

  if (!existed || std::filesystem::exists(name)) {
    std::cerr << "example failed: " << name.string()
              << " was not there while open, or is still there after the scope\n";
    return 1;
  }
  return 0;
}
