// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "4. mkstemp":
//     fd, path = tempfile.mkstemp()
//     print("File descriptor:", fd)
//     print("File path:", path)
//     # Remember to close and delete the file manually
//     import os
//     os.close(fd)
//     os.remove(path)
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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

  // The example proves its own cleanup: the descriptor is closed and the file is gone.
  if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF || std::filesystem::exists(path)) {
    std::cerr << "example failed: " << path.string() << " or its descriptor is still there\n";
    return 1;
  }
  return 0;
}
