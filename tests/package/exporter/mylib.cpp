// SPDX-License-Identifier: MIT
// mylib: a library that uses tempfile in its implementation and its interface.
#include "mylib.hpp"

#include <fstream>
#include <iterator>
#include <string>

namespace mylib {

std::string round_trip(const tempfile::TemporaryDirectory& directory, const std::string& text) {
  const std::filesystem::path file = directory.name() / "data.txt";
  std::ofstream(file) << text;
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace mylib
