// SPDX-License-Identifier: MIT
// A file inside a TemporaryDirectory through `dir / "name"`, as with pathlib. The C++ twin of
//     with tempfile.TemporaryDirectory() as tempdir:
//         file_path = Path(tempdir) / "data.txt"
//         file_path.write_text("Hello Shravan")
//         print(file_path)
//         print(file_path.read_text())
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
    std::cout << std::string(std::istreambuf_iterator<char>(in), {}) << '\n';
  }
  std::cout << file_path.string() << '\n';
}
