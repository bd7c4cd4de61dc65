// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "6. gettempdir":
//     import tempfile
//     print("Default temp directory:", tempfile.gettempdir())
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const std::filesystem::path dir = tempfile::gettempdir();
  std::cout << "Default temp directory: " << dir.string() << '\n';

  // gettempdir() only returns a directory it could really create (and remove) a file in.
  if (!dir.is_absolute() || !std::filesystem::is_directory(dir)) {
    std::cerr << "example failed: " << dir.string() << " is not an absolute directory\n";
    return 1;
  }
  return 0;
}
