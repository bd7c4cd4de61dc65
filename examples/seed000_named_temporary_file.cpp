// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "2. NamedTemporaryFile":
//     with tempfile.NamedTemporaryFile(delete=False) as temp_file:
//         print("Temporary file name:", temp_file.name)  # File name on disk
//         temp_file.write(b"Data to write")
// With delete=False the file outlives the object; the snippet leaves it behind, the twin checks
// it is there with the data written and then removes it itself.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  std::filesystem::path name;
  {
    tempfile::NamedTemporaryFile temp_file({.delete_ = false});
    name = temp_file.name();
    std::cout << "Temporary file name: " << temp_file.name().string() << '\n';  // File name on disk
    temp_file.write(std::string_view("Data to write"));
  }

  // The object is gone; the file must not be, and it must hold what was written (the
  // destructor flushed the buffer).
  std::ifstream kept(name, std::ios::binary);
  const std::string contents{std::istreambuf_iterator<char>(kept), {}};
  kept.close();
  const bool existed = std::filesystem::is_regular_file(name);
  std::filesystem::remove(name);

  if (!existed || contents != "Data to write" || std::filesystem::exists(name)) {
    std::cerr << "example failed: " << name.string()
              << R"( was not kept with "Data to write" after the object died (found ")" << contents
              << "\"), or could not be removed\n";
    return 1;
  }
  return 0;
}
