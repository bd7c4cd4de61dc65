// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Getting the Current Temporary File":
//     import tempfile
//
//     print(tempfile.gettempdir())
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::cout << tempfile::gettempdir().string() << '\n';
  return 0;
}
