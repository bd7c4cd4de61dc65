// SPDX-License-Identifier: MIT
// A TemporaryDirectory removed with everything in it at the end of its scope. The C++ twin of
//     with tempfile.TemporaryDirectory() as temp_dir:
//         print("Temporary directory path:", temp_dir)
//         with open(f"{temp_dir}/temp_file.txt", "w") as file:
//             file.write("Temporary data")
//     # Directory and files are deleted after this block
#include <fstream>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  {
    const tempfile::TemporaryDirectory temp_dir;
    std::cout << "Temporary directory path: " << temp_dir.name().string() << '\n';
    std::ofstream(temp_dir / "temp_file.txt") << "Temporary data";
  }
  // Directory and files are deleted after this block
}
