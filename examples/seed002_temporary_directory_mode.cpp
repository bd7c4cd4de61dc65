// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating a Named Temporary Directory with Specific Mode":
//     with tempfile.TemporaryDirectory(mode='w') as temp_dir:
//         # Write some files in the directory
//         with open(f'{temp_dir}/file1.txt', 'w') as file1:
//             file1.write('Hello, world!')
//
//         with open(f'{temp_dir}/file2.txt', 'w') as file2:
//             file2.write('Goodbye, world!')
//
//     # The directory is now deleted
// TemporaryDirectory has no mode parameter, so python3 stops at once: "TypeError:
// TemporaryDirectory.__init__() got an unexpected keyword argument 'mode'". In C++ the same
// mistake does not compile (TemporaryDirectoryOptions has no .mode member), which the twin
// checks with a requires-expression; then it runs the snippet's body without the mode.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <tempfile/tempfile.hpp>

template <class Options>
constexpr bool has_mode = requires(Options options) {
  options.mode;
};

int main() {
  if constexpr (has_mode<tempfile::TemporaryDirectoryOptions>) {
    std::cerr << "example failed: TemporaryDirectoryOptions has a mode member\n";
    return 1;
  }
  std::cout << "TemporaryDirectoryOptions has no mode member: {.mode = \"w\"} does not compile "
               "(Python: TypeError)\n";
  std::filesystem::path name;
  {
    const tempfile::TemporaryDirectory temp_dir;
    name = temp_dir.name();
    // Write some files in the directory
    {
      std::ofstream file1(temp_dir / "file1.txt");
      file1 << "Hello, world!";
    }
    {
      std::ofstream file2(temp_dir / "file2.txt");
      file2 << "Goodbye, world!";
    }
    std::cout << "wrote file1.txt and file2.txt in " << temp_dir.name().string() << '\n';
  }
  // The directory is now deleted

  if (std::filesystem::exists(std::filesystem::symlink_status(name))) {
    std::cerr << "example failed: " << name.string() << " still exists after the block\n";
    return 1;
  }
  return 0;
}
