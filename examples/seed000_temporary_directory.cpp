// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "3. TemporaryDirectory":
//     with tempfile.TemporaryDirectory() as temp_dir:
//         print("Temporary directory path:", temp_dir)
//         # Use the directory
//         with open(f"{temp_dir}/temp_file.txt", "w") as file:
//             file.write("Temporary data")
//     # Directory and files are deleted after this block
#include <filesystem>
#include <fstream>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    const tempfile::TemporaryDirectory temp_dir;
    name = temp_dir.name();
    std::cout << "Temporary directory path: " << temp_dir.name().string() << '\n';
    // Use the directory
    std::ofstream file(temp_dir / "temp_file.txt");
    file << "Temporary data";
  }
  // Directory and files are deleted after this block

  if (std::filesystem::exists(std::filesystem::symlink_status(name))) {
    std::cerr << "example failed: " << name.string() << " still exists after the block\n";
    return 1;
  }
  return 0;
}
