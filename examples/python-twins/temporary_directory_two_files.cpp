// SPDX-License-Identifier: MIT
// Two files written into a TemporaryDirectory and read back. The C++ twin of
//     with tempfile.TemporaryDirectory() as temp_dir:
//         with open(f'{temp_dir}/file1.txt', 'w') as file1:
//             file1.write('Hello, world!')
//         with open(f'{temp_dir}/file2.txt', 'w') as file2:
//             file2.write('Goodbye, world!')
//     # The directory is now deleted
// The Python code prints nothing; the twin prints what it wrote, read back.
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
  {
    const tempfile::TemporaryDirectory temp_dir;
    std::ofstream(temp_dir / "file1.txt") << "Hello, world!";
    std::ofstream(temp_dir / "file2.txt") << "Goodbye, world!";
    std::cout << "file1.txt: " << read_back(temp_dir / "file1.txt") << '\n';
    std::cout << "file2.txt: " << read_back(temp_dir / "file2.txt") << '\n';
  }
  std::cout << "the directory is now deleted\n";
}
