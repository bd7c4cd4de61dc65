// SPDX-License-Identifier: MIT
// Text written to a NamedTemporaryFile and read back. The C++ twin of
//     with tempfile.NamedTemporaryFile('w+') as tmpfile:
//         tmpfile.write("Hello Shravan")
//         tmpfile.seek(0)
//         print(tmpfile.read())
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile tmpfile("w+");
  tmpfile.write(std::string_view("Hello Shravan"));
  tmpfile.seek(0);
  std::cout << tmpfile.read() << '\n';
}
