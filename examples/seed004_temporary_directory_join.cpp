// SPDX-License-Identifier: MIT
// C++ twin of seed 004, TemporaryDirectory with os.path.join (In [22]):
//     with tempfile.TemporaryDirectory() as tempdir:
//         file_path = os.path.join(tempdir, "data.txt")
//         with open(file_path, "w+") as tmpfile:
//             tmpfile.write('Hello Shravan')
//             tmpfile.seek(0)
//             print(tmpfile.readline())
//             print(file_path)
//
//     print(file_path)  # data file or path will not be exist in the disk, just prints the path
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path file_path;
  {
    const tempfile::TemporaryDirectory tempdir;
    file_path = tempdir.path() / "data.txt";
    // "w+": created (truncated), read and write.
    std::fstream tmpfile(file_path, std::ios::in | std::ios::out | std::ios::trunc);
    tmpfile << "Hello Shravan";
    tmpfile.seekg(0);
    std::string line;
    std::getline(tmpfile, line);
    std::cout << line << '\n';
    std::cout << file_path.string() << '\n';
  }

  std::cout << file_path.string() << '\n';  // the file and its directory are gone: just the path

  if (std::filesystem::exists(std::filesystem::symlink_status(file_path.parent_path()))) {
    std::cerr << "example failed: " << file_path.parent_path().string()
              << " still exists after the block\n";
    return 1;
  }
  return 0;
}
