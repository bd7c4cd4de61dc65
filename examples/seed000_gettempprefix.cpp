// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "7. gettempprefix":
//     import tempfile
//     print("Default temp file prefix:", tempfile.gettempprefix())
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::cout << "Default temp file prefix: " << tempfile::gettempprefix() << '\n';
  return 0;
}
