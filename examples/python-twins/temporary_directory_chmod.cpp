// SPDX-License-Identifier: MIT
// A TemporaryDirectory is created 0700; its mode can be changed while it lives. The C++ twin of
//     with tempfile.TemporaryDirectory() as temp_dir:
//         os.chmod(temp_dir, 0o755)
//     # The directory is now deleted
// The Python code prints nothing; the twin prints the mode it set.
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const tempfile::TemporaryDirectory temp_dir;
  namespace fs = std::filesystem;
  fs::permissions(temp_dir.name(), fs::perms::owner_all | fs::perms::group_read |
                                       fs::perms::group_exec | fs::perms::others_read |
                                       fs::perms::others_exec);
  const auto bits = static_cast<unsigned>(fs::status(temp_dir.name()).permissions());
  std::cout << "mode: 0" << std::oct << bits << '\n';
}
