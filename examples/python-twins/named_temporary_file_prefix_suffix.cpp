// SPDX-License-Identifier: MIT
// A NamedTemporaryFile with a prefix and a suffix around the random part. The C++ twin of
//     with tempfile.NamedTemporaryFile(prefix = "project", suffix = ".py") as temp:
//          print(temp.name)
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile temp({.suffix = ".py", .prefix = "project"});
  std::cout << temp.name().string() << '\n';
}
