// SPDX-License-Identifier: MIT
// Google Benchmark of SpooledTemporaryFile (W5): in memory and across a rollover, against the
// peer harness's floor (a realloc'd buffer, then O_TMPFILE with an 8 KiB write buffer and one
// pread) and std::stringstream, in one binary so that the ratios mean something.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tempfile/tempfile.hpp"

namespace {

// The harness's W5 (bench.h): 64 writes of 1 KiB, then seek to 0 and read it all back; w5mem
// never rolls over (max_size 1 MiB), w5roll rolls over at 32 KiB.
constexpr std::size_t chunk_size = 1024;
constexpr std::size_t total_size = 65536;
constexpr std::int64_t memory_max_size = std::int64_t{1} << 20;
constexpr std::int64_t rollover_max_size = 32768;

// $BENCH_DIR, else /dev/shm: where the rollover files go (O_TMPFILE: nothing is ever left).
const std::string& bench_dir() {
  static const std::string dir = [] {
    const char* given = std::getenv("BENCH_DIR");  // NOLINT(concurrency-mt-unsafe): one thread
    return std::string(given != nullptr && *given != '\0' ? given : "/dev/shm");
  }();
  return dir;
}

const std::array<char, chunk_size>& payload() {
  static const std::array<char, chunk_size> bytes = [] {
    std::array<char, chunk_size> filled{};
    for (std::size_t i = 0; i < filled.size(); ++i) {
      filled[i] = static_cast<char>('a' + i % 26);
    }
    return filled;
  }();
  return bytes;
}

// ---- the floor, as the peer harness's floor (p0_floor.c) spool_t ----
struct FloorSpool {
  char* buf = nullptr;
  std::size_t len = 0;
  std::size_t cap = 0;
  int fd = -1;
  std::array<char, 8192> wbuf{};
  std::size_t wlen = 0;
  std::size_t max = 0;
  int dfd = -1;
};

bool floor_flush(FloorSpool& s) {
  if (s.wlen > 0) {
    if (::write(s.fd, s.wbuf.data(), s.wlen) != static_cast<ssize_t>(s.wlen)) {
      return false;
    }
    s.wlen = 0;
  }
  return true;
}

bool floor_write(FloorSpool& s, const char* data, std::size_t n) {
  if (s.fd < 0) {
    if (s.len + n > s.max) {
      s.fd = ::openat(s.dfd, ".", O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
      if (s.fd < 0 || (s.len > 0 && ::write(s.fd, s.buf, s.len) != static_cast<ssize_t>(s.len))) {
        return false;
      }
    } else {
      if (s.len + n > s.cap) {
        std::size_t grown = s.cap > 0 ? s.cap * 2 : 4096;
        while (grown < s.len + n) {
          grown *= 2;
        }
        s.buf = static_cast<char*>(std::realloc(s.buf, grown));  // NOLINT: the floor is C
        s.cap = grown;
      }
      std::memcpy(s.buf + s.len, data, n);
      s.len += n;
      return true;
    }
  }
  if (s.wlen + n > s.wbuf.size() && !floor_flush(s)) {
    return false;
  }
  std::memcpy(s.wbuf.data() + s.wlen, data, n);
  s.wlen += n;
  s.len += n;
  return true;
}

std::size_t floor_read_all(FloorSpool& s, char* into) {
  if (s.fd < 0) {
    std::memcpy(into, s.buf, s.len);
    return s.len;
  }
  if (!floor_flush(s) || ::pread(s.fd, into, s.len, 0) != static_cast<ssize_t>(s.len)) {
    return 0;
  }
  return s.len;
}

void floor_spool(benchmark::State& state, std::size_t max_size) {
  const int dfd = ::open(bench_dir().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    state.SkipWithError("cannot open the bench directory");
    return;
  }
  std::vector<char> into(total_size);
  for (auto _ : state) {
    FloorSpool s;
    s.max = max_size;
    s.dfd = dfd;
    bool ok = true;
    for (std::size_t i = 0; i < total_size / chunk_size; ++i) {
      ok = ok && floor_write(s, payload().data(), chunk_size);
    }
    ok = ok && floor_read_all(s, into.data()) == total_size;
    std::free(s.buf);  // NOLINT(cppcoreguidelines-no-malloc): the floor is C
    if (s.fd >= 0) {
      ::close(s.fd);
    }
    if (!ok) {
      state.SkipWithError("floor spool failed");
      break;
    }
    benchmark::DoNotOptimize(into.data());
  }
  ::close(dfd);
}

void w5mem_floor(benchmark::State& state) {
  floor_spool(state, memory_max_size);
}
void w5roll_floor(benchmark::State& state) {
  floor_spool(state, rollover_max_size);
}

// ---- tempfile::SpooledTemporaryFile: read() returns a string, readinto() fills a buffer ----
template <bool ReadInto>
void spooled(benchmark::State& state, std::int64_t max_size) {
  const tempfile::SpooledTemporaryFileOptions options{.max_size = max_size, .dir = bench_dir()};
  const std::string_view chunk(payload().data(), chunk_size);
  std::vector<std::byte> into(total_size);
  for (auto _ : state) {
    tempfile::SpooledTemporaryFile f(options);
    for (std::size_t i = 0; i < total_size / chunk_size; ++i) {
      f.write(chunk);
    }
    f.seek(0);
    if constexpr (ReadInto) {
      benchmark::DoNotOptimize(f.readinto(into));
    } else {
      benchmark::DoNotOptimize(f.read());
    }
    f.close();
  }
}

void w5mem_tempfile(benchmark::State& state) {
  spooled<false>(state, memory_max_size);
}
void w5mem_tempfile_readinto(benchmark::State& state) {
  spooled<true>(state, memory_max_size);
}
void w5roll_tempfile(benchmark::State& state) {
  spooled<false>(state, rollover_max_size);
}
void w5roll_tempfile_readinto(benchmark::State& state) {
  spooled<true>(state, rollover_max_size);
}

// ---- std::stringstream, the standard library's in-memory stream ----
void w5mem_stringstream(benchmark::State& state) {
  std::vector<char> into(total_size);
  for (auto _ : state) {
    std::stringstream s;
    for (std::size_t i = 0; i < total_size / chunk_size; ++i) {
      s.write(payload().data(), chunk_size);
    }
    s.seekg(0);
    s.read(into.data(), static_cast<std::streamsize>(total_size));
    benchmark::DoNotOptimize(into.data());
  }
}

BENCHMARK(w5mem_floor);
BENCHMARK(w5mem_tempfile);
BENCHMARK(w5mem_tempfile_readinto);
BENCHMARK(w5mem_stringstream);
BENCHMARK(w5roll_floor)->UseRealTime();
BENCHMARK(w5roll_tempfile)->UseRealTime();
BENCHMARK(w5roll_tempfile_readinto)->UseRealTime();

}  // namespace
