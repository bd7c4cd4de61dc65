// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Getting the Name of a Temporary File":
//     import tempfile
//
//     print(tempfile.gettempdir() + '/tmp_file.txt')
// Like the snippet, this only builds a name: nothing is created. For a file that nobody else
// can have created or be about to create, use tempfile::mkstemp instead.
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::cout << tempfile::gettempdir().string() + "/tmp_file.txt" << '\n';
  return 0;
}
