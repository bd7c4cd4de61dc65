// SPDX-License-Identifier: MIT
// Keep a file: write it under a temporary name in the destination's directory, close it, then
// rename it into place, so readers never see half a file. NamedTemporaryFile with delete_ = false
// does the first half; the rename is yours (the library has no persist() yet).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

namespace fs = std::filesystem;

// Writes `contents` to `destination` atomically: the old file, or the new one, never a mix.
void write_atomically(const fs::path& destination, std::string_view contents) {
  tempfile::NamedTemporaryFile file({.prefix = destination.filename().string() + ".",
                                     .dir = destination.parent_path(),  // same file system
                                     .delete_ = false});
  try {
    file.write(contents);
    file.close();  // report a failed flush before the rename, not after
    fs::rename(file.name(), destination);
  } catch (...) {
    fs::remove(file.name());  // delete_ = false: nobody else will remove it
    throw;
  }
}

int main() {
  // The destination is in a TemporaryDirectory only so that this example leaves nothing behind;
  // in a program it is where the file should stay (a configuration file, an output).
  const tempfile::TemporaryDirectory project;
  const fs::path settings = project / "settings.json";

  write_atomically(settings, R"({"answer": 42})");

  std::ifstream in(settings);
  std::cout << settings.filename().string() << ": "
            << std::string(std::istreambuf_iterator<char>(in), {}) << '\n';
}
