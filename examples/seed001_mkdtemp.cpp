// SPDX-License-Identifier: MIT
// C++ twin of seed 001, "Temporary Directories", the first mkdtemp snippet:
//     tempdir = tempfile.mkdtemp()
//     print(tempdir)
//
//     os.removedirs(tempdir)
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  const std::filesystem::path tempdir = tempfile::mkdtemp();
  std::cout << tempdir.string() << '\n';

  // os.removedirs(tempdir) removes the empty directory, then prunes every parent left empty.
  // Its only parent here is the temporary directory itself, which must stay (Python would
  // delete an empty $TMPDIR too), so removing tempdir is the whole job. Like rmdir,
  // std::filesystem::remove refuses a directory that is not empty.
  std::filesystem::remove(tempdir);

  if (std::filesystem::exists(tempdir) || !std::filesystem::is_directory(tempfile::gettempdir())) {
    std::cerr << "example failed: " << tempdir.string()
              << " is still there, or its parent is not\n";
    return 1;
  }
  return 0;
}
