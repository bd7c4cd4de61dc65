// SPDX-License-Identifier: MIT
// TemporaryDirectory takes no mode: Python's TypeError is a compile error here. The C++ twin of
//     with tempfile.TemporaryDirectory(mode='w') as temp_dir:
//         with open(f'{temp_dir}/file1.txt', 'w') as file1:
//             file1.write('Hello, world!')
//         with open(f'{temp_dir}/file2.txt', 'w') as file2:
//             file2.write('Goodbye, world!')
// python3 stops at once: "TypeError: TemporaryDirectory.__init__() got an unexpected keyword
// argument 'mode'". TemporaryDirectoryOptions has no .mode member, so {.mode = "w"} does not
// compile (the static_assert says so); then the body runs without the mode.
#include <fstream>
#include <iostream>
#include <tempfile/tempfile.hpp>

template <class Options>
constexpr bool has_mode = requires(Options options) {
  options.mode;
};
static_assert(!has_mode<tempfile::TemporaryDirectoryOptions>);

int main() {
  std::cout << "TemporaryDirectoryOptions has no mode member: {.mode = \"w\"} does not compile "
               "(Python: TypeError)\n";
  const tempfile::TemporaryDirectory temp_dir;
  std::ofstream(temp_dir / "file1.txt") << "Hello, world!";
  std::ofstream(temp_dir / "file2.txt") << "Goodbye, world!";
  std::cout << "wrote file1.txt and file2.txt in " << temp_dir.name().string() << '\n';
}
