// SPDX-License-Identifier: MIT
// A PseudoTemporaryFile is deleted when it is closed: the scope's end, an exception, or the
// process dying. The C++ twin of
//     with tempfile.PseudoTemporaryFile() as temp_file:
//         temp_file.write(b'Hello, world!')
//         assert not temp_file.tell()
//     # The file is now deleted
// The assertion fails in Python too (tell() is 13 after the write); the twin prints the position,
// and shows what the last comment says: after the scope no file is reached by the name and the
// temporary directory holds nothing.
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string_view>
#include <tempfile/tempfile.hpp>

namespace {

const char* python_bool(bool value) {
  return value ? "True" : "False";
}

}  // namespace

int main() {
  std::filesystem::path name;
  {
    tempfile::PseudoTemporaryFile temp_file;
    temp_file.write(std::string_view("Hello, world!"));
    name = temp_file.name();
    temp_file.flush();
    std::cout << "while open, name() reaches a file of " << std::filesystem::file_size(name)
              << " bytes\n";

    const auto position = temp_file.tell();
    std::cout << "temp_file.tell(): " << position << '\n';
    if (position != 0) {
      std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
    }
  }
  const auto left = std::distance(std::filesystem::directory_iterator(tempfile::gettempdir()),
                                  std::filesystem::directory_iterator());
  std::cout << "after the scope, name() reaches a file: "
            << python_bool(std::filesystem::exists(name)) << "; entries in gettempdir(): " << left
            << '\n';
}
