// SPDX-License-Identifier: MIT
// Google Benchmark of the creation layer: tempfile::mkstemp/mkdtemp against the raw system calls
// and glibc, in one binary and one directory, so that the ratios between them mean something.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "tempfile/tempfile.hpp"

namespace {

// Where every benchmark creates its entries: $BENCH_DIR if set, else a fresh directory on tmpfs
// that is removed at exit (a failed removal means a benchmark leaked an entry, so say so).
class BenchDirectory {
 public:
  BenchDirectory() {
    const char* given = std::getenv("BENCH_DIR");  // NOLINT(concurrency-mt-unsafe): before main
    if (given != nullptr && *given != '\0') {
      text_ = given;
    } else {
      std::string pattern = "/dev/shm/tempfile-bench-XXXXXX";
      if (::mkdtemp(pattern.data()) == nullptr) {
        std::perror("bench_create: mkdtemp under /dev/shm");
        std::exit(EXIT_FAILURE);  // NOLINT(concurrency-mt-unsafe): before main
      }
      text_ = pattern;
      owned_ = true;
    }
    path_ = text_;
    fd_ = ::open(text_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
      std::fprintf(stderr, "bench_create: cannot open BENCH_DIR '%s': %s\n", text_.c_str(),
                   std::strerror(errno));  // NOLINT(concurrency-mt-unsafe): single-threaded
      std::exit(EXIT_FAILURE);             // NOLINT(concurrency-mt-unsafe): before main
    }
  }
  BenchDirectory(const BenchDirectory&) = delete;
  BenchDirectory& operator=(const BenchDirectory&) = delete;
  BenchDirectory(BenchDirectory&&) = delete;
  BenchDirectory& operator=(BenchDirectory&&) = delete;
  ~BenchDirectory() {
    ::close(fd_);
    if (owned_ && ::rmdir(text_.c_str()) != 0) {
      std::fprintf(stderr, "bench_create: could not remove %s (a benchmark left entries): %s\n",
                   text_.c_str(), std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
    }
  }

  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  std::string text_;
  std::filesystem::path path_;
  int fd_ = -1;
  bool owned_ = false;
};

const BenchDirectory& bench_directory() {
  static const BenchDirectory instance;
  return instance;
}

// Shows the directory in the benchmark header; runs during static initialisation, before main.
const bool bench_dir_in_context = [] {
  benchmark::AddCustomContext("bench_dir", bench_directory().text());
  return true;
}();

// The floor's names (the peer harness's p0_floor.c): "tmp" + 10 characters of a 64-letter
// alphabet, from a 4 KiB getrandom buffer, so one getrandom call serves ~400 names.
class RawNames {
 public:
  static constexpr std::size_t random_chars = 10;
  static constexpr std::size_t name_size = 3 + random_chars + 1;
  using Name = std::array<char, name_size>;

  // false only if getrandom fails.
  [[nodiscard]] bool next(Name& out) {
    static constexpr std::string_view alphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    if (next_ + random_chars > bytes_.size()) {
      if (::getrandom(bytes_.data(), bytes_.size(), 0) != static_cast<ssize_t>(bytes_.size())) {
        return false;
      }
      next_ = 0;
    }
    std::memcpy(out.data(), "tmp", 3);
    for (std::size_t i = 0; i < random_chars; ++i) {
      out[3 + i] = alphabet[bytes_[next_++] & 63U];
    }
    out[name_size - 1] = '\0';
    return true;
  }

 private:
  std::array<unsigned char, 4096> bytes_{};
  std::size_t next_ = bytes_.size();
};

// An absolute path "<bench dir>/<name>" built in place, without allocating, for the raw
// variants that pass the same kind of path as tempfile and glibc do.
class AbsolutePath {
 public:
  explicit AbsolutePath(const std::string& dir) : stem_(dir.size() + 1) {
    std::memcpy(buffer_.data(), dir.data(), dir.size());
    buffer_[dir.size()] = '/';
  }
  const char* with(const RawNames::Name& name) {
    std::memcpy(buffer_.data() + stem_, name.data(), name.size());
    return buffer_.data();
  }

 private:
  std::array<char, PATH_MAX> buffer_{};
  std::size_t stem_;
};

void fail(benchmark::State& state, const char* what) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): each benchmark runs on one thread
  const std::string message = std::string(what) + ": " + std::strerror(errno);
  state.SkipWithError(message.c_str());
}

constexpr int exclusive_file_flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

// ---- files: create exclusively + close + unlink ----

// The floor: openat relative to an open directory descriptor, so the kernel resolves one
// component per call.
void file_raw_openat(benchmark::State& state) {
  const int dirfd = bench_directory().fd();
  RawNames names;
  RawNames::Name name{};
  for (auto _ : state) {
    int fd = -1;
    do {
      if (!names.next(name)) {
        return fail(state, "getrandom");
      }
      fd = ::openat(dirfd, name.data(), exclusive_file_flags, 0600);
    } while (fd < 0 && errno == EEXIST);
    if (fd < 0 || ::close(fd) != 0 || ::unlinkat(dirfd, name.data(), 0) != 0) {
      return fail(state, "openat/close/unlinkat");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// The same calls on absolute paths, as tempfile and glibc make them: the difference to the floor
// is the kernel walking every component of the directory on each call.
void file_raw_absolute_path(benchmark::State& state) {
  AbsolutePath path(bench_directory().text());
  RawNames names;
  RawNames::Name name{};
  for (auto _ : state) {
    int fd = -1;
    do {
      if (!names.next(name)) {
        return fail(state, "getrandom");
      }
      fd = ::openat(AT_FDCWD, path.with(name), exclusive_file_flags, 0600);
    } while (fd < 0 && errno == EEXIST);
    if (fd < 0 || ::close(fd) != 0 || ::unlink(path.with(name)) != 0) {
      return fail(state, "openat/close/unlink");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// What a caller writes: the options (and so a copy of the directory path) built on every call.
void file_tempfile_mkstemp(benchmark::State& state) {
  const std::filesystem::path& dir = bench_directory().path();
  for (auto _ : state) {
    auto [fd, path] = tempfile::mkstemp({.dir = dir});
    if (::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
      return fail(state, "close/unlink");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// The options built once outside the loop: isolates the cost of copying the path into them.
void file_tempfile_mkstemp_reused_options(benchmark::State& state) {
  const tempfile::MkstempOptions options{.dir = bench_directory().path()};
  for (auto _ : state) {
    auto [fd, path] = tempfile::mkstemp(options);
    if (::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
      return fail(state, "close/unlink");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// No dir: the cached gettempdir() (pointed at the bench directory) supplies it.
void file_tempfile_mkstemp_default_dir(benchmark::State& state) {
  const std::optional<std::filesystem::path> previous = tempfile::tempdir();
  tempfile::set_tempdir(bench_directory().path());
  for (auto _ : state) {
    auto [fd, path] = tempfile::mkstemp();
    if (::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
      tempfile::set_tempdir(previous);
      return fail(state, "close/unlink");
    }
  }
  tempfile::set_tempdir(previous);
  state.SetItemsProcessed(state.iterations());
}

void file_glibc_mkostemp(benchmark::State& state) {
  const std::string pattern = bench_directory().text() + "/tmpXXXXXX";
  std::string path;
  for (auto _ : state) {
    path = pattern;  // mkostemp overwrites the X's; the capacity is reused
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0 || ::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
      return fail(state, "mkostemp/close/unlink");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- directories: create + remove ----

void dir_raw_mkdirat(benchmark::State& state) {
  const int dirfd = bench_directory().fd();
  RawNames names;
  RawNames::Name name{};
  for (auto _ : state) {
    int result = -1;
    do {
      if (!names.next(name)) {
        return fail(state, "getrandom");
      }
      result = ::mkdirat(dirfd, name.data(), 0700);
    } while (result != 0 && errno == EEXIST);
    if (result != 0 || ::unlinkat(dirfd, name.data(), AT_REMOVEDIR) != 0) {
      return fail(state, "mkdirat/unlinkat");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void dir_raw_absolute_path(benchmark::State& state) {
  AbsolutePath path(bench_directory().text());
  RawNames names;
  RawNames::Name name{};
  for (auto _ : state) {
    int result = -1;
    do {
      if (!names.next(name)) {
        return fail(state, "getrandom");
      }
      result = ::mkdir(path.with(name), 0700);
    } while (result != 0 && errno == EEXIST);
    if (result != 0 || ::rmdir(path.with(name)) != 0) {
      return fail(state, "mkdir/rmdir");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void dir_tempfile_mkdtemp(benchmark::State& state) {
  const std::filesystem::path& dir = bench_directory().path();
  for (auto _ : state) {
    const std::filesystem::path created = tempfile::mkdtemp({.dir = dir});
    if (::rmdir(created.c_str()) != 0) {
      return fail(state, "rmdir");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// W3 with the object: create and destroy an empty TemporaryDirectory (its 7 system calls and the
// object's state); options made once, as in dir_tempfile_mkdtemp.
void dir_tempfile_temporary_directory(benchmark::State& state) {
  const tempfile::TemporaryDirectoryOptions options{.dir = bench_directory().path()};
  for (auto _ : state) {
    const tempfile::TemporaryDirectory directory(options);
    benchmark::DoNotOptimize(&directory);
  }
  state.SetItemsProcessed(state.iterations());
}

void dir_tempfile_mkdtemp_default_dir(benchmark::State& state) {
  const std::optional<std::filesystem::path> previous = tempfile::tempdir();
  tempfile::set_tempdir(bench_directory().path());
  for (auto _ : state) {
    const std::filesystem::path created = tempfile::mkdtemp();
    if (::rmdir(created.c_str()) != 0) {
      tempfile::set_tempdir(previous);
      return fail(state, "rmdir");
    }
  }
  tempfile::set_tempdir(previous);
  state.SetItemsProcessed(state.iterations());
}

void dir_glibc_mkdtemp(benchmark::State& state) {
  const std::string pattern = bench_directory().text() + "/tmpXXXXXX";
  std::string path;
  for (auto _ : state) {
    path = pattern;
    if (::mkdtemp(path.data()) == nullptr || ::rmdir(path.c_str()) != 0) {
      return fail(state, "mkdtemp/rmdir");
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- pieces of tempfile's per-call cost, without system calls ----
// With warm caches these are lower bounds: in the loops above each op runs after system calls
// that evict the caches. The string stands for the path mkstemp/mkdtemp build in any case.

void cost_result_string(benchmark::State& state) {
  const std::string result = bench_directory().text() + "/tmpabcdefgh";
  for (auto _ : state) {
    std::string copy = result;
    benchmark::DoNotOptimize(copy.data());
  }
}

// Returning std::filesystem::path: libstdc++ splits the components (and allocates a list for
// them) on construction.
void cost_result_string_to_path(benchmark::State& state) {
  const std::string result = bench_directory().text() + "/tmpabcdefgh";
  for (auto _ : state) {
    std::string copy = result;
    const std::filesystem::path path(std::move(copy));
    benchmark::DoNotOptimize(path.native().data());
  }
}

// The caller's side of mkstemp({.dir = dir}): the options hold their own copy of the path.
void cost_options_with_dir(benchmark::State& state) {
  const std::filesystem::path& dir = bench_directory().path();
  for (auto _ : state) {
    const tempfile::MkstempOptions options{.dir = dir};
    benchmark::DoNotOptimize(&options);
  }
}

// Real time, not CPU time: most of each op is in the kernel, and the peer harness times the
// wall clock too.
BENCHMARK(file_raw_openat)->UseRealTime();
BENCHMARK(file_raw_absolute_path)->UseRealTime();
BENCHMARK(file_tempfile_mkstemp)->UseRealTime();
BENCHMARK(file_tempfile_mkstemp_reused_options)->UseRealTime();
BENCHMARK(file_tempfile_mkstemp_default_dir)->UseRealTime();
BENCHMARK(file_glibc_mkostemp)->UseRealTime();
BENCHMARK(dir_raw_mkdirat)->UseRealTime();
BENCHMARK(dir_raw_absolute_path)->UseRealTime();
BENCHMARK(dir_tempfile_mkdtemp)->UseRealTime();
BENCHMARK(dir_tempfile_temporary_directory)->UseRealTime();
BENCHMARK(dir_tempfile_mkdtemp_default_dir)->UseRealTime();
BENCHMARK(dir_glibc_mkdtemp)->UseRealTime();
BENCHMARK(cost_result_string);
BENCHMARK(cost_result_string_to_path);
BENCHMARK(cost_options_with_dir);

}  // namespace
