// SPDX-License-Identifier: MIT
// Text written to a TemporaryFile and read back. The C++ twin of
//     with tempfile.TemporaryFile('w+t') as tmpfile:
//         tmpfile.write("Hello Shravan this is shravan")
//         tmpfile.seek(0)
//         print(tmpfile.read())
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile tmpfile("w+t");
  tmpfile.write(std::string_view("Hello Shravan this is shravan"));
  tmpfile.seek(0);
  std::cout << tmpfile.read() << '\n';
}
