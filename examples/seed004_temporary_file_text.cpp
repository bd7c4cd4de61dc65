// SPDX-License-Identifier: MIT
// C++ twin of seed 004, "TemporaryFile", In [7]:
//     with tempfile.TemporaryFile('w+t') as tmpfile:
//         tmpfile.write("Hello Shravan this is shravan")
//         tmpfile.seek(0)
//         print(tmpfile.read())
// which prints: Hello Shravan this is shravan
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  int descriptor = -1;
  {
    tempfile::TemporaryFile tmpfile("w+t");
    descriptor = tmpfile.fileno();
    tmpfile.write(std::string_view("Hello Shravan this is shravan"));
    tmpfile.seek(0);
    std::cout << tmpfile.read() << '\n';
  }

  if (::fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) {
    std::cerr << "example failed: descriptor " << descriptor << " is still open\n";
    return 1;
  }
  return 0;
}
