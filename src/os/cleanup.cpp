// The exit/signal cleanup registry: a list of nodes that is only ever pushed to (nodes are
// reused, never freed), so a signal handler can walk it without locks or allocation; each
// node's path is claimed with one atomic exchange by whoever removes the entry.
#include "os/cleanup.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX, not <csignal>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "os/process.hpp"
#include "os/remove_tree.hpp"

namespace tempfile::os {

struct CleanupNode {
  std::atomic<CleanupNode*> next{nullptr};
  std::atomic<bool> in_use{true};
  // The entry to remove; nullptr once claimed. Owned (new[]) by the node until claimed, then
  // by the claimer (a signal handler cannot free it: it is left, the process is ending).
  std::atomic<char*> path{nullptr};
  // Atomic because a handler may read them while the node is being reused (it then finds
  // path null and skips the node).
  std::atomic<CleanupKind> kind{CleanupKind::file};
  std::atomic<int> root_fd{-1};
  std::atomic<unsigned> generation{0};
  // The entry's recorded identity. Not atomic (too wide to be lock-free): it is written before
  // `path` is stored (release) and read only by whoever then claimed `path`, and a claimed node
  // is not reused until its handlers count drops to 0.
  EntryIdentity identity{};
  // Handlers that may be using this node's root_fd right now. A handler counts itself in
  // before it tries to claim; an owner that lost the claim waits for 0 before it closes the
  // descriptor or lets the node be reused, so a handler never walks a closed (or reused)
  // descriptor.
  std::atomic<int> handlers{0};
};

namespace {

std::atomic<CleanupNode*> list_head{nullptr};

// Signal cleanup only: creations and removals in progress (an entry that exists but is not
// registered yet, or withdrawn but not removed yet), and whether a handler has started. The
// handler waits (boundedly) for the first to drain; a new window then never opens.
std::atomic<bool> signal_cleanup_installed{false};
std::atomic<int> windows_open{0};
std::atomic<bool> ending{false};

static_assert(std::atomic<CleanupNode*>::is_always_lock_free);
static_assert(std::atomic<char*>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

// Reusing nodes keeps the list as long as the most entries ever alive at once. A program
// that only creates must not pay a walk over all of them per registration, and one that
// creates and destroys in turn finds its node at once: the walk starts only when a node is
// known to be free, and at the one freed last.
std::atomic<std::size_t> free_nodes{0};
std::atomic<CleanupNode*> last_freed{nullptr};

bool try_take(CleanupNode* node) noexcept {
  bool expected = false;
  if (node == nullptr || node->in_use.load(std::memory_order_relaxed) ||
      !node->in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
    return false;
  }
  free_nodes.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

CleanupNode* take_free_node() noexcept {
  if (free_nodes.load(std::memory_order_relaxed) == 0) {
    return nullptr;
  }
  if (CleanupNode* hint = last_freed.load(std::memory_order_acquire); try_take(hint)) {
    return hint;
  }
  for (CleanupNode* node = list_head.load(std::memory_order_acquire); node != nullptr;
       node = node->next.load(std::memory_order_acquire)) {
    if (try_take(node)) {
      return node;
    }
  }
  return nullptr;
}

void give_back(CleanupNode* node) noexcept {
  // Counted before it is free, so the count can run ahead of the free nodes (a walk that
  // finds none) but never behind them.
  free_nodes.fetch_add(1, std::memory_order_relaxed);
  last_freed.store(node, std::memory_order_release);
  node->in_use.store(false, std::memory_order_release);
}

void push_node(CleanupNode* node) noexcept {
  CleanupNode* head = list_head.load(std::memory_order_relaxed);
  do {
    node->next.store(head, std::memory_order_relaxed);
  } while (!list_head.compare_exchange_weak(head, node, std::memory_order_release,
                                            std::memory_order_relaxed));
}

void exit_handler() noexcept {
  run_exit_cleanup();
}

void install_exit_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::atexit(&exit_handler) != 0) {
      throw std::bad_alloc();  // atexit's only failure is running out of room for handlers
    }
  });
}

// Claims every entry this process registered that nobody has claimed yet, and hands each to
// `remove` (which then owns the path). Counting on the node before the claim lets an owner that
// lost it wait until `remove` is done with its descriptor. Async-signal-safe when `remove` is.
template <class Remove>
void claim_each(Remove&& remove) noexcept {
  const unsigned generation = process_generation();
  for (CleanupNode* node = list_head.load(std::memory_order_acquire); node != nullptr;
       node = node->next.load(std::memory_order_acquire)) {
    if (node->path.load(std::memory_order_acquire) == nullptr ||
        node->generation.load(std::memory_order_relaxed) != generation) {
      continue;
    }
    node->handlers.fetch_add(1);
    if (char* path = node->path.exchange(nullptr); path != nullptr) {
      remove(*node, path);
    }
    node->handlers.fetch_sub(1);
  }
}

// Removes a claimed entry in normal context (exit): failures cannot be reported to anyone.
void remove_claimed(const CleanupNode& node, const char* path) noexcept {
  if (node.kind.load(std::memory_order_relaxed) == CleanupKind::file) {
    static_cast<void>(::unlinkat(AT_FDCWD, path, 0));
    return;
  }
  std::vector<RemovalFailure> ignored;
  static_cast<void>(remove_held_directory(path, node.root_fd.load(std::memory_order_relaxed),
                                          node.identity, ignored));
}

// ---- signals ----

constexpr std::array<int, 3> cleanup_signals{SIGINT, SIGTERM, SIGHUP};
// The actions in place before ours, per signal in cleanup_signals; written once before our
// handler is installed for that signal.
std::array<struct sigaction, cleanup_signals.size()> previous_actions{};
std::array<std::atomic<bool>, cleanup_signals.size()> installed{};

std::size_t signal_index(int signal_number) noexcept {
  for (std::size_t i = 0; i < cleanup_signals.size(); ++i) {
    if (cleanup_signals[i] == signal_number) {
      return i;
    }
  }
  return cleanup_signals.size();
}

// Only async-signal-safe calls from here on: clock_gettime, unlinkat, and the held-directory
// remover's signal-safe entry (openat, getdents64, unlinkat, fstat, fchmod, close on a static
// workspace).

// Other threads' creations and removals in progress finish first. Bounded: a thread inside
// its window could be waiting for a lock this thread held when the signal came (malloc's),
// and then it never finishes; after a second we go on without it.
void wait_for_open_windows() noexcept {
  ending.store(true);
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  while (windows_open.load() > 0) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 1) {
      return;
    }
  }
}

void remove_all_in_signal_handler() noexcept {
  wait_for_open_windows();
  claim_each([](const CleanupNode& node, const char* path) noexcept {
    if (node.kind.load() == CleanupKind::file) {
      static_cast<void>(::unlinkat(AT_FDCWD, path, 0));
    } else {
      remove_held_directory_in_signal_handler(path, node.root_fd.load(), node.identity);
    }
    // The path is not freed: free() is not async-signal-safe, and the process is ending.
  });
}

void on_signal(int signal_number, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  remove_all_in_signal_handler();
  const std::size_t index = signal_index(signal_number);
  if (index < cleanup_signals.size()) {
    const struct sigaction& previous = previous_actions[index];
    struct sigaction ours {};
    static_cast<void>(::sigaction(signal_number, &previous, &ours));
    if ((previous.sa_flags & SA_SIGINFO) != 0) {
      if (previous.sa_sigaction != nullptr) {
        previous.sa_sigaction(signal_number, info, context);
        static_cast<void>(::sigaction(signal_number, &ours, nullptr));
        ending.store(false);  // it returned: the program goes on, and may create again
      }
    } else if (previous.sa_handler == SIG_DFL) {
      // Blocked while this handler runs: delivered, with the default action, when it returns.
      static_cast<void>(::raise(signal_number));
    } else if (previous.sa_handler != SIG_IGN) {
      previous.sa_handler(signal_number);
      static_cast<void>(::sigaction(signal_number, &ours, nullptr));
      ending.store(false);
    }
  }
  errno = saved_errno;
}

}  // namespace

CleanupRegistration::CleanupRegistration(CleanupRegistration&& other) noexcept
    : node_(std::exchange(other.node_, nullptr)) {}

CleanupRegistration& CleanupRegistration::operator=(CleanupRegistration&& other) noexcept {
  if (this != &other) {
    static_cast<void>(withdraw());
    node_ = std::exchange(other.node_, nullptr);
  }
  return *this;
}

CleanupRegistration::~CleanupRegistration() {
  static_cast<void>(withdraw());
}

CleanupRegistration CleanupRegistration::add(CleanupKind kind, const std::string& absolute_path,
                                             int root_fd, const EntryIdentity& identity) {
  install_exit_handler();
  auto path = std::make_unique<char[]>(absolute_path.size() + 1);
  std::memcpy(path.get(), absolute_path.c_str(), absolute_path.size() + 1);
  CleanupNode* node = take_free_node();
  if (node == nullptr) {
    node = new CleanupNode;  // never freed: handlers may be walking the list at any time
    push_node(node);
  }
  node->kind.store(kind, std::memory_order_relaxed);
  node->root_fd.store(root_fd, std::memory_order_relaxed);
  node->identity = identity;
  node->generation.store(process_generation(), std::memory_order_relaxed);
  node->path.store(path.release(), std::memory_order_release);
  return CleanupRegistration(node);
}

std::unique_ptr<char[]> CleanupRegistration::withdraw() noexcept {
  CleanupNode* node = std::exchange(node_, nullptr);
  if (node == nullptr) {
    return nullptr;
  }
  std::unique_ptr<char[]> path(node->path.exchange(nullptr));
  if (path == nullptr) {
    // A handler took it: let it finish with our descriptor before the caller closes it.
    while (node->handlers.load() > 0) {
    }
  }
  give_back(node);
  return path;
}

CleanupWindow::CleanupWindow() noexcept {
  if (!signal_cleanup_installed.load()) {
    return;
  }
  // The handler never runs on this thread inside the window (it would wait for it); another
  // thread's handler waits for it instead.
  sigset_t cleanup_set;
  sigemptyset(&cleanup_set);
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    sigaddset(&cleanup_set, signal_number);
  }
  sigset_t previous;
  if (::pthread_sigmask(SIG_BLOCK, &cleanup_set, &previous) != 0) {
    return;
  }
  windows_open.fetch_add(1);
  if (ending.load()) {
    // A handler is cleaning up and the process is about to end: do not start anything it
    // could miss. (Our signals are blocked here; the handler's thread ends the process.)
    windows_open.fetch_sub(1);
    for (;;) {
      ::pause();
    }
  }
  active_ = true;
  static_assert(sizeof(previous) <= sizeof(saved_mask_));
  std::memcpy(saved_mask_.data(), &previous, sizeof(previous));
}

CleanupWindow::~CleanupWindow() {
  if (!active_) {
    return;
  }
  windows_open.fetch_sub(1);
  sigset_t previous;
  std::memcpy(&previous, saved_mask_.data(), sizeof(previous));
  static_cast<void>(::pthread_sigmask(SIG_SETMASK, &previous, nullptr));
}

void run_exit_cleanup() noexcept {
  claim_each([](const CleanupNode& node, char* path) noexcept {
    remove_claimed(node, path);
    delete[] path;
  });
}

Errno install_signal_cleanup() noexcept {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  if (const Errno err = prepare_signal_removal(); err != 0) {
    return err;
  }
  for (std::size_t i = 0; i < cleanup_signals.size(); ++i) {
    if (installed[i].load(std::memory_order_relaxed)) {
      continue;
    }
    struct sigaction current {};
    if (::sigaction(cleanup_signals[i], nullptr, &current) != 0) {
      return errno;
    }
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_IGN) {
      continue;  // ignored on purpose (nohup): a signal that cannot end us needs no cleanup
    }
    previous_actions[i] = current;
    struct sigaction ours {};
    ours.sa_sigaction = &on_signal;
    ours.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&ours.sa_mask);  // one cleanup at a time; other signals wait for it
    if (::sigaction(cleanup_signals[i], &ours, nullptr) != 0) {
      return errno;
    }
    installed[i].store(true, std::memory_order_relaxed);
  }
  signal_cleanup_installed.store(true);
  return 0;
}

}  // namespace tempfile::os
