// SPDX-License-Identifier: MIT
// Google Benchmark of persist() and atomic_write() against the hand-written sequences they
// replace (open, write 4 KiB, fsync, rename or link, fsync of the directory), in one binary and
// one directory: BENCH_DIR, default a fresh directory on /dev/shm. The hand-written side makes no
// checks and no random names (a counter): it is the floor. The *Step benchmarks time persist()
// alone against the same steps by hand. bench/persist_ratios.py runs this and prints the ratios.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "bench_directory.hpp"
#include "hand_written.hpp"
#include "tempfile/tempfile.hpp"

namespace {

using bench::link_unnamed;
using bench::StagedNames;
using bench::sync_directory;
using bench::write_all;

constexpr std::size_t payload_size = 4096;

const std::string& payload() {
  static const std::string data(payload_size, 'p');
  return data;
}

using bench::bench_directory;

// The file every benchmark replaces, removed by each benchmark when it ends.
std::filesystem::path target_path() {
  return bench_directory().path() / "target";
}

// The floor, named: open a new name beside the target, write, fsync, rename, fsync the directory.
// checked:1 adds NamedTemporaryFile's two guarantees (bench::open_checked): the cleaner lock and
// the identity check before the rename, what persist() of a named file is held to.
void BM_HandWritten_Named(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  const bool checked = state.range(1) != 0;
  const std::filesystem::path dir = bench_directory().path();
  const std::string target = target_path();
  StagedNames names(dir);
  for (auto _ : state) {
    if (!bench::named_round(names.next(), target, dir, payload(), durable, checked)) {
      state.SkipWithError("the hand-written sequence failed");
    }
  }
  std::filesystem::remove(target);
}
BENCHMARK(BM_HandWritten_Named)->ArgNames({"durable", "checked"})->ArgsProduct({{0, 1}, {0, 1}});

// The floor, unnamed (Linux): O_TMPFILE, write, fsync, linkat to a name beside the target,
// rename over it, fsync the directory. With `step_only`, only what follows the open is timed
// (manual time; the *Step benchmarks below).
using Clock = std::chrono::steady_clock;

void record(benchmark::State& state, Clock::time_point start, Clock::time_point end) {
  state.SetIterationTime(std::chrono::duration<double>(end - start).count());
}

void hand_written_unnamed(benchmark::State& state, bool step_only) {
  const bool durable = state.range(0) != 0;
  const std::filesystem::path dir = bench_directory().path();
  const std::string target = target_path();
#ifdef O_TMPFILE
  StagedNames names(dir);
  for (auto _ : state) {
    const std::string& staged = names.next();
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    const Clock::time_point start = step_only ? Clock::now() : Clock::time_point();
    if (!bench::publish_unnamed(fd, staged, target, dir, payload(), durable)) {
      state.SkipWithError("the hand-written sequence failed");
    }
    if (step_only) {
      record(state, start, Clock::now());
    }
    ::close(fd);
  }
#else
  static_cast<void>(step_only);
  state.SkipWithError("no O_TMPFILE here");
#endif
  std::filesystem::remove(target);
}

void BM_HandWritten_Unnamed(benchmark::State& state) {
  hand_written_unnamed(state, false);
}
BENCHMARK(BM_HandWritten_Unnamed)->ArgName("durable")->Arg(0)->Arg(1);

// The library's side gets its paths made once too, as the hand-written side does.
void BM_Persist_Named(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  const tempfile::NamedTemporaryFileOptions options{.dir = bench_directory().path(),
                                                    .lock = state.range(1) != 0};
  const std::filesystem::path target = target_path();
  for (auto _ : state) {
    tempfile::NamedTemporaryFile file(options);
    file.write(payload());
    file.persist(target, {.durable = durable});
  }
  std::filesystem::remove(target);
}
BENCHMARK(BM_Persist_Named)->ArgNames({"durable", "lock"})->ArgsProduct({{0, 1}, {0, 1}});

// TemporaryFile made with `options`, 4 KiB written, persisted, per round.
void persist_unnamed_rounds(benchmark::State& state,
                            const tempfile::TemporaryFileOptions& options) {
  const bool durable = state.range(0) != 0;
  const std::filesystem::path target = target_path();
  for (auto _ : state) {
    tempfile::TemporaryFile file(options);
    file.write(payload());
    file.persist(target, {.durable = durable});
  }
  std::filesystem::remove(target);
}

void BM_Persist_Unnamed(benchmark::State& state) {
  persist_unnamed_rounds(state, {.dir = bench_directory().path()});
}
BENCHMARK(BM_Persist_Unnamed)->ArgName("durable")->Arg(0)->Arg(1);

// The same with an unbuffered file (Python's buffering=0, a FileIO): the 4 KiB go straight to
// the descriptor, with no copy into a buffer and no buffer to recycle. What this row saves
// against the one above is what the buffered layer costs this sequence.
void BM_Persist_Unnamed_Unbuffered(benchmark::State& state) {
  persist_unnamed_rounds(state, {.buffering = 0, .dir = bench_directory().path()});
}
BENCHMARK(BM_Persist_Unnamed_Unbuffered)->ArgName("durable")->Arg(0)->Arg(1);

// The persist step alone: the file is made and written before the clock starts and closed after
// it stops (manual time, one steady_clock reading on each side), so that what is compared is what
// persist() does against the system calls it replaces: the write of the buffered bytes, fsync
// (durable), the identity check of a named file, linkat or rename, and the directory's fsync
// (durable). The hand-written side has written nothing before its clock starts either: its data
// waits in the caller's string as the object's waits in its buffer.
void BM_HandWrittenStep_Unnamed(benchmark::State& state) {
  hand_written_unnamed(state, true);
}
BENCHMARK(BM_HandWrittenStep_Unnamed)->ArgName("durable")->Arg(0)->Arg(1)->UseManualTime();

void BM_HandWrittenStep_Named(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  const std::filesystem::path dir = bench_directory().path();
  const std::string target = target_path();
  StagedNames names(dir);
  for (auto _ : state) {
    const std::string& staged = names.next();
    struct statx ours {};
    const int fd = bench::open_checked(staged, ours);
    const Clock::time_point start = Clock::now();
    if (fd < 0 || !write_all(fd, payload()) || (durable && ::fsync(fd) != 0) ||
        !bench::name_is_still(staged, ours) || ::rename(staged.c_str(), target.c_str()) != 0 ||
        (durable && !sync_directory(dir))) {
      state.SkipWithError("the hand-written sequence failed");
    }
    record(state, start, Clock::now());
    ::close(fd);
  }
  std::filesystem::remove(target);
}
BENCHMARK(BM_HandWrittenStep_Named)->ArgName("durable")->Arg(0)->Arg(1)->UseManualTime();

// The library's side of the step, for either kind of file object.
template <class File, class Options>
void persist_step(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  const Options options{.dir = bench_directory().path()};
  const std::filesystem::path target = target_path();
  for (auto _ : state) {
    File file(options);
    file.write(payload());
    const Clock::time_point start = Clock::now();
    file.persist(target, {.durable = durable});
    record(state, start, Clock::now());
  }
  std::filesystem::remove(target);
}

void BM_PersistStep_Unnamed(benchmark::State& state) {
  persist_step<tempfile::TemporaryFile, tempfile::TemporaryFileOptions>(state);
}
BENCHMARK(BM_PersistStep_Unnamed)->ArgName("durable")->Arg(0)->Arg(1)->UseManualTime();

void BM_PersistStep_Named(benchmark::State& state) {
  persist_step<tempfile::NamedTemporaryFile, tempfile::NamedTemporaryFileOptions>(state);
}
BENCHMARK(BM_PersistStep_Named)->ArgName("durable")->Arg(0)->Arg(1)->UseManualTime();

// atomic_write over an existing target: permissions 0 = preserve_target() (the default: an
// fstat and an lstat more), 1 = umask_default() (what the hand-written open() gives).
void BM_AtomicWrite(benchmark::State& state) {
  const bool durable = state.range(0) != 0;
  const tempfile::AtomicWriteOptions options{
      .durable = durable,
      .permissions = state.range(1) == 0 ? tempfile::PersistMode::preserve_target()
                                         : tempfile::PersistMode::umask_default()};
  const std::filesystem::path target = target_path();
  for (auto _ : state) {
    tempfile::atomic_write(target, payload(), options);
  }
  std::filesystem::remove(target);
}
BENCHMARK(BM_AtomicWrite)->ArgNames({"durable", "umask"})->ArgsProduct({{0, 1}, {0, 1}});

}  // namespace
