// SPDX-License-Identifier: MIT
// The subtree-swap race against the parallel tree removal: an attacker thread keeps renaming a
// subdirectory a worker is given and putting a symbolic link to a victim in its place. Nothing
// outside the tree may be touched; the race is shown to land, and a naive remover in the same
// harness loses victim files; the same through TemporaryDirectory::cleanup() fanned out. Label
// concurrency: also run under ThreadSanitizer.
#include <sched.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "support/scratch.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using os::RemovalFailure;
using os::RemovalObserver;

// Gives the processor away before each step (so the attacker runs inside the workers' windows
// even on one core), and counts the descents into `watched` that found the attacker's link
// there: the race landing where a worker was about to open the directory. Also tells whether
// any step ran on another thread than the one that made it: the pool's workers took part.
class RaceWatcher final : public RemovalObserver {
 public:
  explicit RaceWatcher(fs::path watched) : watched_(std::move(watched)) {}
  void before(Step step, const std::string& path) noexcept override {
    if (std::this_thread::get_id() != creator_) {
      on_workers_.store(true, std::memory_order_relaxed);
    }
    // Before a worker opens `a`, wait (a few hundred yields at most) for the attacker's link:
    // the open that follows then often meets it, which the control below counts.
    if (step == Step::descend && path == "a") {
      for (int tries = 0; tries < 500; ++tries) {
        struct stat info {};
        if (::lstat(watched_.c_str(), &info) == 0 && S_ISLNK(info.st_mode)) {
          landed_.fetch_add(1, std::memory_order_relaxed);
          break;
        }
        ::sched_yield();
      }
    }
    ::sched_yield();
  }
  [[nodiscard]] int landed() const { return landed_.load(); }
  [[nodiscard]] bool on_workers() const { return on_workers_.load(); }

 private:
  fs::path watched_;
  std::thread::id creator_ = std::this_thread::get_id();
  std::atomic<int> landed_{0};
  std::atomic<bool> on_workers_{false};
};

// The race lands (the link in place when a worker descends) in a third to a half of the rounds,
// so 80 rounds give some 25 to 40 landings; 150 rounds cost 7 to 8 s per test in each of three
// trees for no more certainty than that.
constexpr int race_rounds = 80;
// Under heavy load (other tests, the sanitizers) a run of rounds can pass with no landing or no
// worker taking part; the rounds then go on, every one still checked, until both were seen.
constexpr int max_race_rounds = 800;

// Whether another round is due: the planned ones, then more while a control is still unmet.
bool another_round(int round, int landed, int parallel_rounds) {
  return round < race_rounds || (round < max_race_rounds && (landed == 0 || parallel_rounds == 0));
}

class RemoveTreeParallelRaceTest : public ScratchTest {};

TEST_F(RemoveTreeParallelRaceTest, SubtreeSwapDuringParallelWalkNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  std::size_t lost = 0;
  int landed = 0;
  int parallel_rounds = 0;
  int rounds = 0;
  for (; another_round(rounds, landed, parallel_rounds); ++rounds) {
    RaceWatcher watcher(fast.path() / "tree" / "a");
    // `tree` holds 40 small siblings of `a`, enough for the pool to share out.
    lost += subtree_swap_round(
        fast.path() / "tree", fast.path() / "victim", "deep", 20, 40, [&](const fs::path& tree) {
          std::vector<RemovalFailure> failures;
          static_cast<void>(os::remove_tree(
              os::current_directory_fd, tree.c_str(), failures,
              os::ParallelRemoval{.mode = os::ParallelRemoval::Mode::always, .max_threads = 4},
              &watcher));
        });
    landed += watcher.landed() > 0 ? 1 : 0;
    parallel_rounds += watcher.on_workers() ? 1 : 0;
  }
  EXPECT_GT(parallel_rounds, 0) << "no round had a worker thread remove anything";
  EXPECT_EQ(lost, 0U) << "victim files deleted by the parallel walk";
  // The race lands: in some rounds a worker about to open `a` found the attacker's link there.
  EXPECT_GT(landed, 0) << "the attacker never had its link in place when a worker descended";
  std::printf("the link was in place at a descent in %d/%d rounds (%d with workers)\n", landed,
              rounds, parallel_rounds);

  // Positive control: the same harness does reach the victim through a naive remover.
  const ControlRun control = run_until_first_loss([&] {
    return subtree_swap_round(fast.path() / "tree", fast.path() / "victim", "deep", 20, 40,
                              naive_remove) > 0;
  });
  EXPECT_TRUE(control.lost) << "positive control: the naive remover survived " << control.rounds
                            << " rounds";
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// The same race against TemporaryDirectory::cleanup() with its walk fanned out (always, so
// every round has a pool): `a` and its 40 siblings are in the TemporaryDirectory, which removes
// them through its held root descriptor. Nothing outside it is touched; the race lands and the
// workers take part; the naive remover in the same harness loses victim files.
TEST_F(RemoveTreeParallelRaceTest, SubtreeSwapDuringParallelCleanupNeverReachesTheVictim) {
  const FastDirectory fast(scratch());
  std::size_t lost = 0;
  int landed = 0;
  int parallel_rounds = 0;
  int rounds = 0;
  for (; another_round(rounds, landed, parallel_rounds); ++rounds) {
    TemporaryDirectory directory({.dir = fast.path(),
                                  .ignore_cleanup_errors = true,
                                  .cleanup_parallel = RmtreeParallel::always});
    RaceWatcher watcher(directory.path() / "a");
    const HeldRemovalObserved observed(&watcher);
    lost += subtree_swap_round(directory.path(), fast.path() / "victim", "deep", 20, 40,
                               [&](const fs::path& /*tree*/) { directory.cleanup(); });
    landed += watcher.landed() > 0 ? 1 : 0;
    parallel_rounds += watcher.on_workers() ? 1 : 0;
  }
  EXPECT_EQ(lost, 0U) << "victim files deleted by the parallel cleanup()";
  EXPECT_GT(landed, 0) << "the attacker never had its link in place when the walk descended";
  EXPECT_GT(parallel_rounds, 0) << "no round had a worker thread remove anything";
  std::printf("the link was in place at a descent in %d/%d rounds (%d with workers)\n", landed,
              rounds, parallel_rounds);

  const ControlRun control = run_until_first_loss([&] {
    const TemporaryDirectory directory({.dir = fast.path(), .ignore_cleanup_errors = true});
    return subtree_swap_round(directory.path(), fast.path() / "victim", "deep", 20, 40,
                              naive_remove) > 0;
  });
  EXPECT_TRUE(control.lost) << "positive control: the naive remover survived " << control.rounds
                            << " rounds";
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

}  // namespace
}  // namespace tempfile::test
