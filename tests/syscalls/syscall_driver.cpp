// SPDX-License-Identifier: MIT
// Runs one workload of docs/performance.md N times, after one warm-up op, so that
// count_syscalls.py can strace it at two N and assert the system calls per op exactly.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "tempfile/tempfile.hpp"

namespace {

constexpr std::size_t payload_size = 4096;
constexpr std::size_t chunk_size = 1024;
constexpr int chunks = 64;  // W5: 64 KiB in 1 KiB writes
constexpr std::int64_t in_memory_max = std::int64_t{1} << 20;
constexpr std::int64_t rollover_max = std::int64_t{32} << 10;

constexpr std::array<char, payload_size> payload = [] {
  std::array<char, payload_size> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>('a' + i % 26);
  }
  return bytes;
}();

constexpr std::string_view payload_view(payload.data(), payload.size());
constexpr std::string_view chunk_view(payload.data(), chunk_size);

// Any failure ends the run with a message: a count is only meaningful for a working op.
[[noreturn]] void die(const char* what, const std::filesystem::path& path, int error = errno) {
  const std::string reason = error != 0 ? std::generic_category().message(error) : "failed";
  static_cast<void>(
      std::fprintf(stderr, "syscall_driver: %s %s: %s\n", what, path.c_str(), reason.c_str()));
  std::exit(2);  // NOLINT(concurrency-mt-unsafe): single-threaded program
}

// W1: mkstemp, one raw 4 KiB write on the descriptor, close, unlink.
void w1_mkstemp(const std::filesystem::path& dir) {
  auto [fd, path] = tempfile::mkstemp({.dir = dir});
  if (::write(fd, payload.data(), payload.size()) != static_cast<ssize_t>(payload.size())) {
    die("write", path);
  }
  if (::close(fd) != 0) {
    die("close", path);
  }
  if (::unlink(path.c_str()) != 0) {
    die("unlink", path);
  }
}

// W1: the 4 KiB sits in the file object's buffer until close(), which also deletes the file.
void w1_named(const tempfile::NamedTemporaryFileOptions& options) {
  tempfile::NamedTemporaryFile file(options);
  file.write(payload_view);
  file.close();
}

// W2: an unnamed file (O_TMPFILE where the build and file system have it).
void w2_temporary(const tempfile::TemporaryFileOptions& options) {
  tempfile::TemporaryFile file(options);
  file.write(payload_view);
  file.close();
}

// W3: mkdtemp, rmdir.
void w3_mkdtemp(const std::filesystem::path& dir) {
  const std::filesystem::path created = tempfile::mkdtemp({.dir = dir});
  if (::rmdir(created.c_str()) != 0) {
    die("rmdir", created);
  }
}

// W3: an empty TemporaryDirectory, created and cleaned up.
void w3_temporary_directory(const tempfile::TemporaryDirectoryOptions& options) {
  tempfile::TemporaryDirectory directory(options);
  directory.cleanup();
}

// An empty file made by the driver itself (openat, close), as a program would put it there.
void make_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    die("open", path);
  }
  if (::close(fd) != 0) {
    die("close", path);
  }
}

// W3, non-empty: a TemporaryDirectory holding 3 files and a subdirectory with 1 file, cleaned up.
void w3_temporary_directory_tree(const tempfile::TemporaryDirectoryOptions& options) {
  tempfile::TemporaryDirectory directory(options);
  for (const char* name : {"a", "b", "c"}) {
    make_file(directory / name);
  }
  const std::filesystem::path sub = directory / "sub";
  if (::mkdir(sub.c_str(), 0700) != 0) {
    die("mkdir", sub);
  }
  make_file(sub / "d");
  directory.cleanup();
}

// W5: 64 writes of 1 KiB, seek to 0, read everything back, close.
void w5_spooled(const tempfile::SpooledTemporaryFileOptions& options) {
  tempfile::SpooledTemporaryFile file(options);
  for (int i = 0; i < chunks; ++i) {
    file.write(chunk_view);
  }
  file.seek(0);
  if (file.read().size() != chunk_size * chunks) {
    die("short read", options.dir ? options.dir.path() : std::filesystem::path("(in memory)"), 0);
  }
  file.close();
}

template <class Op>
void repeat(long n, Op op) {
  op();  // warm-up: pays for gettempdir's cache, the first random refill, feature probes
  for (long i = 0; i < n; ++i) {
    op();
  }
}

// The same workloads created in a directory held by descriptor (opened once, outside the count):
// the same calls, each relative to the held descriptor.
int run_held(std::string_view workload, long n, const std::filesystem::path& dir) {
  const tempfile::Directory held(dir);
  if (workload == "w1-mkstemp-held") {
    const tempfile::MkstempOptions options{.dir = held};
    repeat(n, [&] {
      auto [fd, path] = tempfile::mkstemp(options);
      if (::write(fd, payload_view.data(), payload_view.size()) !=
              static_cast<ssize_t>(payload_view.size()) ||
          ::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
        die("write, close or unlink", path);
      }
    });
  } else if (workload == "w1-named-held") {
    const tempfile::NamedTemporaryFileOptions options{.dir = held};
    repeat(n, [&] { w1_named(options); });
  } else if (workload == "w2-temporary-held") {
    const tempfile::TemporaryFileOptions options{.dir = held};
    repeat(n, [&] { w2_temporary(options); });
  } else if (workload == "w3-mkdtemp-held") {
    const tempfile::MkdtempOptions options{.dir = held};
    repeat(n, [&] {
      const std::filesystem::path created = tempfile::mkdtemp(options);
      if (::rmdir(created.c_str()) != 0) {
        die("rmdir", created);
      }
    });
  } else if (workload == "w3-temporary-directory-held") {
    const tempfile::TemporaryDirectoryOptions options{.dir = held};
    repeat(n, [&] { w3_temporary_directory(options); });
  } else {
    return 2;
  }
  return 0;
}

int run(std::string_view workload, long n, const std::filesystem::path& dir) {
  if (workload == "w1-mkstemp") {
    repeat(n, [&] { w1_mkstemp(dir); });
  } else if (workload == "w1-named") {
    const tempfile::NamedTemporaryFileOptions options{.dir = dir};
    repeat(n, [&] { w1_named(options); });
  } else if (workload == "w2-temporary") {
    const tempfile::TemporaryFileOptions options{.dir = dir};
    repeat(n, [&] { w2_temporary(options); });
  } else if (workload == "w3-mkdtemp") {
    repeat(n, [&] { w3_mkdtemp(dir); });
  } else if (workload == "w3-temporary-directory") {
    const tempfile::TemporaryDirectoryOptions options{.dir = dir};
    repeat(n, [&] { w3_temporary_directory(options); });
  } else if (workload == "w3-temporary-directory-tree") {
    const tempfile::TemporaryDirectoryOptions options{.dir = dir};
    repeat(n, [&] { w3_temporary_directory_tree(options); });
  } else if (workload.ends_with("-held")) {
    return run_held(workload, n, dir);
  } else if (workload == "w5a-spooled-memory") {
    const tempfile::SpooledTemporaryFileOptions options{.max_size = in_memory_max};
    repeat(n, [&] { w5_spooled(options); });
  } else if (workload == "w5b-spooled-rollover") {
    const tempfile::SpooledTemporaryFileOptions options{.max_size = rollover_max, .dir = dir};
    repeat(n, [&] { w5_spooled(options); });
  } else {
    static_cast<void>(std::fprintf(stderr, "syscall_driver: unknown workload '%.*s'\n",
                                   static_cast<int>(workload.size()), workload.data()));
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    static_cast<void>(std::fprintf(
        stderr,
        "usage: %s WORKLOAD N DIR\n"
        "workloads: w1-mkstemp w1-named w2-temporary w3-mkdtemp w3-temporary-directory "
        "w3-temporary-directory-tree w5a-spooled-memory w5b-spooled-rollover, and w1-mkstemp, "
        "w1-named, w2-temporary, w3-mkdtemp, w3-temporary-directory with -held (in a "
        "tempfile::Directory)\n",
        argv[0]));
    return 2;
  }
  const std::string_view count_text(argv[2]);
  long n = -1;
  const auto [end, error] =
      std::from_chars(count_text.data(), count_text.data() + count_text.size(), n);
  if (error != std::errc{} || end != count_text.data() + count_text.size() || n < 0) {
    static_cast<void>(std::fprintf(stderr, "syscall_driver: bad N '%s'\n", argv[2]));
    return 2;
  }
  try {
    return run(argv[1], n, argv[3]);
  } catch (const std::exception& failure) {
    static_cast<void>(std::fprintf(stderr, "syscall_driver: %s\n", failure.what()));
    return 2;
  }
}
