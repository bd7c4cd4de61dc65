// SPDX-License-Identifier: MIT
// The directory a benchmark program works in: BENCH_DIR, else /dev/shm (tmpfs), a fresh
// subdirectory made at first use and removed at exit, which says so if a benchmark left entries.
#pragma once

#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp is POSIX
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace bench {

class BenchDirectory {
 public:
  BenchDirectory() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread
    const char* chosen = std::getenv("BENCH_DIR");
    std::string pattern =
        std::string(chosen != nullptr ? chosen : "/dev/shm") + "/tempfile-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("benchmark: mkdtemp in BENCH_DIR (default /dev/shm)");
      std::exit(EXIT_FAILURE);  // NOLINT(concurrency-mt-unsafe): before main
    }
    path_ = pattern;
  }
  BenchDirectory(const BenchDirectory&) = delete;
  BenchDirectory& operator=(const BenchDirectory&) = delete;
  BenchDirectory(BenchDirectory&&) = delete;
  BenchDirectory& operator=(BenchDirectory&&) = delete;
  ~BenchDirectory() {
    if (::rmdir(path_.c_str()) != 0) {
      std::perror("benchmark: a benchmark left entries in its directory");
    }
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The program's one BenchDirectory, made at first use.
inline const BenchDirectory& bench_directory() {
  static const BenchDirectory directory;
  return directory;
}

}  // namespace bench
