// SPDX-License-Identifier: MIT
// A large buffer that spills to disk: a SpooledTemporaryFile keeps small data in memory (no
// system call at all) and moves it to a TemporaryFile once it grows past max_size.
#include <iostream>
#include <string>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::SpooledTemporaryFile buffer({.max_size = 1 << 20});  // up to 1 MiB in memory

  buffer.write(std::string(1000, 'a'));
  std::cout << "after 1000 bytes: on disk " << std::boolalpha << buffer.rolled() << '\n';

  buffer.write(std::string(2 << 20, 'b'));  // 2 MiB more: past max_size
  std::cout << "after 2 MiB more: on disk " << buffer.rolled() << '\n';

  buffer.seek(0);
  const std::string back = buffer.read();
  std::cout << "read back " << back.size() << " bytes\n";
}  // memory or file, everything is freed here
