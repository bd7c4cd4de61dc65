// SPDX-License-Identifier: MIT
// Hand a file to another program: a NamedTemporaryFile closed but not yet removed
// (delete_on_close = false), its name() passed on the command line, removed when the object dies.
#include <spawn.h>
#include <sys/wait.h>

#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

extern char** environ;

int main() {
  tempfile::NamedTemporaryFile file({.mode = "w", .suffix = ".txt", .delete_on_close = false});
  file.write(std::string_view("three\nlines\nhere\n"));
  file.close();  // flushed and closed, so the other program sees every byte; still on disk

  // The other program opens the file by its name: here `wc -l <name>`.
  std::string name = file.name().string();
  char wc[] = "wc";
  char lines_flag[] = "-l";
  char* argv[] = {wc, lines_flag, name.data(), nullptr};
  pid_t child = 0;
  if (posix_spawnp(&child, "wc", nullptr, nullptr, argv, environ) != 0) {
    std::cerr << "cannot run wc\n";
    return 1;
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}  // `file` dies here: the file is removed
