// SPDX-License-Identifier: MIT
// C++ twin of seed 004, "NamedTemporaryFile", In [4]:
//     with tempfile.NamedTemporaryFile('w+') as tmpfile:
//         tmpfile.write("Hello Shravan")
//         tmpfile.seek(0)
//         print(tmpfile.read())
// which prints: Hello Shravan
#include <filesystem>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    tempfile::NamedTemporaryFile tmpfile("w+");
    name = tmpfile.name();
    tmpfile.write(std::string_view("Hello Shravan"));
    tmpfile.seek(0);
    std::cout << tmpfile.read() << '\n';
  }

  if (name.empty() || std::filesystem::exists(name)) {
    std::cerr << "example failed: " << name.string() << " is still there\n";
    return 1;
  }
  return 0;
}
