// SPDX-License-Identifier: MIT
// Building a name inside the temporary directory (nothing is created). The C++ twin of
//     import tempfile
//     print(tempfile.gettempdir() + '/tmp_file.txt')
// Like the Python line, this only builds a name. For a file that nobody else can have created
// or be about to create, use tempfile::mkstemp or NamedTemporaryFile instead.
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  std::cout << (tempfile::gettempdir() / "tmp_file.txt").string() << '\n';
}
