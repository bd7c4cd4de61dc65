// SPDX-License-Identifier: MIT
// Where temporary files go: gettempdir(). The C++ twin of
//     import tempfile
//     print("Default temp directory:", tempfile.gettempdir())
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::cout << "Default temp directory: " << tempfile::gettempdir().string() << '\n';
}
