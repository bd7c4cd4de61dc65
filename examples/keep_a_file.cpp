// SPDX-License-Identifier: MIT
// Keep a file: write it under a temporary name in the destination's directory, then persist() it:
// one rename puts it in place complete, so readers never see half a file, and a failure before
// that leaves nothing behind (the temporary is removed as usual).
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
                                     .dir = destination.parent_path()});  // same file system
  file.write(contents);
  file.persist(destination);  // flushed, then renamed over `destination`; no longer removed
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
