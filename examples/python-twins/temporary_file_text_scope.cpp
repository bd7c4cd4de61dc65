// SPDX-License-Identifier: MIT
// A text-mode TemporaryFile closed by the end of its scope (Python's `with`). The C++ twin of
//     with tempfile.TemporaryFile('w+') as temp:
//          temp.write("Hello world,")
//          temp.write("\nWelcome to Pynerds.")
//          temp.seek(0)
//          for i in temp.read():
//              print(i, end = '')
//     #the temporary file is closed.
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  {
    tempfile::TemporaryFile temp("w+");
    temp.write(std::string_view("Hello world,"));
    temp.write(std::string_view("\nWelcome to Pynerds."));

    temp.seek(0);
    for (const char i : temp.read()) {
      std::cout << i;
    }
    std::cout.flush();
  }
  // the temporary file is closed.
}
