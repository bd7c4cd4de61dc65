// SPDX-License-Identifier: MIT
// A TemporaryDirectory's path outlives the object; the directory does not. The C++ twin of the
// REPL session
//     >>> with tempfile.TemporaryDirectory() as tmpdir:
//     ...     print('Created temporary directory ', tmpdir)
//     ...     os.path.exists(tmpdir)
//     Created temporary directory  /tmp/tmpoxbkrm6c
//     True
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
  {
    const tempfile::TemporaryDirectory directory;
    tmpdir = directory.name();
    std::cout << "Created temporary directory  " << tmpdir.string() << '\n';
    std::cout << (std::filesystem::exists(tmpdir) ? "True" : "False") << '\n';
  }
  std::cout << '\'' << tmpdir.string() << "'\n";
  std::cout << (std::filesystem::exists(tmpdir) ? "True" : "False") << '\n';
}
