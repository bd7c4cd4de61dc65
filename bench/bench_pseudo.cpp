// SPDX-License-Identifier: MIT
// Google Benchmark of the Pseudo classes' costs: the first PseudoTemporaryDirectory of a process
// (which starts the guardian, and whose end lets it go), a later one (two messages to a running
// guardian), and TemporaryDirectory beside them, in one binary and one tmpfs directory.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "bench_directory.hpp"
#include "tempfile/tempfile.hpp"

namespace {

using bench::bench_directory;

tempfile::TemporaryDirectoryOptions options() {
  return {.dir = bench_directory().path()};
}

// The baseline: mkdtemp's work, the held descriptor, the flock, the cleanup.
void BM_TemporaryDirectory(benchmark::State& state) {
  for (auto _ : state) {
    const tempfile::TemporaryDirectory directory(options());
    benchmark::DoNotOptimize(directory.name().c_str());
  }
}
BENCHMARK(BM_TemporaryDirectory);

// A later PseudoTemporaryDirectory: the guardian runs (another one is alive), so creation adds
// one message (with the descriptor) and cleanup one more.
void BM_PseudoTemporaryDirectory_Later(benchmark::State& state) {
  const tempfile::PseudoTemporaryDirectory keeper(options());
  for (auto _ : state) {
    const tempfile::PseudoTemporaryDirectory directory(options());
    benchmark::DoNotOptimize(directory.name().c_str());
  }
}
BENCHMARK(BM_PseudoTemporaryDirectory_Later);

// The first PseudoTemporaryDirectory of a process: it starts the guardian (double fork, hello)
// and, being the last, lets it go when it is removed.
void BM_PseudoTemporaryDirectory_First(benchmark::State& state) {
  for (auto _ : state) {
    const tempfile::PseudoTemporaryDirectory directory(options());
    benchmark::DoNotOptimize(directory.name().c_str());
  }
}
BENCHMARK(BM_PseudoTemporaryDirectory_First);

void BM_TemporaryFile(benchmark::State& state) {
  for (auto _ : state) {
    tempfile::TemporaryFile file({.dir = bench_directory().path()});
    benchmark::DoNotOptimize(file.fileno());
  }
}
BENCHMARK(BM_TemporaryFile);

void BM_PseudoTemporaryFile(benchmark::State& state) {
  for (auto _ : state) {
    tempfile::PseudoTemporaryFile file({.dir = bench_directory().path()});
    benchmark::DoNotOptimize(file.fileno());
  }
}
BENCHMARK(BM_PseudoTemporaryFile);

}  // namespace
