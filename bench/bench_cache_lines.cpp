// SPDX-License-Identifier: MIT
// What user code costs between system calls: the hand-written unnamed persist sequence (open
// O_TMPFILE, write 4 KiB, linkat, rename, close) with the same amount of extra work run in the
// five gaps between its calls, laid out three ways. compact: one small loop (about 2,800
// instructions in all); scattered: 100 small functions, each on its own cache line of code and
// touching its own line of data (about 2,200 instructions); copy: the 4 KiB copied into an
// 8 KiB buffer first and written from there, as a buffered file object does. docs/performance.md
// ("What the remaining gap is made of") reads the ratios to `none`.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "bench_directory.hpp"
#include "hand_written.hpp"

namespace {

constexpr int scattered_functions = 100;
constexpr int gaps = 5;
constexpr int functions_per_gap = scattered_functions / gaps;
constexpr unsigned long compact_iterations_per_gap = 80;  // 7 instructions each

// One cache line of data per function.
struct alignas(64) DataLine {
  std::array<unsigned long, 8> words{};
};
std::array<DataLine, scattered_functions> data_lines{};  // NOLINT: the point is global lines

// A few dependent operations and two branches on a line of its own, as a small library
// function does.
template <int I>
[[gnu::noinline, gnu::aligned(64)]] unsigned long scattered_step(unsigned long x) {
  std::array<unsigned long, 8>& line = data_lines[I].words;
  x = x * (2 * I + 3) + line[0];
  if ((x & (1UL << (I % 7))) != 0) {
    x ^= static_cast<unsigned long>(I) * 7919UL + 1;
  } else {
    x += line[1];
  }
  line[2] = x;
  x = (x >> 3U) + line[3] * (I + 1);
  if (x > static_cast<unsigned long>(I) * 1000UL + 17) {
    x -= line[4];
  } else {
    x += I + 5;
  }
  line[5] = x ^ line[6];
  return x + line[7];
}

template <int First, int... I>
unsigned long scattered_gap(unsigned long x, std::integer_sequence<int, I...> /*steps*/) {
  ((x = scattered_step<First + I>(x)), ...);
  return x;
}

template <int Gap>
unsigned long scattered(unsigned long x) {
  return scattered_gap<Gap * functions_per_gap>(
      x, std::make_integer_sequence<int, functions_per_gap>());
}

[[gnu::noinline]] unsigned long compact(unsigned long x) {
  for (unsigned long i = 0; i < compact_iterations_per_gap; ++i) {
    x = x * 31 + i;
    benchmark::DoNotOptimize(x);
  }
  return x;
}

enum class Extra { none, compact, scattered, copy };

// The work of gap `Gap` in the way `extra` says.
template <int Gap>
unsigned long gap(Extra extra, unsigned long x) {
  if (extra == Extra::compact) {
    return compact(x);
  }
  if (extra == Extra::scattered) {
    return scattered<Gap>(x);
  }
  return x;
}

void BM_UnnamedSequence(benchmark::State& state) {
  const auto extra = static_cast<Extra>(state.range(0));
#ifdef O_TMPFILE
  const std::filesystem::path dir = bench::bench_directory().path();
  const std::string target = dir / "target";
  const std::string payload(4096, 'p');
  static std::array<char, 8192> buffer{};
  bench::StagedNames names(dir);
  unsigned long x = 1;
  for (auto _ : state) {
    const std::string& staged = names.next();
    x = gap<0>(extra, x);
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    x = gap<1>(extra, x);
    const char* from = payload.data();
    if (extra == Extra::copy) {
      std::memcpy(buffer.data(), payload.data(), payload.size());
      benchmark::DoNotOptimize(buffer.data());
      from = buffer.data();
    }
    if (fd < 0 || !bench::write_all(fd, std::string_view(from, payload.size()))) {
      state.SkipWithError("open or write failed");
    }
    x = gap<2>(extra, x);
    if (!bench::link_unnamed(fd, staged)) {
      state.SkipWithError("linkat failed");
    }
    x = gap<3>(extra, x);
    if (::rename(staged.c_str(), target.c_str()) != 0) {
      state.SkipWithError("rename failed");
    }
    x = gap<4>(extra, x);
    ::close(fd);
    benchmark::DoNotOptimize(x);
  }
  std::filesystem::remove(target);
#else
  state.SkipWithError("no O_TMPFILE here");
#endif
}
BENCHMARK(BM_UnnamedSequence)
    ->ArgName("extra")
    ->Arg(static_cast<int>(Extra::none))
    ->Arg(static_cast<int>(Extra::compact))
    ->Arg(static_cast<int>(Extra::scattered))
    ->Arg(static_cast<int>(Extra::copy));

}  // namespace
