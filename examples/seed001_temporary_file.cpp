// SPDX-License-Identifier: MIT
// C++ twin of seed 001, "Temporary Files", the first TemporaryFile snippet:
//     temp = tempfile.TemporaryFile('w+')
//     print(temp)
//
//     #write to the file
//     temp.write("Hello world,")
//     temp.write("\nWelcome to Pynerds.")
//
//     #read from the file
//     temp.seek(0)
//     for i in temp.read():
//         print(i, end = '')
//
//     temp.close()
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile temp("w+");
  // print(temp) shows the object's repr, <_io.TextIOWrapper name=3 mode='w+' encoding='UTF-8'>;
  // the twin prints the same three attributes. Python's encoding is the locale's, ours is
  // always UTF-8 unless one is asked for.
  std::cout << "<tempfile::TemporaryFile name=" << temp.name().string() << " mode='" << temp.mode()
            << "' encoding='" << temp.encoding().value_or("") << "'>\n";

  // write to the file
  temp.write(std::string_view("Hello world,"));
  temp.write(std::string_view("\nWelcome to Pynerds."));

  // read from the file
  temp.seek(0);
  // Python iterates code points, the twin UTF-8 bytes: printed in order they are the same text.
  for (const char i : temp.read()) {
    std::cout << i;
  }
  std::cout.flush();

  const int descriptor = temp.fileno();
  temp.close();

  if (!temp.closed() || ::fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) {
    std::cerr << "\nexample failed: descriptor " << descriptor << " is still open\n";
    return 1;
  }
  return 0;
}
