// SPDX-License-Identifier: MIT
// The guardian under threads (run under ThreadSanitizer by the tsan preset): many threads
// starting, using and letting go of the one guardian at once, while another thread forks.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "os/guardian.hpp"
#include "support/scratch.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

constexpr int thread_count = 6;

// GCC 12's AddressSanitizer and ThreadSanitizer runtimes do not make their allocators usable in
// the fork() child of a multi-threaded program (a thread holding an allocator lock at the fork
// leaves it locked in the child, which then hangs in its first allocation; newer runtimes lock
// them around fork). Plain glibc malloc does, so the forking thread runs in the dev and portable
// builds, where the library's own fork hazards were found; under the sanitizers the threads
// still start, use and let go of the guardian together.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool fork_from_threads = false;
#else
constexpr bool fork_from_threads = true;
#endif
constexpr int rounds = 20;

class GuardianConcurrencyTest : public ScratchTest {};

TEST_F(GuardianConcurrencyTest, ManyThreadsCreateAndRemovePseudoDirectoriesWhileAnotherForks) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  // fork() from a multi-threaded owner while the others register and withdraw: each child must
  // find a usable, empty connection (the fork handlers) and start its own guardian.
  std::thread forker([&] {
    while (fork_from_threads && !stop.load()) {
      const pid_t child = ::fork();
      if (child == 0) {
        ::alarm(30);  // a child that inherited a lock held would wait forever: fail instead
        int code = 0;
        try {
          const PseudoTemporaryDirectory own;
          std::ofstream(own.path() / "x") << "x";
          code = os::guardian_status().tickets == 1 ? 0 : 2;
        } catch (...) {
          code = 1;
        }
        ::_exit(os::guardian_status().pid == -1 ? code : 3);
      }
      int status = 0;
      if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
          WEXITSTATUS(status) != 0) {
        failures.fetch_add(1);
      }
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < thread_count; ++t) {
    workers.emplace_back([&] {
      for (int round = 0; round < rounds; ++round) {
        try {
          std::vector<PseudoTemporaryDirectory> held(3);
          for (const auto& directory : held) {
            std::ofstream(directory.path() / "f") << "f";
          }
        } catch (...) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  stop.store(true);
  forker.join();
  EXPECT_EQ(failures.load(), 0);
  // Every directory went with its object, and the guardian with the last one.
  EXPECT_EQ(os::guardian_status().pid, -1);
  EXPECT_EQ(os::guardian_status().tickets, 0U);
}

}  // namespace
}  // namespace tempfile::test
