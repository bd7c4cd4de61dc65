// SPDX-License-Identifier: MIT
// A text-mode TemporaryFile, closed by close() and by the end of a scope. The C++ twin of
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
// The Python code prints nothing; the twin prints what each read() returned.
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile fp("w+t");
  fp.write(std::string_view("Hello universe!"));
  fp.seek(0);
  const std::string data = fp.read();
  std::cout << "data: " << data << '\n';
  fp.close();  // the file had no name: closing it frees it

  {
    tempfile::TemporaryFile fp_with("w+t");
    fp_with.write(std::string_view("Hello universe!"));
    fp_with.seek(0);
    std::cout << "fp.read(): " << fp_with.read() << '\n';
  }
}
