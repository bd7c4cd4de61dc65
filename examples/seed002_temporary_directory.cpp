// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating Temporary Directories":
//     with tempfile.TemporaryDirectory() as temp_dir:
//         # Write some files in the directory
//         with open(f'{temp_dir}/file1.txt', 'w') as file1:
//             file1.write('Hello, world!')
//
//         with open(f'{temp_dir}/file2.txt', 'w') as file2:
//             file2.write('Goodbye, world!')
//
//     # The directory is now deleted
// The snippet prints nothing; the twin prints what it wrote, read back, and checks the deletion.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <tempfile/tempfile.hpp>

namespace {
std::string read_back(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

int main() {
  std::filesystem::path name;
  {
    const tempfile::TemporaryDirectory temp_dir;
    name = temp_dir.name();
    // Write some files in the directory
    {
      std::ofstream file1(temp_dir / "file1.txt");
      file1 << "Hello, world!";
    }
    {
      std::ofstream file2(temp_dir / "file2.txt");
      file2 << "Goodbye, world!";
    }
    std::cout << "file1.txt: " << read_back(temp_dir / "file1.txt") << '\n';
    std::cout << "file2.txt: " << read_back(temp_dir / "file2.txt") << '\n';
  }
  // The directory is now deleted

  if (std::filesystem::exists(std::filesystem::symlink_status(name))) {
    std::cerr << "example failed: " << name.string() << " still exists after the block\n";
    return 1;
  }
  std::cout << "the directory is now deleted\n";
  return 0;
}
