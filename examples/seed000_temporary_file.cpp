// SPDX-License-Identifier: MIT
// C++ twin of seed 000, section "1. TemporaryFile":
//     with tempfile.TemporaryFile() as temp_file:
//         temp_file.write(b"Hello, World!")
//         temp_file.seek(0)  # Move to the beginning of the file
//         print(temp_file.read())  # Output: b'Hello, World!'
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

namespace {

// print() of a bytes object shows its repr, so the twin spells the bytes the way Python does:
// b'...', with the quote Python would pick and its escapes for everything not printable ASCII.
std::string python_bytes_repr(std::string_view bytes) {
  const bool single_quote_inside = bytes.find('\'') != std::string_view::npos;
  const bool double_quote_inside = bytes.find('"') != std::string_view::npos;
  const char quote = single_quote_inside && !double_quote_inside ? '"' : '\'';
  std::string repr = "b";
  repr += quote;
  for (const char c : bytes) {
    const std::size_t byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      repr += '\\';
      repr += c;
    } else if (c == '\t') {
      repr += "\\t";
    } else if (c == '\n') {
      repr += "\\n";
    } else if (c == '\r') {
      repr += "\\r";
    } else if (byte < 0x20 || byte >= 0x7f) {
      constexpr std::string_view hex_digits = "0123456789abcdef";
      repr += "\\x";
      repr += hex_digits[byte >> 4U];
      repr += hex_digits[byte & 0xfU];
    } else {
      repr += c;
    }
  }
  repr += quote;
  return repr;
}

}  // namespace

int main() {
  int descriptor = -1;
  {
    tempfile::TemporaryFile temp_file;
    descriptor = temp_file.fileno();
    // Write to the temporary file
    temp_file.write(std::string_view("Hello, World!"));

    // Read from the temporary file
    temp_file.seek(0);                                         // Move to the beginning of the file
    std::cout << python_bytes_repr(temp_file.read()) << '\n';  // Output: b'Hello, World!'
  }

  // Leaving the scope closed the file, which had no name: closing its descriptor freed it.
  if (::fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) {
    std::cerr << "example failed: descriptor " << descriptor << " is still open\n";
    return 1;
  }
  return 0;
}
