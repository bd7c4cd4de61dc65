// SPDX-License-Identifier: MIT
// C++ twin of seed 001, "Temporary Directories", the mkdtemp snippet with prefix and suffix:
//     tempdir = tempfile.mkdtemp(prefix = "project", suffix = "dir")
//     print(tempdir)
//
//     os.removedirs(tempdir)
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const std::filesystem::path tempdir = tempfile::mkdtemp({.suffix = "dir", .prefix = "project"});
  std::cout << tempdir.string() << '\n';

  // os.removedirs(tempdir), without pruning the temporary directory itself: see
  // seed001_mkdtemp.cpp.
  std::filesystem::remove(tempdir);

  if (std::filesystem::exists(tempdir) || !std::filesystem::is_directory(tempfile::gettempdir())) {
    std::cerr << "example failed: " << tempdir.string()
              << " is still there, or its parent is not\n";
    return 1;
  }
  return 0;
}
