// SPDX-License-Identifier: MIT
// mkdtemp() and removing the empty directory with std::filesystem::remove. The C++ twin of
//     tempdir = tempfile.mkdtemp()
//     print(tempdir)
//     os.removedirs(tempdir)
// os.removedirs also prunes every parent left empty; the only parent here is the temporary
// directory itself, which must stay, so removing tempdir is the whole job (like rmdir,
// std::filesystem::remove refuses a directory that is not empty).
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const auto tempdir = tempfile::mkdtemp();
  std::cout << tempdir.string() << '\n';
  std::filesystem::remove(tempdir);
}
