// SPDX-License-Identifier: MIT
// The thread pool of a parallel tree removal (os/remove_tree_parallel.hpp): hands the
// subdirectories of one wide directory to a few threads, each of which removes its share with
// the sequential walker's own routine (remove_subtree), and merges what they left.
#include "os/remove_tree_parallel.hpp"

#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace tempfile::os {
namespace {

// The most descriptors a removal with `threads` threads holds (remove_tree.hpp): the walker's
// window, which stays open while a batch runs, and each thread's own window. The calling thread
// is one of the threads: while it runs a share of the batch its walker opens nothing.
constexpr std::size_t descriptor_bound(unsigned threads) noexcept {
  return removal_descriptor_limit + threads * removal_worker_descriptor_limit;
}

unsigned threads_wanted(const ParallelRemoval& options) noexcept {
  if (options.max_threads != 0) {
    return std::min(options.max_threads, removal_max_threads);
  }
  // 0 when the machine does not say: then no pool.
  return std::min(removal_default_threads, std::thread::hardware_concurrency());
}

// Fewer threads when the descriptor bound would not fit in half the soft RLIMIT_NOFILE: the
// process has other descriptors, and a pool that met EMFILE would leave entries behind that a
// sequential walk (which narrows its one window instead) removes.
unsigned threads_that_fit(unsigned threads) noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return threads;
  }
  while (threads > 1 && descriptor_bound(threads) > limit.rlim_cur / 2) {
    --threads;
  }
  return threads;
}

// Each subdirectory's outcome, written only by the thread that removed it.
struct Outcome {
  bool failed = false;
  std::vector<RemovalFailure> failures;
};

}  // namespace

struct RemovalPool::Batch {
  Subtree parent;
  const std::vector<const char*>* names = nullptr;
  std::vector<Outcome> outcomes;
  std::atomic<std::size_t> next{0};  // the next name a thread claims
};

RemovalPool::RemovalPool(const ParallelRemoval& options, RemovalObserver* observer) noexcept
    : options_(options), observer_(observer) {}

RemovalPool::~RemovalPool() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& worker : workers_) {
    try {
      worker.join();
    } catch (...) {  // NOLINT(bugprone-empty-catch): join fails only for a thread never started
    }
  }
}

// The threads are decided once per removal, and only at the first directory wide enough: a
// flat directory or a small tree costs neither the hardware query nor getrlimit (their system
// calls would show in the exact counts of docs/tree-removal.md).
bool RemovalPool::wants(std::size_t subdirectories) noexcept {
  const std::size_t width =
      options_.mode == ParallelRemoval::Mode::always ? 2 : removal_automatic_width;
  if (subdirectories < width) {
    return false;
  }
  if (!decided_) {
    decided_ = true;
    threads_ = threads_that_fit(threads_wanted(options_));
  }
  return threads_ >= 2;
}

bool RemovalPool::remove_all(Subtree parent, const std::vector<const char*>& names,
                             std::vector<RemovalFailure>& failures) {
  Batch batch;
  batch.parent = parent;
  batch.names = &names;
  batch.outcomes.resize(names.size());  // the one allocation before the work is handed out
  start_workers();
  {
    const std::lock_guard lock(mutex_);
    batch_ = &batch;
    ++generation_;
    ++busy_;  // the calling thread works too
  }
  work_ready_.notify_all();
  run(batch);
  {
    std::unique_lock lock(mutex_);
    --busy_;
    work_done_.wait(lock, [this] { return busy_ == 0; });
    batch_ = nullptr;  // from here on no worker can join it: the batch and `parent` may go
  }
  bool failed = false;
  for (Outcome& outcome : batch.outcomes) {
    failed = failed || outcome.failed;
    failures.insert(failures.end(), std::make_move_iterator(outcome.failures.begin()),
                    std::make_move_iterator(outcome.failures.end()));
  }
  return failed;
}

// Started on the first batch, with every signal blocked, so that the process's handlers (the
// library's own cleanup_on_signals among them) keep running on the threads they ran on before.
// A thread that cannot be started is done without: the calling thread alone still finishes
// every batch.
void RemovalPool::start_workers() {
  if (!workers_.empty() || threads_ < 2) {
    return;
  }
  sigset_t all{};
  sigset_t previous{};
  sigfillset(&all);
  const bool masked = ::pthread_sigmask(SIG_SETMASK, &all, &previous) == 0;
  try {
    workers_.reserve(threads_ - 1);
    for (unsigned i = 1; i < threads_; ++i) {
      workers_.emplace_back([this, seen = generation_] { work(seen); });
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): std::system_error (EAGAIN): fewer threads
  }
  if (masked) {
    static_cast<void>(::pthread_sigmask(SIG_SETMASK, &previous, nullptr));
  }
}

// `seen` is the batch generation when the thread was made: the batch about to be published is
// newer, so a thread that gets the lock late still joins it.
void RemovalPool::work(unsigned long seen) noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) {
      return;
    }
    seen = generation_;
    Batch* batch = batch_;
    if (batch == nullptr) {
      continue;  // that batch is over already
    }
    ++busy_;
    lock.unlock();
    run(*batch);
    lock.lock();
    if (--busy_ == 0) {
      work_done_.notify_all();
    }
  }
}

void RemovalPool::run(Batch& batch) noexcept {
  const std::vector<const char*>& names = *batch.names;
  for (;;) {
    const std::size_t index = batch.next.fetch_add(1, std::memory_order_relaxed);
    if (index >= names.size()) {
      return;
    }
    Subtree subtree = batch.parent;
    subtree.name = names[index];
    Outcome& outcome = batch.outcomes[index];
    outcome.failed =
        remove_subtree(subtree, removal_worker_descriptor_limit, outcome.failures, observer_);
  }
}

}  // namespace tempfile::os
