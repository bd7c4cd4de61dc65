// SPDX-License-Identifier: MIT
// Runs one TemporaryDirectory workload N times, for exact per-op costs as the difference of two
// N: system calls under `strace -c`, user-space instructions under callgrind.
// count_directory <empty|empty-nolock|named> <N> <dir>: create and destroy an empty
// TemporaryDirectory (the destructor removes it); with .lock = false; reading its name() once.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "tempfile/tempfile.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs("usage: count_directory <empty|empty-nolock|named> <N> <dir>\n", stderr);
    return 2;
  }
  const std::string_view workload = argv[1];
  const long rounds = std::strtol(argv[2], nullptr, 10);
  // Made once: the options' copy of the directory is the caller's cost, not the object's.
  const tempfile::TemporaryDirectoryOptions options{.dir = std::filesystem::path(argv[3]),
                                                    .lock = workload != "empty-nolock"};
  if (workload != "empty" && workload != "empty-nolock" && workload != "named") {
    std::fputs("count_directory: unknown workload\n", stderr);
    return 2;
  }
  const bool named = workload == "named";
  std::size_t length = 0;
  for (long i = 0; i < rounds; ++i) {
    const tempfile::TemporaryDirectory directory(options);
    if (named) {
      length += directory.name().native().size();
    }
  }
  return length == 0 || named ? 0 : 1;
}
