// SPDX-License-Identifier: MIT
// C++ twin of seed 003's two TemporaryFile snippets, which differ only by close() against
// `with`:
//     fp = TemporaryFile('w+t')
//     fp.write('Hello universe!')
//     fp.seek(0)
//     data = fp.read()
//     fp.close()
// and
//     with TemporaryFile('w+t') as fp:
//         fp.write('Hello universe!')
//         fp.seek(0)
//         fp.read()
// The snippets print nothing; the twin prints what each read() returned, so that it is checked.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

namespace {

bool descriptor_is_closed(int descriptor) {
  return ::fcntl(descriptor, F_GETFD) == -1 && errno == EBADF;
}

}  // namespace

int main() {
  // Create a temporary file and write some data to it
  tempfile::TemporaryFile fp("w+t");
  fp.write(std::string_view("Hello universe!"));

  // Go back to the beginning and read data from file
  fp.seek(0);
  const std::string data = fp.read();
  std::cout << "data: " << data << '\n';

  // Close the file, after which it will be removed
  const int first_descriptor = fp.fileno();
  fp.close();
  if (!fp.closed() || !descriptor_is_closed(first_descriptor)) {
    std::cerr << "example failed: the first file is still open\n";
    return 1;
  }

  int second_descriptor = -1;
  {
    tempfile::TemporaryFile fp_with("w+t");
    second_descriptor = fp_with.fileno();
    fp_with.write(std::string_view("Hello universe!"));
    fp_with.seek(0);
    std::cout << "fp.read(): " << fp_with.read() << '\n';
  }
  if (!descriptor_is_closed(second_descriptor)) {
    std::cerr << "example failed: the second file is still open\n";
    return 1;
  }
  return 0;
}
