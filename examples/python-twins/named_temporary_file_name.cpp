// SPDX-License-Identifier: MIT
// A NamedTemporaryFile's name: an absolute path other programs can open while it exists. The
// C++ twin of
//     with tempfile.NamedTemporaryFile() as temp:
//          print(temp.name)
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile temp;
  std::cout << temp.name().string() << '\n';
}  // removed here
