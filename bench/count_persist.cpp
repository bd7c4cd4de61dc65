// SPDX-License-Identifier: MIT
// Runs one persist or atomic_write workload N times, for exact system-call counts under strace
// (the difference of two N): count_persist <workload> <durable 0|1> <N> <dir>, the workloads
// those of bench_persist: hand-named, hand-named-checked, hand-unnamed, persist-named,
// persist-named-nolock, persist-unnamed, atomic, atomic-umask.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "hand_written.hpp"
#include "tempfile/tempfile.hpp"

namespace {

using bench::StagedNames;
using bench::sync_directory;
using bench::write_all;

// One round of `workload`; false when it failed. The paths are made once, by the caller, and so
// are the objects' options (as bench_persist does): building them copies `dir`, a
// std::filesystem::path (hundreds of instructions), which is the caller's cost, not the
// library's. Never inlined: bench/count_lines.py splits its trace at each entry to this function.
[[gnu::noinline]] bool run(std::string_view workload, bool durable,
                           const std::filesystem::path& dir,
                           const std::filesystem::path& target_path, const std::string& data) {
  const std::string& target = target_path.native();
  static StagedNames names(dir);
  if (workload == "hand-named" || workload == "hand-named-checked") {
    return bench::named_round(names.next(), target, dir, data, durable,
                              workload == "hand-named-checked");
  }
#ifdef O_TMPFILE
  if (workload == "hand-unnamed") {
    const std::string& staged = names.next();
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    const bool done = bench::publish_unnamed(fd, staged, target, dir, data, durable);
    ::close(fd);
    return done;
  }
#endif
  if (workload == "persist-named" || workload == "persist-named-nolock") {
    static const tempfile::NamedTemporaryFileOptions options{.dir = dir,
                                                             .lock = workload == "persist-named"};
    tempfile::NamedTemporaryFile file(options);
    file.write(data);
    file.persist(target_path, {.durable = durable});
  } else if (workload == "persist-unnamed") {
    static const tempfile::TemporaryFileOptions options{.dir = dir};
    tempfile::TemporaryFile file(options);
    file.write(data);
    file.persist(target_path, {.durable = durable});
  } else if (workload == "atomic") {
    tempfile::atomic_write(target_path, data, {.durable = durable});
  } else if (workload == "atomic-umask") {
    tempfile::atomic_write(
        target_path, data,
        {.durable = durable, .permissions = tempfile::PersistMode::umask_default()});
  } else {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fputs("usage: count_persist <workload> <durable 0|1> <N> <dir>\n", stderr);
    return 2;
  }
  const std::string data(4096, 'p');
  const long rounds = std::strtol(argv[3], nullptr, 10);
  const std::filesystem::path dir = argv[4];
  const std::filesystem::path target = dir / "target";
  try {
    for (long i = 0; i < rounds; ++i) {
      if (!run(argv[1], std::string_view(argv[2]) == "1", dir, target, data)) {
        std::fputs("count_persist: the workload failed or is unknown\n", stderr);
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "count_persist: %s\n", e.what());
    return 1;
  }
  return 0;
}
