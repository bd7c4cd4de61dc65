// SPDX-License-Identifier: MIT
// rmtree sequential against parallel (RmtreeOptions::parallel), interleaved: each repetition
// builds the same tree once per variant and times only the rmtree call, the variants' order
// alternating between repetitions, so a machine whose load changes (other builds) weighs on
// both alike. Prints each variant's median and its ratio to the sequential median.
//
//   bench_rmtree <dir> [repetitions] [workload...]
//
// Workloads: tree (1,000 directories x 100 files), files100k (100 x 1,000), flat (one directory
// of 10,000 files), and small trees wW_F (W directories of F files: the automatic threshold).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tempfile/tempfile.hpp"

namespace {

struct Shape {
  int directories = 0;  // 0: flat, the files directly in the root
  int files = 0;        // per directory
};

Shape shape_of(const std::string& workload) {
  if (workload == "tree") {
    return {1000, 100};
  }
  if (workload == "files100k") {
    return {100, 1000};
  }
  if (workload == "flat") {
    return {0, 10000};
  }
  if (workload.size() > 1 && workload[0] == 'w') {
    const std::size_t split = workload.find('_');
    if (split != std::string::npos) {
      return {std::atoi(workload.substr(1, split - 1).c_str()),
              std::atoi(workload.substr(split + 1).c_str())};
    }
  }
  std::fprintf(stderr, "bench_rmtree: unknown workload %s\n", workload.c_str());
  std::exit(2);
}

void make_files(int dirfd, int count) {
  for (int f = 0; f < count; ++f) {
    const std::string name = "file" + std::to_string(f);
    const int fd = ::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ::close(fd) != 0) {
      std::perror("bench_rmtree: create");
      std::exit(1);
    }
  }
}

void build(const std::filesystem::path& root, const Shape& shape) {
  std::filesystem::create_directory(root);
  const int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (shape.directories == 0) {
    make_files(rootfd, shape.files);
  }
  for (int d = 0; d < shape.directories; ++d) {
    const std::string name = "dir" + std::to_string(d);
    if (::mkdirat(rootfd, name.c_str(), 0700) != 0) {
      std::perror("bench_rmtree: mkdir");
      std::exit(1);
    }
    const int fd = ::openat(rootfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    make_files(fd, shape.files);
    ::close(fd);
  }
  ::close(rootfd);
}

struct Variant {
  const char* name;
  tempfile::RmtreeOptions options;
};

// CPU time of every thread of the process, user and system, in milliseconds.
double cpu_ms() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: bench_rmtree <dir> [repetitions] [workload...]\n", stderr);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 7;
  std::vector<std::string> workloads;
  for (int i = 3; i < argc; ++i) {
    workloads.emplace_back(argv[i]);
  }
  if (workloads.empty()) {
    workloads = {"tree", "files100k", "flat"};
  }
  const std::vector<Variant> variants = {
      {"sequential", {.parallel = tempfile::RmtreeParallel::never}},
      {"automatic", {.parallel = tempfile::RmtreeParallel::automatic}},
      {"always", {.parallel = tempfile::RmtreeParallel::always}},
  };
  // CPU ms: all threads' CPU time during the removal (median), which a pool raises by its
  // coordination and contention; the wall-clock ratio is what a caller waits.
  std::printf("%-10s %-10s %12s %8s %10s\n", "workload", "variant", "median ms", "ratio", "CPU ms");
  for (const std::string& workload : workloads) {
    const Shape shape = shape_of(workload);
    std::vector<std::vector<double>> times(variants.size());
    std::vector<std::vector<double>> cpu(variants.size());
    for (int rep = 0; rep < repetitions; ++rep) {
      for (std::size_t k = 0; k < variants.size(); ++k) {
        // Alternate the order: forwards on even repetitions, backwards on odd ones.
        const std::size_t v = rep % 2 == 0 ? k : variants.size() - 1 - k;
        const std::filesystem::path root = dir / "bench_rmtree_root";
        build(root, shape);
        const double cpu_start = cpu_ms();
        const auto start = std::chrono::steady_clock::now();
        tempfile::rmtree(root, variants[v].options);
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start;
        times[v].push_back(took.count());
        cpu[v].push_back(cpu_ms() - cpu_start);
      }
    }
    const double base = median(times[0]);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const double m = median(times[v]);
      std::printf("%-10s %-10s %12.2f %8.3f %10.1f\n", workload.c_str(), variants[v].name, m,
                  m / base, median(cpu[v]));
    }
  }
  return 0;
}
