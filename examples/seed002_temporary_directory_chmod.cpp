// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating a Temporary Directory with Specific Permissions":
//     with tempfile.TemporaryDirectory() as temp_dir:
//         # Set specific permissions on the directory
//         os.chmod(temp_dir, 0o755)
//
//     # The directory is now deleted
// The snippet prints nothing; the twin prints the mode it set (created 0700, then 0755).
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    const tempfile::TemporaryDirectory temp_dir;
    name = temp_dir.name();
    // Set specific permissions on the directory
    std::filesystem::permissions(temp_dir.name(), static_cast<std::filesystem::perms>(0755));
    struct stat info {};
    if (::stat(temp_dir.name().c_str(), &info) != 0) {
      std::cerr << "example failed: cannot stat " << name.string() << '\n';
      return 1;
    }
    std::printf("mode: 0%o\n", info.st_mode & 0777U);
  }
  // The directory is now deleted

  if (std::filesystem::exists(std::filesystem::symlink_status(name))) {
    std::cerr << "example failed: " << name.string() << " still exists after the block\n";
    return 1;
  }
  return 0;
}
