// SPDX-License-Identifier: MIT
// mkdtemp() and removing the directory yourself with rmtree(). The C++ twin of
//     temp_dir = tempfile.mkdtemp()
//     print("Temporary directory path:", temp_dir)
//     # Clean up manually
//     shutil.rmtree(temp_dir)
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const auto temp_dir = tempfile::mkdtemp();
  std::cout << "Temporary directory path: " << temp_dir.string() << '\n';
  // Clean up manually: tempfile::rmtree is shutil.rmtree (it follows no symbolic link).
  tempfile::rmtree(temp_dir);
}
