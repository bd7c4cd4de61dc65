// SPDX-License-Identifier: MIT
// mkstemp(): a descriptor and a path that the caller closes and removes. The C++ twin of
//     fd, path = tempfile.mkstemp()
//     print("File descriptor:", fd)
//     print("File path:", path)
//     # Remember to close and delete the file manually
//     os.close(fd)
//     os.remove(path)
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  auto [fd, path] = tempfile::mkstemp();
  std::cout << "File descriptor: " << fd << '\n';
  std::cout << "File path: " << path.string() << '\n';
  // Remember to close and delete the file manually
  ::close(fd);
  std::filesystem::remove(path);
}
