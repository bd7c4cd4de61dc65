// SPDX-License-Identifier: MIT
// The one entry point that removes a directory whose root its owner holds open (a
// TemporaryDirectory), for every remover: the owner, the exit handler and a signal handler.
// It makes the "rmdir first" decision once; the walk is remove_tree_at's (sequential, or fanned
// out when the owner's cleanup() asks) or, in a signal handler, the allocation-free walker's.
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/remove_tree.hpp"
#include "os/remove_tree_signal.hpp"
#include "os/sys.hpp"

namespace tempfile::os {
namespace {

// observe_held_removals' observer: nullptr outside the race tests.
std::atomic<RemovalObserver*> held_observer{nullptr};

enum class HeldState : unsigned char { done, walk, wrong_descriptor, failed };

// Steps 1 and 2 of remove_held_directory (remove_tree.hpp): the rmdir fast path, then one statx
// of the held descriptor, which must still be the directory recorded at creation and tells
// whether it has a name left. Async-signal-safe (unlinkat, statx). `root` receives the held
// identity (for the walk) and `err` the reason when the answer is `failed`.
HeldState first_steps(const char* path, int root_fd, const EntryIdentity& expected,
                      EntryIdentity& root, Errno& err) noexcept {
  const Errno removed = remove_directory(current_directory_fd, path);
  std::uint64_t links = 0;
  err = identify_fd(root_fd, root, links);
  if (err == EBADF || (err == 0 && !(root == expected))) {
    return HeldState::wrong_descriptor;  // closed, and perhaps reused by another open()
  }
  if (err != 0) {
    return HeldState::failed;
  }
  if ((removed == 0 || removed == ENOENT) && links == 0) {
    return HeldState::done;
  }
  return HeldState::walk;
}

void report_root(std::vector<RemovalFailure>& failures, Errno err) noexcept {
  try {
    failures.push_back({std::string(), err});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says what happened
  }
}

}  // namespace

void observe_held_removals(RemovalObserver* observer) noexcept {
  held_observer.store(observer, std::memory_order_release);
}

Errno remove_held_directory(const char* path, int root_fd, const EntryIdentity& expected,
                            std::vector<RemovalFailure>& failures,
                            const ParallelRemoval& parallel) noexcept {
  EntryIdentity root;
  Errno err = 0;
  switch (first_steps(path, root_fd, expected, root, err)) {
    case HeldState::done:
      return 0;
    case HeldState::wrong_descriptor:
      report_root(failures, removal_wrong_descriptor);
      return removal_wrong_descriptor;
    case HeldState::failed:
      report_root(failures, err);
      return err;
    case HeldState::walk:
      break;
  }
  return remove_tree_at(current_directory_fd, path, root_fd, root, failures, parallel,
                        held_observer.load(std::memory_order_acquire));
}

void remove_held_directory_in_signal_handler(const char* path, int root_fd,
                                             const EntryIdentity& expected) noexcept {
  const int saved_errno = errno;
  EntryIdentity root;
  Errno ignored = 0;
  if (first_steps(path, root_fd, expected, root, ignored) == HeldState::walk) {
    walk_and_remove_in_signal_handler(path, root_fd, root);
  }
  errno = saved_errno;
}

}  // namespace tempfile::os
