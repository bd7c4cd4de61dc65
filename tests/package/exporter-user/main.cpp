// SPDX-License-Identifier: MIT
// A program that uses the installed mylib, and tempfile through mylib's interface.
#include <filesystem>
#include <iostream>
#include <mylib.hpp>

int main() {
  try {
    std::filesystem::path name;
    std::string text;
    {
      const tempfile::TemporaryDirectory directory;
      name = directory.name();
      text = mylib::round_trip(directory, "through mylib");
    }
    if (text != "through mylib" || std::filesystem::exists(name)) {
      std::cerr << "mylib consumer failed: read back '" << text << "'\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "mylib consumer failed: " << e.what() << '\n';
    return 1;
  }
  std::cout << "mylib consumer OK\n";
  return 0;
}
