// SPDX-License-Identifier: MIT
// C++ twin of seed 004, "NamedTemporaryFile", In [5]: reading after the `with` block.
//     with tempfile.NamedTemporaryFile('w+') as tmpfile:
//         tmpfile.write("Hello Shravan")
//         tmpfile.seek(0)
//     print(tmpfile.read())
// which fails with: ValueError: I/O operation on closed file.
// In Python the name outlives the block and only the file is closed. A C++ scope would destroy
// the object, so it is declared outside and the end of the block is the close() that `with`
// calls; read() then throws tempfile::closed_file_error, Python's ValueError.
#include <filesystem>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile tmpfile("w+");
  const std::filesystem::path name = tmpfile.name();
  {  // with tempfile.NamedTemporaryFile('w+') as tmpfile:
    tmpfile.write(std::string_view("Hello Shravan"));
    tmpfile.seek(0);
  }
  tmpfile.close();  // the end of the `with` block

  bool raised = false;
  try {
    std::cout << tmpfile.read() << '\n';
  } catch (const tempfile::closed_file_error& e) {
    raised = true;
    std::cout << "ValueError: " << e.what() << '\n';
  }

  // Closing removed the file (delete=True, delete_on_close=True).
  if (!raised || std::filesystem::exists(name)) {
    std::cerr << "example failed: read() after close() did not throw closed_file_error, or "
              << name.string() << " is still there\n";
    return 1;
  }
  return 0;
}
