// SPDX-License-Identifier: MIT
// Runs one Pseudo workload N times, for exact system-call counts under strace (the difference of
// two N): count_pseudo <directory|pseudo-first|pseudo-later|file|pseudo-file> <N> <dir>.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tempfile/tempfile.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs(
        "usage: count_pseudo <directory|pseudo-first|pseudo-later|file|pseudo-file> <N> <dir>\n",
        stderr);
    return 2;
  }
  const std::string_view workload = argv[1];
  const long rounds = std::strtol(argv[2], nullptr, 10);
  const std::filesystem::path where = argv[3];
  std::optional<tempfile::PseudoTemporaryDirectory> keeper;
  if (workload == "pseudo-later") {
    keeper.emplace(tempfile::PseudoTemporaryDirectoryOptions{.dir = where});
  }
  for (long i = 0; i < rounds; ++i) {
    if (workload == "directory") {
      const tempfile::TemporaryDirectory directory({.dir = where});
    } else if (workload == "pseudo-first" || workload == "pseudo-later") {
      const tempfile::PseudoTemporaryDirectory directory({.dir = where});
    } else if (workload == "file") {
      const tempfile::TemporaryFile file({.dir = where});
    } else if (workload == "pseudo-file") {
      const tempfile::PseudoTemporaryFile file({.dir = where});
    } else {
      std::fputs("count_pseudo: unknown workload\n", stderr);
      return 2;
    }
  }
  return 0;
}
