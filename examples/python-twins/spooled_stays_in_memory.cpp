// SPDX-License-Identifier: MIT
// A TemporaryFile leaves no name in its directory; a SpooledTemporaryFile stays in memory until
// it grows past max_size. The C++ twin of
//     with tempfile.TemporaryFile(mode='w+t', dir=d) as tmpfile: ...
//     with tempfile.SpooledTemporaryFile(max_size=64, mode='w+t', dir=d) as f:
//         f.write("small note\n")             # in memory, no system call
//         f.write("x" * 100)                  # past 64 bytes: now a TemporaryFile
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  const tempfile::TemporaryDirectory scratch;  // a directory of our own, to look into
  const std::filesystem::path& dir = scratch.name();
  std::cout << std::boolalpha;
  {
    tempfile::TemporaryFile tmpfile({.mode = "w+t", .dir = dir});
    tmpfile.write(std::string_view("Hello Shravan this is shravan"));
    tmpfile.seek(0);
    std::cout << "TemporaryFile: " << tmpfile.read()
              << " (directory empty: " << std::filesystem::is_empty(dir) << ")\n";
  }
  tempfile::SpooledTemporaryFile f({.max_size = 64, .mode = "w+t", .dir = dir});
  f.write(std::string_view("small note\n"));
  std::cout << "SpooledTemporaryFile: " << f.tell() << " bytes, rolled() " << f.rolled()
            << ", name() \"" << f.name().string() << "\"\n";
  f.write(std::string(100, 'x'));
  std::cout << "after 100 more: rolled() " << f.rolled() << ", name() is fd " << f.name().string()
            << ", directory empty: " << std::filesystem::is_empty(dir) << '\n';
  f.seek(0);
  std::cout << "first line read back: " << f.readline();
}
