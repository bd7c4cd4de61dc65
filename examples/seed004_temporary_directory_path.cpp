// SPDX-License-Identifier: MIT
// C++ twin of seed 004, TemporaryDirectory with pathlib (In [17]):
//     with tempfile.TemporaryDirectory() as tempdir:
//         file_path = Path(tempdir) / "data.txt"
//         file_path.write_text("Hello Shravan")
//         print(file_path)
//         print(file_path.read_text())
//
//     print(file_path)
// The path outlives the block as a value; the file it names does not.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path file_path;
  {
    const tempfile::TemporaryDirectory tempdir;
    file_path = tempdir / "data.txt";
    std::ofstream(file_path) << "Hello Shravan";
    std::cout << file_path.string() << '\n';
    std::ifstream in(file_path);
    std::cout << std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())
              << '\n';
  }

  std::cout << file_path.string() << '\n';

  if (std::filesystem::exists(std::filesystem::symlink_status(file_path)) ||
      std::filesystem::exists(std::filesystem::symlink_status(file_path.parent_path()))) {
    std::cerr << "example failed: " << file_path.string() << " outlived the block\n";
    return 1;
  }
  return 0;
}
