// SPDX-License-Identifier: MIT
// C++ twin of seed 001, "Temporary Files", the TemporaryFile snippet with `with`:
//     with tempfile.TemporaryFile('w+') as temp:
//
//          #write to the file
//          temp.write("Hello world,")
//          temp.write("\nWelcome to Pynerds.")
//
//          #read from the file
//          temp.seek(0)
//          for i in temp.read():
//              print(i, end = '')
//
//     #the temporary file is closed.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  int descriptor = -1;
  {
    tempfile::TemporaryFile temp("w+");
    descriptor = temp.fileno();

    // write to the file
    temp.write(std::string_view("Hello world,"));
    temp.write(std::string_view("\nWelcome to Pynerds."));

    // read from the file
    temp.seek(0);
    // Python iterates code points, the twin UTF-8 bytes: printed in order they are the same
    // text.
    for (const char i : temp.read()) {
      std::cout << i;
    }
    std::cout.flush();
  }
  // the temporary file is closed.

  if (::fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) {
    std::cerr << "\nexample failed: descriptor " << descriptor << " is still open\n";
    return 1;
  }
  return 0;
}
