// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "5. mkdtemp":
//     temp_dir = tempfile.mkdtemp()
//     print("Temporary directory path:", temp_dir)
//     # Clean up manually
//     import shutil
//     shutil.rmtree(temp_dir)
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const std::filesystem::path temp_dir = tempfile::mkdtemp();
  std::cout << "Temporary directory path: " << temp_dir.string() << '\n';
  // Clean up manually: tempfile::rmtree is shutil.rmtree (no symbolic link followed).
  tempfile::rmtree(temp_dir);

  if (std::filesystem::exists(temp_dir)) {
    std::cerr << "example failed: " << temp_dir.string() << " still exists\n";
    return 1;
  }
  return 0;
}
