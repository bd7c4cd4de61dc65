// SPDX-License-Identifier: MIT
// C++ twin of seed 004's "TemporaryFile ... 4. Ideal for pure in-memory-like file usage".
// A TemporaryFile is in-memory-like (no name, nothing in the directory, gone on close); a
// SpooledTemporaryFile goes further and really is in memory until it grows past max_size:
//     with tempfile.SpooledTemporaryFile(max_size=64, mode='w+t') as f:
//         f.write("small note\n")             # in memory, no system call
//         f.write("x" * 100)                  # past 64 bytes: now a TemporaryFile
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

namespace {

bool directory_is_empty(const std::filesystem::path& dir) {
  return std::filesystem::directory_iterator(dir) == std::filesystem::directory_iterator();
}

}  // namespace

int main() {
  // A directory of its own: other programs (the other examples, run in parallel) share TMPDIR.
  const tempfile::TemporaryDirectory scratch;
  const std::filesystem::path& dir = scratch.name();
  {
    tempfile::TemporaryFile tmpfile({.mode = "w+t", .dir = dir});
    tmpfile.write(std::string_view("Hello Shravan this is shravan"));
    tmpfile.seek(0);
    std::cout << "TemporaryFile: " << tmpfile.read() << " (directory empty: " << std::boolalpha
              << directory_is_empty(dir) << ")\n";
  }
  {
    tempfile::SpooledTemporaryFile f({.max_size = 64, .mode = "w+t", .dir = dir});
    f.write(std::string_view("small note\n"));
    std::cout << "SpooledTemporaryFile: " << f.tell() << " bytes, rolled() " << f.rolled()
              << ", name() \"" << f.name().string() << "\"\n";
    f.write(std::string(100, 'x'));
    std::cout << "after 100 more: rolled() " << f.rolled() << ", name() is fd " << f.name().string()
              << ", directory empty: " << directory_is_empty(dir) << '\n';
    f.seek(0);
    std::cout << "first line read back: " << f.readline();
  }
  if (!directory_is_empty(dir)) {
    std::cerr << "example failed: something was left in " << dir << '\n';
    return 1;
  }
  return 0;
}
