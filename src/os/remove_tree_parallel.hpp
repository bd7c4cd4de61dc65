// SPDX-License-Identifier: MIT
// The thread pool of a parallel tree removal (remove_tree_parallel.cpp) and the one routine the
// walker (remove_tree.cpp) gives it: removing one subdirectory with the walker's own rules. For
// the OS layer's sources only.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/remove_tree.hpp"

namespace tempfile::os {

/// One subdirectory of a directory the walker has already scanned, handed to a worker.
struct Subtree {
  int parent_fd = -1;                     // borrowed: the walker keeps it open until the batch ends
  const EntryIdentity* parent = nullptr;  // the parent's identity
  const EntryIdentity* root = nullptr;    // the tree root's: every directory must share its mount
  const std::string* parent_path = nullptr;  // relative to the root, as in RemovalFailure
  const char* name = nullptr;                // one component
  bool parent_mode_fixed = false;            // the walker already gave the parent u+rwx
};

/// Removes `subtree.name` and everything below it exactly as the sequential walk would once it
/// is about to descend into it (remove_tree.cpp): opened relative to the parent's descriptor with
/// O_NOFOLLOW|O_DIRECTORY, checked to be on the root's mount, emptied with at most `window`
/// descriptors of its own (the transient one included), and removed from the parent. Appends
/// what it left to `failures` (paths relative to the tree root) and returns true if anything
/// was left. Never throws: running out of memory is reported as ENOMEM for the subdirectory.
[[nodiscard]] bool remove_subtree(const Subtree& subtree, std::size_t window,
                                  std::vector<RemovalFailure>& failures,
                                  RemovalObserver* observer) noexcept;

/// The pool of one parallel removal. Threads are started on the first batch (a walk that never
/// meets a wide directory starts none) and joined by the destructor. Between batches they wait;
/// nothing is shared with any other removal.
class RemovalPool {
 public:
  RemovalPool(const ParallelRemoval& options, RemovalObserver* observer) noexcept;
  RemovalPool(const RemovalPool&) = delete;
  RemovalPool& operator=(const RemovalPool&) = delete;
  RemovalPool(RemovalPool&&) = delete;
  RemovalPool& operator=(RemovalPool&&) = delete;
  ~RemovalPool();

  /// Whether a directory with `subdirectories` still to enter may be handed to the pool: the
  /// mode's width is reached and at least two threads fit the descriptor budget.
  [[nodiscard]] bool wants(std::size_t subdirectories) noexcept;
  /// Automatic mode: the walker times a sample of the directory's subdirectories before it
  /// hands the rest over (remove_tree.hpp, removal_automatic_*).
  [[nodiscard]] bool samples() const noexcept {
    return options_.mode == ParallelRemoval::Mode::automatic;
  }

  /// Removes each of `names` (subdirectories of `parent_fd`) with remove_subtree, on the pool's
  /// threads and the calling one, and returns once every one is done and no worker holds
  /// anything of this batch. Appends the failures in the order of `names`; returns true if
  /// anything was left. Throws only std::bad_alloc, and only before any work is handed out or
  /// after all of it is done.
  bool remove_all(Subtree parent, const std::vector<const char*>& names,
                  std::vector<RemovalFailure>& failures);

 private:
  struct Batch;
  void start_workers();
  void work(unsigned long seen) noexcept;
  void run(Batch& batch) noexcept;

  ParallelRemoval options_;
  RemovalObserver* observer_;
  unsigned threads_ = 0;  // decided on the first call to wants(); 0 until then
  bool decided_ = false;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  Batch* batch_ = nullptr;  // the batch workers may join; guarded by mutex_
  unsigned long generation_ = 0;
  unsigned busy_ = 0;  // threads inside the current batch
  bool stop_ = false;
  std::vector<std::thread> workers_;  // last: joined before anything they read is gone
};

}  // namespace tempfile::os
