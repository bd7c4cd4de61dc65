// SPDX-License-Identifier: MIT
// The default prefix of generated names: gettempprefix(). The C++ twin of
//     import tempfile
//     print("Default temp file prefix:", tempfile.gettempprefix())
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::cout << "Default temp file prefix: " << tempfile::gettempprefix() << '\n';
}
