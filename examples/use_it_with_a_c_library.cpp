// SPDX-License-Identifier: MIT
// Use a temporary file with a C library: fileno() gives the descriptor for system calls,
// fdopen() a FILE* of your own (fclose it; that never closes the temporary file).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

// Stands for any C function that writes to a FILE* (a report, a serialiser, a logger).
void c_library_write_report(std::FILE* out, int items) {
  std::fprintf(out, "items: %d\n", items);
}

int main() {
  tempfile::TemporaryFile file;  // binary, no name in the file system

  std::FILE* out = file.fdopen();  // a dup of the descriptor, at the file's position
  c_library_write_report(out, 3);
  std::fclose(out);  // yours to close; flushes stdio's buffer

  file.seek(0, SEEK_END);  // the object tracks its position: move it past what stdio wrote
  file.write(std::string_view("written by the object\n"));
  file.flush();  // before a system call on the descriptor sees the bytes

  struct stat info {};
  if (::fstat(file.fileno(), &info) == 0) {  // fileno(): the descriptor, for system calls
    std::cout << "size: " << info.st_size << " bytes\n";
  }
  file.seek(0);
  std::cout << file.read();
}
