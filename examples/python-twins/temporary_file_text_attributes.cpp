// SPDX-License-Identifier: MIT
// A text-mode TemporaryFile: its name, mode and encoding, then text written and read back. The
// C++ twin of
//     temp = tempfile.TemporaryFile('w+')
//     print(temp)
//     temp.write("Hello world,")
//     temp.write("\nWelcome to Pynerds.")
//     temp.seek(0)
//     for i in temp.read():
//         print(i, end = '')
//     temp.close()
// print(temp) shows <_io.TextIOWrapper name=3 mode='w+' encoding='UTF-8'>; the twin prints the
// same three attributes. Python's encoding is the locale's, ours is UTF-8 unless one is given.
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile temp("w+");
  std::cout << "<tempfile::TemporaryFile name=" << temp.name().string() << " mode='" << temp.mode()
            << "' encoding='" << temp.encoding().value_or("") << "'>\n";

  temp.write(std::string_view("Hello world,"));
  temp.write(std::string_view("\nWelcome to Pynerds."));

  temp.seek(0);
  // Python iterates code points, this loop UTF-8 bytes: printed in order they are the same text.
  for (const char i : temp.read()) {
    std::cout << i;
  }
  std::cout.flush();

  temp.close();
}
