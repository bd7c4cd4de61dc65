// SPDX-License-Identifier: MIT
// mkdtemp() with a prefix and a suffix around the random part. The C++ twin of
//     tempdir = tempfile.mkdtemp(prefix = "project", suffix = "dir")
//     print(tempdir)
//     os.removedirs(tempdir)
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  // Designated initializers follow Python's keyword order: suffix, prefix, dir.
  const auto tempdir = tempfile::mkdtemp({.suffix = "dir", .prefix = "project"});
  std::cout << tempdir.string() << '\n';
  std::filesystem::remove(tempdir);
}
