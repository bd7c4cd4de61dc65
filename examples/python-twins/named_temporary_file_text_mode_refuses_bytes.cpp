// SPDX-License-Identifier: MIT
// A text-mode file refuses bytes, as Python's TypeError. The C++ twin of
//     with tempfile.NamedTemporaryFile(mode='w') as temp_file:
//         temp_file.write(b'Hello, world!')
//         assert not temp_file.tell()
// mode='w' is text mode, so python3 stops at the write: "TypeError: write() argument must be
// str, not bytes". The twin shows the same refusal (std::invalid_argument), then writes the
// text as Python requires; the assertion would then fail as in Python (tell() is 13).
#include <cstddef>
#include <iostream>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::NamedTemporaryFile temp_file({.mode = "w"});
  const std::string_view text = "Hello, world!";
  try {
    temp_file.write(std::as_bytes(std::span(text)));
  } catch (const std::invalid_argument& e) {
    std::cout << "write(bytes): std::invalid_argument: " << e.what() << '\n';
  }

  std::cout << "write(\"Hello, world!\") -> " << temp_file.write(text) << '\n';
  const auto position = temp_file.tell();
  std::cout << "temp_file.tell(): " << position << '\n';
  if (position != 0) {
    std::cout << "assert not temp_file.tell() does not hold: Python raises AssertionError too\n";
  }
}
