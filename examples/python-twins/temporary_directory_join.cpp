// SPDX-License-Identifier: MIT
// A file opened read-write inside a TemporaryDirectory, as with os.path.join. The C++ twin of
//     with tempfile.TemporaryDirectory() as tempdir:
//         file_path = os.path.join(tempdir, "data.txt")
//         with open(file_path, "w+") as tmpfile:
//             tmpfile.write('Hello Shravan')
//             tmpfile.seek(0)
//             print(tmpfile.readline())
//             print(file_path)
//     print(file_path)  # the file and its directory are gone: just the path
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
  std::cout << file_path.string() << '\n';
}
