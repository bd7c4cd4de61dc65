// SPDX-License-Identifier: MIT
// Scale runs: how the library's costs grow with size, one mode per process (so the peak RSS
// belongs to that run alone). Each mode prints one JSON object per line; bench/peers.py
// --scale drives it and writes the "Scale" section of docs/performance.md.
//
//   bench_scale rmtree K DIR     build a tree of K entries in DIR (untimed), time rmtree on it;
//                                peak RSS and peak open descriptors (sampled) during the removal
//   bench_scale rmtree-deep D DIR  the same on a chain D directories deep (the descriptor window)
//   bench_scale live K DIR       K NamedTemporaryFiles alive at once: ns per creation and per
//                                destruction around 10^3, 10^4, 10^5 live (registration O(1)?)
//   bench_scale exit K DIR       a child creates K NamedTemporaryFiles and calls exit(): time from
//                                exit() to the parent's waitpid, and whether DIR is empty after
//   bench_scale spooled BYTES DIR  BYTES through a SpooledTemporaryFile (rollover at 1 MiB): write
//                                and read throughput, peak RSS
//   bench_scale threads N DIR    N w1 ops (mkstemp, NamedTemporaryFile) on 1 thread, then on 2
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tempfile/tempfile.hpp"

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// This thread's CPU time: on a machine shared with other builds, waiting for a CPU inflates the
// wall clock but not this, so a growth in cost per item shows through the noise.
double cpu_now() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const char* what, const std::string& path) {
  std::fprintf(stderr, "bench_scale: %s %s: %s\n", what, path.c_str(), std::strerror(errno));
  std::exit(2);
}

// The peak resident set of this program, from /proc/self/status's VmHWM: getrusage's ru_maxrss
// would do, but it keeps the high-water mark of the process before exec (the driving Python
// script's, 18 MiB), which hides a small program's own peak.
long peak_rss_kib() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
  }
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) {
      kib = std::strtol(line + 6, nullptr, 10);
    }
  }
  std::fclose(status);
  return kib;
}

// Starts the peak over from the current resident set (Linux 4.0 and later), so that the
// removal's peak is not the tree builder's.
void reset_peak_rss() {
  if (std::FILE* refs = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", refs);
    std::fclose(refs);
  }
}

// Open descriptors right now, counted through a /proc/self/fd listing (which holds one itself:
// not counted).
int open_descriptors() {
  DIR* listing = ::opendir("/proc/self/fd");
  if (listing == nullptr) {
    return -1;
  }
  int count = 0;
  while (const dirent* entry = ::readdir(listing)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  ::closedir(listing);
  return count - 1;
}

// Samples the descriptor count every 50 µs on the other core while the removal runs: rmtree
// promises a bounded window (16 directory descriptors), and this is the outside check of it.
class DescriptorSampler {
 public:
  // Returns once the first sample is taken, so that even a removal shorter than the thread's
  // start-up is sampled at least before and after.
  DescriptorSampler()
      : thread_([this] {
          do {
            const int count = open_descriptors();
            if (count > peak_) {
              peak_ = count;
            }
            ++samples_;
            started_.store(true);
            std::this_thread::sleep_for(std::chrono::microseconds(50));
          } while (!stop_.load(std::memory_order_relaxed));
        }) {
    while (!started_.load()) {
      std::this_thread::yield();
    }
  }
  // Joins the sampler; the counts are final afterwards.
  void stop() {
    stop_.store(true);
    thread_.join();
  }
  [[nodiscard]] int peak() const { return peak_; }
  [[nodiscard]] long samples() const { return samples_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> started_{false};
  int peak_ = 0;
  long samples_ = 0;
  std::thread thread_;
};

void make_file(int parent, const std::string& name) {
  const int fd = ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::close(fd) != 0) {
    die("create", name);
  }
}

int make_dir(int parent, const std::string& name) {
  if (::mkdirat(parent, name.c_str(), 0700) != 0) {
    die("mkdir", name);
  }
  const int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    die("open", name);
  }
  return fd;
}

// "f12", "d3": built in a buffer, because g++ 12's -Wrestrict misfires on "f" + std::to_string().
std::string entry_name(char kind, int index) {
  char name[16];
  std::snprintf(name, sizeof name, "%c%d", kind, index);
  return name;
}

// A tree of `entries` entries: every directory holds up to 100 empty files and 10
// subdirectories, filled breadth first, so 10^6 entries are about 9,000 directories 4 to 5
// levels deep (the shape of a build or package tree, not a pathological one). The queue holds
// paths, not descriptors: 9,000 open directories would pass a common descriptor limit.
void build_wide_tree(const std::string& root, long entries) {
  constexpr int files_per_dir = 100;
  constexpr int dirs_per_dir = 10;
  ::close(make_dir(AT_FDCWD, root));
  std::vector<std::string> queue{root};
  long made = 0;
  for (std::size_t next = 0; next < queue.size() && made < entries; ++next) {
    const std::string path = queue[next];
    const int dir = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
      die("open", path);
    }
    for (int i = 0; i < files_per_dir && made < entries; ++i, ++made) {
      make_file(dir, entry_name('f', i));
    }
    for (int i = 0; i < dirs_per_dir && made < entries; ++i, ++made) {
      const std::string name = entry_name('d', i);
      ::close(make_dir(dir, name));
      queue.push_back(path + '/' + name);
    }
    ::close(dir);
  }
}

// A chain `depth` directories deep with one file at each level: deeper than the descriptor
// window, so the remover must close and re-open levels.
long build_deep_tree(const std::string& root, long depth) {
  int dir = make_dir(AT_FDCWD, root);
  long made = 0;
  for (long level = 0; level < depth; ++level) {
    make_file(dir, "f");
    const int child = make_dir(dir, "d");
    ::close(dir);
    dir = child;
    made += 2;
  }
  ::close(dir);
  return made;
}

int time_rmtree(const std::string& root, long entries, const char* shape) {
  reset_peak_rss();
  const long rss_before = peak_rss_kib();
  const int descriptors_before = open_descriptors();
  DescriptorSampler sampler;
  const double start = now();
  const double cpu_start = cpu_now();
  tempfile::rmtree(root);
  const double cpu_seconds = cpu_now() - cpu_start;
  const double seconds = now() - start;
  sampler.stop();
  if (std::filesystem::exists(root)) {
    die("left behind", root);
  }
  std::printf(
      "{\"mode\": \"rmtree\", \"shape\": \"%s\", \"entries\": %ld, \"seconds\": %.6f, "
      "\"ns_per_entry\": %.1f, \"cpu_ns_per_entry\": %.1f, \"rss_before_kib\": %ld, "
      "\"peak_rss_kib\": %ld, "
      "\"descriptors_before\": %d, \"peak_descriptors\": %d, \"fd_samples\": %ld}\n",
      shape, entries, seconds, seconds / static_cast<double>(entries) * 1e9,
      cpu_seconds / static_cast<double>(entries) * 1e9, rss_before, peak_rss_kib(),
      descriptors_before, sampler.peak(), sampler.samples());
  return 0;
}

// CPU time per item of `count` creations and then `count` destructions (oldest first), by
// blocks of 100.
struct Blocks {
  std::vector<double> create;
  std::vector<double> destroy;
};
constexpr long block = 100;

template <class Make, class Destroy>
Blocks time_blocks(long count, Make make, Destroy destroy) {
  Blocks blocks;
  for (long made = 0; made < count;) {
    const long step = std::min(block, count - made);
    const double start = cpu_now();
    for (long i = made; i < made + step; ++i) {
      make(i);
    }
    blocks.create.push_back((cpu_now() - start) / static_cast<double>(step));
    made += step;
  }
  for (long gone = 0; gone < count;) {
    const long step = std::min(block, count - gone);
    const double start = cpu_now();
    for (long i = gone; i < gone + step; ++i) {
      destroy(i);
    }
    blocks.destroy.push_back((cpu_now() - start) / static_cast<double>(step));
    gone += step;
  }
  return blocks;
}

// Live objects are closed at once with delete_on_close = false: each keeps its file and its
// exit-cleanup registration until it dies, but no descriptor, so 10^5 of them fit under a
// descriptor limit of 20,000 (which an unprivileged process, or a container without
// CAP_SYS_RESOURCE, cannot raise).
tempfile::NamedTemporaryFileOptions live_options(const std::string& dir) {
  return {.dir = std::filesystem::path(dir), .delete_on_close = false};
}

// K live NamedTemporaryFiles: CPU time per creation, reported at 10^3, 10^4, 10^5 ... live as
// the median of the blocks of 100 that end between half that number and it; then destruction in
// creation order (the oldest registration withdrawn first), the same way. The same with mkstemp() +
// close (no object, no registration) separates the library's registration from what the kernel's
// costs do with a large directory.
int live_objects(long count, const std::string& dir) {
  const std::filesystem::path where(dir);
  const tempfile::NamedTemporaryFileOptions options = live_options(dir);
  std::vector<std::unique_ptr<tempfile::NamedTemporaryFile>> files(static_cast<std::size_t>(count));
  const Blocks named = time_blocks(
      count,
      [&](long i) {
        auto& file = files[static_cast<std::size_t>(i)];
        file = std::make_unique<tempfile::NamedTemporaryFile>(options);
        file->close();
      },
      [&](long i) { files[static_cast<std::size_t>(i)].reset(); });
  const long rss_named = peak_rss_kib();
  const tempfile::MkstempOptions raw_options{.dir = where};
  std::vector<tempfile::MkstempResult> raw(static_cast<std::size_t>(count));
  const Blocks baseline = time_blocks(
      count,
      [&](long i) {
        auto& made = raw[static_cast<std::size_t>(i)];
        made = tempfile::mkstemp(raw_options);
        if (::close(made.fd) != 0) {
          die("close", made.path.string());
        }
      },
      [&](long i) {
        const auto& made = raw[static_cast<std::size_t>(i)];
        if (::unlink(made.path.c_str()) != 0) {
          die("remove", made.path.string());
        }
      });
  // Creation block i ends at (i + 1) * block live; destruction block j starts at count - j * block.
  const auto median_between = [](const std::vector<double>& times, auto live_of, long low,
                                 long high) {
    std::vector<double> picked;
    for (std::size_t i = 0; i < times.size(); ++i) {
      const long live = live_of(static_cast<long>(i));
      if (live > low && live <= high) {
        picked.push_back(times[i]);
      }
    }
    std::sort(picked.begin(), picked.end());
    return picked.empty() ? 0.0 : picked[picked.size() / 2] * 1e9;
  };
  const auto created_live = [](long i) { return (i + 1) * block; };
  const auto destroyed_live = [count](long j) { return count - j * block; };
  for (long live = 1000; live <= count; live *= 10) {
    std::printf(
        "{\"mode\": \"live\", \"total\": %ld, \"live\": %ld, "
        "\"ns_per_create\": %.1f, \"ns_per_destroy\": %.1f, \"raw_ns_per_create\": %.1f, "
        "\"raw_ns_per_destroy\": %.1f, \"peak_rss_kib\": %ld}\n",
        count, live, median_between(named.create, created_live, live / 2, live),
        median_between(named.destroy, destroyed_live, live / 2, live),
        median_between(baseline.create, created_live, live / 2, live),
        median_between(baseline.destroy, destroyed_live, live / 2, live), rss_named);
  }
  return 0;
}

long entries_in(const std::string& dir) {
  long count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++count;
  }
  return count;
}

// The child leaves its K objects alive (leaked on purpose: exit() runs no destructors of
// automatic or leaked objects), so the library's exit handler is what removes the files. The
// child sends the time it calls exit(); the parent's clock stops when waitpid returns.
int exit_cleanup(long count, const std::string& dir) {
  int channel[2];
  if (::pipe(channel) != 0) {
    die("pipe", "");
  }
  const pid_t child = ::fork();
  if (child < 0) {
    die("fork", "");
  }
  if (child == 0) {
    ::close(channel[0]);
    double create_seconds = 0;
    try {
      const tempfile::NamedTemporaryFileOptions options = live_options(dir);
      auto* files = new std::vector<tempfile::NamedTemporaryFile>();
      files->reserve(static_cast<std::size_t>(count));
      const double start = now();
      for (long i = 0; i < count; ++i) {
        files->emplace_back(options).close();
      }
      create_seconds = now() - start;
    } catch (const std::exception& failure) {
      std::fprintf(stderr, "bench_scale: child: %s\n", failure.what());
      std::_Exit(3);
    }
    const double times[2] = {create_seconds, now()};
    if (::write(channel[1], times, sizeof times) != static_cast<ssize_t>(sizeof times)) {
      std::_Exit(4);
    }
    std::exit(0);
  }
  ::close(channel[1]);
  double times[2] = {0, 0};
  const ssize_t got = ::read(channel[0], times, sizeof times);
  int status = 0;
  ::waitpid(child, &status, 0);
  const double reaped = now();
  if (got != static_cast<ssize_t>(sizeof times) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench_scale: child failed (status %d)\n", status);
    return 2;
  }
  const double seconds = reaped - times[1];
  std::printf(
      "{\"mode\": \"exit\", \"files\": %ld, \"exit_seconds\": %.6f, "
      "\"ns_per_file\": %.1f, \"create_ns_per_file\": %.1f, \"left\": %ld}\n",
      count, seconds, seconds / static_cast<double>(count) * 1e9,
      times[0] / static_cast<double>(count) * 1e9, entries_in(dir));
  return 0;
}

// BYTES in 64 KiB writes, seek(0), read back in 64 KiB readinto()s. The spooled part is 1 MiB
// (max_size), then the file on DIR takes it: the peak RSS after rollover should stay near the
// 1 MiB plus the 64 KiB buffers, not grow with BYTES (tmpfs pages are not counted in RSS).
int spooled(long long bytes, const std::string& dir) {
  constexpr std::size_t chunk = 64 * 1024;
  constexpr std::int64_t max_size = 1 << 20;
  std::vector<char> out(chunk, 'x');
  std::vector<std::byte> in(chunk);
  const long rss_before = peak_rss_kib();
  tempfile::SpooledTemporaryFile file(tempfile::SpooledTemporaryFileOptions{
      .max_size = max_size, .dir = std::filesystem::path(dir)});
  const double start = now();
  for (long long written = 0; written < bytes; written += static_cast<long long>(chunk)) {
    file.write(std::string_view(out.data(), out.size()));
  }
  const double written_at = now();
  const long rss_after_write = peak_rss_kib();
  file.seek(0);
  long long read = 0;
  for (std::size_t got = 0; (got = file.readinto(std::span<std::byte>(in))) > 0;) {
    read += static_cast<long long>(got);
  }
  const double read_at = now();
  const bool rolled = file.rolled();
  file.close();
  if (read != bytes) {
    std::fprintf(stderr, "bench_scale: read %lld of %lld bytes\n", read, bytes);
    return 2;
  }
  constexpr double gib = 1024.0 * 1024.0 * 1024.0;
  std::printf(
      "{\"mode\": \"spooled\", \"bytes\": %lld, \"max_size\": %lld, \"rolled\": %s, "
      "\"write_gib_s\": %.3f, \"read_gib_s\": %.3f, \"rss_before_kib\": %ld, "
      "\"rss_after_write_kib\": %ld, \"peak_rss_kib\": %ld}\n",
      bytes, static_cast<long long>(max_size), rolled ? "true" : "false",
      static_cast<double>(bytes) / gib / (written_at - start),
      static_cast<double>(bytes) / gib / (read_at - written_at), rss_before, rss_after_write,
      peak_rss_kib());
  return 0;
}

// W1 (create, write 4 KiB, close, remove) N times on one thread, then N in total on two, as the
// harness's W6; ns per op of each and the ratio (1.0: no contention in the library, 0.5: two
// threads doing the work of one).
int threads(long n, const std::string& dir) {
  static const std::string payload(4096, 'p');
  const std::filesystem::path where(dir);
  const tempfile::NamedTemporaryFileOptions named_options{.dir = where};
  const tempfile::MkstempOptions mkstemp_options{.dir = where};
  const auto named = [&] {
    tempfile::NamedTemporaryFile file(named_options);
    file.write(payload);
    file.close();
  };
  const auto raw = [&] {
    auto [fd, path] = tempfile::mkstemp(mkstemp_options);
    if (::write(fd, payload.data(), payload.size()) != static_cast<ssize_t>(payload.size()) ||
        ::close(fd) != 0 || ::unlink(path.c_str()) != 0) {
      die("w1", path.string());
    }
  };
  const auto run = [n](auto op, int workers) {
    const auto loop = [&op](long count) {
      for (long i = 0; i < count; ++i) {
        op();
      }
    };
    loop(n / 20);  // warm-up
    const double start = now();
    if (workers == 1) {
      loop(n);
    } else {
      std::jthread first(loop, n / 2);
      std::jthread second(loop, n - n / 2);
    }
    return (now() - start) / static_cast<double>(n);
  };
  const double named_one = run(named, 1);
  const double named_two = run(named, 2);
  const double raw_one = run(raw, 1);
  const double raw_two = run(raw, 2);
  std::printf(
      "{\"mode\": \"threads\", \"variant\": \"NamedTemporaryFile\", \"n\": %ld, "
      "\"ns_per_op_1\": %.1f, \"ns_per_op_2\": %.1f}\n"
      "{\"mode\": \"threads\", \"variant\": \"mkstemp\", \"n\": %ld, \"ns_per_op_1\": %.1f, "
      "\"ns_per_op_2\": %.1f}\n",
      n, named_one * 1e9, named_two * 1e9, n, raw_one * 1e9, raw_two * 1e9);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs("usage: bench_scale <rmtree|rmtree-deep|live|exit|spooled|threads> <count> <dir>\n",
               stderr);
    return 2;
  }
  const std::string_view mode = argv[1];
  const long long count = std::strtoll(argv[2], nullptr, 10);
  const std::string dir = argv[3];
  try {
    if (mode == "rmtree") {
      const std::string root = std::filesystem::path(dir) / "tree";
      build_wide_tree(root, static_cast<long>(count));
      return time_rmtree(root, static_cast<long>(count), "wide");
    }
    if (mode == "rmtree-deep") {
      const std::string root = std::filesystem::path(dir) / "tree";
      const long entries = build_deep_tree(root, static_cast<long>(count));
      return time_rmtree(root, entries, "deep");
    }
    if (mode == "live") {
      return live_objects(static_cast<long>(count), dir);
    }
    if (mode == "exit") {
      return exit_cleanup(static_cast<long>(count), dir);
    }
    if (mode == "spooled") {
      return spooled(count, dir);
    }
    if (mode == "threads") {
      return threads(static_cast<long>(count), dir);
    }
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "bench_scale: %s\n", failure.what());
    return 2;
  }
  std::fputs("bench_scale: unknown mode\n", stderr);
  return 2;
}
