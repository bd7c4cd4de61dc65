// SPDX-License-Identifier: MIT
// C++ twin of seed 003 (a REPL session):
//     >>> with tempfile.TemporaryDirectory() as tmpdir:
//     ...     print('Created temporary directory ', tmpdir)
//     ...     os.path.exists(tmpdir)
//     ...
//     Created temporary directory  /tmp/tmpoxbkrm6c
//     True
//     >>> # Directory contents have been removed
//     ...
//     >>> tmpdir
//     '/tmp/tmpoxbkrm6c'
//     >>> os.path.exists(tmpdir)
//     False
// The REPL echoes the values of bare expressions; the twin prints them the same way.
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path tmpdir;
  bool existed = false;
  {
    const tempfile::TemporaryDirectory directory;
    tmpdir = directory.name();
    std::cout << "Created temporary directory  " << tmpdir.string() << '\n';
    existed = std::filesystem::exists(tmpdir);
    std::cout << (existed ? "True" : "False") << '\n';
  }
  // Directory contents have been removed
  std::cout << '\'' << tmpdir.string() << "'\n";
  const bool exists_after = std::filesystem::exists(std::filesystem::symlink_status(tmpdir));
  std::cout << (exists_after ? "True" : "False") << '\n';

  if (!existed || exists_after) {
    std::cerr << "example failed: the directory did not exist in the block or outlived it\n";
    return 1;
  }
  return 0;
}
