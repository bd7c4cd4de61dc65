// SPDX-License-Identifier: MIT
// P5: this library as a peer of the project's peer benchmark harness (protocol in its README): w1
// with mkstemp and with NamedTemporaryFile, w2 with TemporaryFile, w3 with mkdtemp (+ rmdir or
// rmtree) and TemporaryDirectory, w4 with rmtree, w5 with SpooledTemporaryFile, w6 (w1 from 2
// threads) with mkstemp and NamedTemporaryFile. The mkstemp/mkdtemp variants build their options
// per call; the *_once variants and the file objects build them once outside the loop, as a loop
// in user code would. bench/peers.py builds the library and runs the harness with this file.
// The generated version header lives in the build tree, hence its include directory.
// bench-flags: -I$TEMPFILE_SRC/include -I$TEMPFILE_BUILD/include
// bench-flags: $TEMPFILE_BUILD/libtempfile.a -pthread
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "bench.h"
#include "tempfile/tempfile.hpp"

namespace {

// Same ops as the floor's w1: create (O_EXCL, 0600), write the 4 KiB payload, close, unlink.
void w1_op(const std::filesystem::path& dir, const char* payload) {
  auto [fd, path] = tempfile::mkstemp({.dir = dir});
  if (::write(fd, payload, 4096) != 4096) {
    tb_die("write", path.c_str());
  }
  if (::close(fd) != 0) {
    tb_die("close", path.c_str());
  }
  if (::unlink(path.c_str()) != 0) {
    tb_die("unlink", path.c_str());
  }
}

void w1_once_op(const tempfile::MkstempOptions& options, const char* payload) {
  auto [fd, path] = tempfile::mkstemp(options);
  if (::write(fd, payload, 4096) != 4096 || ::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
    tb_die("w1", path.c_str());
  }
}

// The file object: the 4 KiB goes into its buffer and is written by close(), which also
// removes the file (delete_on_close): openat, write, close, unlink.
void w1_named_op(const tempfile::NamedTemporaryFileOptions& options, std::string_view payload) {
  tempfile::NamedTemporaryFile f(options);
  f.write(payload);
  f.close();
}

// O_TMPFILE: openat, write, close.
void w2_op(const tempfile::TemporaryFileOptions& options, std::string_view payload) {
  tempfile::TemporaryFile f(options);
  f.write(payload);
  f.close();
}

void w3_op(const std::filesystem::path& dir) {
  const std::filesystem::path created = tempfile::mkdtemp({.dir = dir});
  if (::rmdir(created.c_str()) != 0) {
    tb_die("rmdir", created.c_str());
  }
}

// The floor's w5: 64 writes of 1 KiB, seek to 0, read everything, close. In memory all along
// for w5mem (max_size 1 MiB); w5roll rolls over to an O_TMPFILE file at 32 KiB.
volatile std::size_t sink;

void w5_op(const tempfile::SpooledTemporaryFileOptions& options, std::string_view chunk) {
  tempfile::SpooledTemporaryFile f(options);
  for (int i = 0; i < TB_SPOOL_TOTAL / TB_CHUNK; ++i) {
    f.write(chunk);
  }
  f.seek(0);
  sink = sink + f.read().size();
  f.close();
}

// The same, reading into the caller's buffer as the floor does (Python's readinto).
void w5_readinto_op(const tempfile::SpooledTemporaryFileOptions& options, std::string_view chunk,
                    std::span<std::byte> into) {
  tempfile::SpooledTemporaryFile f(options);
  for (int i = 0; i < TB_SPOOL_TOTAL / TB_CHUNK; ++i) {
    f.write(chunk);
  }
  f.seek(0);
  sink = sink + f.readinto(into);
  f.close();
}

template <class Op>
double timed(long warmup, long n, Op op) {
  for (long i = 0; i < warmup; ++i) {
    op();
  }
  const double start = tb_now();
  for (long i = 0; i < n; ++i) {
    op();
  }
  return tb_now() - start;
}

// The floor's w6: the warm-up runs on the main thread, then two threads share the N ops (N/2 and
// N - N/2) and the clock runs from before the first thread starts until both are joined. An
// exception cannot cross the thread, so a failing op ends the process as the floor's would.
template <class Op>
double timed_two_threads(long warmup, long n, Op op) {
  for (long i = 0; i < warmup; ++i) {
    op();
  }
  const auto worker = [&op](long count) {
    try {
      for (long i = 0; i < count; ++i) {
        op();
      }
    } catch (const std::exception& failure) {
      std::fprintf(stderr, "bench peer error: %s\n", failure.what());
      std::_Exit(2);
    }
  };
  const double start = tb_now();
  {
    std::jthread first(worker, n / 2);
    std::jthread second(worker, n - n / 2);
  }
  return tb_now() - start;
}

// The *_held variants: the same operations created in a tempfile::Directory opened once before
// the clock starts, so every creation is an openat/mkdirat relative to its descriptor.
int run_held(std::string_view workload, std::string_view variant, long n,
             const std::filesystem::path& dir) {
  const long warmup = tb_warmup(n);
  const tempfile::Directory held(dir);
  if (workload == "w1" && variant == "mkstemp_held") {
    const char* payload = tb_payload();
    const tempfile::MkstempOptions options{.dir = held};
    tb_ok(timed(warmup, n, [&] { w1_once_op(options, payload); }));
    return 0;
  }
  if (workload == "w1" && variant == "NamedTemporaryFile_held") {
    const std::string_view payload(tb_payload(), 4096);
    const tempfile::NamedTemporaryFileOptions options{.dir = held};
    tb_ok(timed(warmup, n, [&] { w1_named_op(options, payload); }));
    return 0;
  }
  if (workload == "w2" && variant == "TemporaryFile_held") {
    const std::string_view payload(tb_payload(), 4096);
    const tempfile::TemporaryFileOptions options{.dir = held};
    tb_ok(timed(warmup, n, [&] { w2_op(options, payload); }));
    return 0;
  }
  if (workload == "w3" && variant == "mkdtemp_held") {
    const tempfile::MkdtempOptions options{.dir = held};
    tb_ok(timed(warmup, n, [&] {
      const std::filesystem::path created = tempfile::mkdtemp(options);
      if (::rmdir(created.c_str()) != 0) {
        tb_die("rmdir", created.c_str());
      }
    }));
    return 0;
  }
  if (workload == "w3" && variant == "TemporaryDirectory_held") {
    const tempfile::TemporaryDirectoryOptions options{.dir = held};
    tb_ok(timed(warmup, n, [&] { tempfile::TemporaryDirectory created(options); }));
    return 0;
  }
  std::puts("unsupported");
  return 3;
}

int run(std::string_view workload, std::string_view variant, long n, const char* dir_text) {
  const std::filesystem::path dir = dir_text;
  const long warmup = tb_warmup(n);
  if (variant.ends_with("_held")) {
    return run_held(workload, variant, n, dir);
  }
  if (workload == "w1" && variant == "mkstemp") {
    const char* payload = tb_payload();
    tb_ok(timed(warmup, n, [&] { w1_op(dir, payload); }));
    return 0;
  }
  if (workload == "w1" && variant == "mkstemp_once") {
    const char* payload = tb_payload();
    const tempfile::MkstempOptions options{.dir = dir};
    tb_ok(timed(warmup, n, [&] { w1_once_op(options, payload); }));
    return 0;
  }
  if (workload == "w1" && variant == "NamedTemporaryFile") {
    const std::string_view payload(tb_payload(), 4096);
    const tempfile::NamedTemporaryFileOptions options{.dir = dir};
    tb_ok(timed(warmup, n, [&] { w1_named_op(options, payload); }));
    return 0;
  }
  if (workload == "w6" && variant == "mkstemp") {
    const char* payload = tb_payload();
    tb_ok(timed_two_threads(warmup, n, [&] { w1_op(dir, payload); }));
    return 0;
  }
  if (workload == "w6" && variant == "NamedTemporaryFile") {
    const std::string_view payload(tb_payload(), 4096);
    const tempfile::NamedTemporaryFileOptions options{.dir = dir};
    tb_ok(timed_two_threads(warmup, n, [&] { w1_named_op(options, payload); }));
    return 0;
  }
  if (workload == "w2" && variant == "TemporaryFile") {
    const std::string_view payload(tb_payload(), 4096);
    const tempfile::TemporaryFileOptions options{.dir = dir};
    tb_ok(timed(warmup, n, [&] { w2_op(options, payload); }));
    return 0;
  }
  if (workload == "w3" && variant == "mkdtemp_once") {
    const tempfile::MkdtempOptions options{.dir = dir};
    tb_ok(timed(warmup, n, [&] {
      const std::filesystem::path created = tempfile::mkdtemp(options);
      if (::rmdir(created.c_str()) != 0) {
        tb_die("rmdir", created.c_str());
      }
    }));
    return 0;
  }
  if (workload == "w3" && variant == "mkdtemp_rmtree") {
    const tempfile::MkdtempOptions options{.dir = dir};
    tb_ok(timed(warmup, n, [&] { tempfile::rmtree(tempfile::mkdtemp(options)); }));
    return 0;
  }
  if (workload == "w3" && variant == "TemporaryDirectory") {
    const tempfile::TemporaryDirectoryOptions options{.dir = dir};
    tb_ok(timed(warmup, n, [&] { tempfile::TemporaryDirectory created(options); }));
    return 0;
  }
  if ((workload == "w4tree" || workload == "w4flat") &&
      (variant == "rmtree" || variant == "rmtree_sequential" || variant == "rmtree_parallel")) {
    tempfile::RmtreeOptions options;  // rmtree: automatic, threads only for a wide directory
    if (variant == "rmtree_sequential") {
      options.parallel = tempfile::RmtreeParallel::never;
    } else if (variant == "rmtree_parallel") {
      options.parallel = tempfile::RmtreeParallel::always;
    }
    const double start = tb_now();
    tempfile::rmtree(dir, options);
    tb_ok(tb_now() - start);
    return 0;
  }
  if (workload == "w3" && variant == "mkdtemp") {
    tb_ok(timed(warmup, n, [&] { w3_op(dir); }));
    return 0;
  }
  if ((workload == "w5mem" || workload == "w5roll") &&
      (variant == "SpooledTemporaryFile" || variant == "SpooledTemporaryFile_readinto")) {
    const std::string_view chunk(tb_payload(), TB_CHUNK);
    const tempfile::SpooledTemporaryFileOptions options{
        .max_size = workload == "w5mem" ? TB_MEM_MAX : TB_ROLL_MAX, .dir = dir};
    if (variant == "SpooledTemporaryFile") {
      tb_ok(timed(warmup, n, [&] { w5_op(options, chunk); }));
    } else {
      std::vector<std::byte> into(TB_SPOOL_TOTAL);
      tb_ok(timed(warmup, n, [&] { w5_readinto_op(options, chunk, into); }));
    }
    return 0;
  }
  std::puts("unsupported");
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "list") == 0) {
    std::puts("w1 mkstemp tempfile::mkstemp({.dir})+write+close+unlink");
    std::puts("w1 mkstemp_once tempfile::mkstemp(options built once)+write+close+unlink");
    std::puts("w1 NamedTemporaryFile tempfile::NamedTemporaryFile+write+close(deletes)");
    std::puts("w2 TemporaryFile tempfile::TemporaryFile(O_TMPFILE)+write+close");
    std::puts("w3 mkdtemp tempfile::mkdtemp({.dir})+rmdir");
    std::puts("w3 mkdtemp_once tempfile::mkdtemp(options built once)+rmdir");
    std::puts("w3 mkdtemp_rmtree tempfile::mkdtemp+tempfile::rmtree (the tree remover)");
    std::puts("w3 TemporaryDirectory tempfile::TemporaryDirectory created and destroyed");
    std::puts("w1 mkstemp_held tempfile::mkstemp({.dir = a held tempfile::Directory})");
    std::puts("w1 NamedTemporaryFile_held tempfile::NamedTemporaryFile in a held Directory");
    std::puts("w2 TemporaryFile_held tempfile::TemporaryFile(O_TMPFILE on a held Directory)");
    std::puts("w3 mkdtemp_held tempfile::mkdtemp({.dir = a held Directory})+rmdir");
    std::puts("w3 TemporaryDirectory_held tempfile::TemporaryDirectory in a held Directory");
    std::puts("w4tree rmtree tempfile::rmtree (fd-relative getdents64+unlinkat walk, automatic)");
    std::puts("w4tree rmtree_sequential tempfile::rmtree with .parallel = never");
    std::puts("w4tree rmtree_parallel tempfile::rmtree with .parallel = always (a thread pool)");
    std::puts("w4flat rmtree tempfile::rmtree (fd-relative getdents64+unlinkat walk, automatic)");
    std::puts("w4flat rmtree_sequential tempfile::rmtree with .parallel = never");
    std::puts("w4flat rmtree_parallel tempfile::rmtree with .parallel = always (a thread pool)");
    std::puts("w5mem SpooledTemporaryFile 64x1KiB write, seek 0, read(), close; in memory");
    std::puts("w5mem SpooledTemporaryFile_readinto the same with readinto(64 KiB buffer)");
    std::puts("w5roll SpooledTemporaryFile the same with max_size 32 KiB: rolls over");
    std::puts("w5roll SpooledTemporaryFile_readinto the same with readinto(64 KiB buffer)");
    std::puts("w6 mkstemp 2 std::threads doing w1 mkstemp({.dir})");
    std::puts("w6 NamedTemporaryFile 2 std::threads doing w1 NamedTemporaryFile");
    return 0;
  }
  if (argc != 6 || std::strcmp(argv[1], "run") != 0) {
    std::fprintf(stderr, "usage: %s list | run WORKLOAD VARIANT N DIR\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[2], argv[3], std::atol(argv[4]), argv[5]);
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "bench peer error: %s\n", failure.what());
    return 2;
  }
}
