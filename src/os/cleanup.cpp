// SPDX-License-Identifier: MIT
// The exit/signal/terminate cleanup registry: a list of nodes that is only ever pushed to (nodes
// are reused, never freed), so a signal handler can walk it without locks or allocation; each
// node's state says who removes its entry, and the entry stays visible while it is removed.
#include "os/cleanup.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
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

#include "os/fork_handlers.hpp"
#include "os/process.hpp"
#include "os/remove_tree.hpp"

namespace tempfile::os {

// Who is doing what with a node's entry. Handlers look only at registered and *_removing.
enum class NodeState : unsigned char {
  free,              // in the pool
  setting_up,        // taken by add(), fields being written
  registered,        // live: the first claim decides who removes it
  owner_removing,    // the owner claimed it and is removing it
  handler_removing,  // the exit or a signal handler claimed it and is removing it
  handler_done,      // a handler removed it; the owner (if any) only gives the node back
  retiring,          // the owner is giving the node back
};

struct CleanupNode {
  std::atomic<CleanupNode*> next{nullptr};
  std::atomic<NodeState> state{NodeState::setting_up};
  // The entry to remove; a handler only reads it. Either `owned_path` (new[], freed by the owner
  // that gives the node back) or the owner's own string, borrowed (add_borrowed).
  std::atomic<const char*> path{nullptr};
  // Touched by the owner only (add and release), never by a handler.
  char* owned_path = nullptr;
  // Written while setting_up, read by handlers after they saw another state (acquire); a node
  // is not set up again while a handler is counted on it.
  std::atomic<CleanupKind> kind{CleanupKind::file};
  std::atomic<int> root_fd{-1};
  std::atomic<pid_t> creator{0};
  // Not atomic (too wide to be lock-free): written while setting_up, like the fields above.
  EntryIdentity identity{};
  // Handlers that may be using this node's path and root_fd right now. A handler counts itself
  // in before it looks at the state again; an owner that gives the node back marks it retiring
  // first and then waits for 0, so a handler never walks a closed (or reused) descriptor.
  std::atomic<int> handlers{0};
};

namespace {

std::atomic<CleanupNode*> list_head{nullptr};

// Signal or terminate cleanup only: creations in progress (an entry that exists but is not
// registered yet), and whether a handler is about to end the process. Such a handler waits
// (boundedly) for the first to drain; a new window then waits for the end instead of opening.
std::atomic<bool> signal_cleanup_installed{false};
std::atomic<bool> windows_counted{false};
std::atomic<int> windows_open{0};
std::atomic<bool> ending{false};
// The windows open on this thread (a terminate can cut one short: it is not waited for).
thread_local int windows_open_here = 0;

static_assert(std::atomic<CleanupNode*>::is_always_lock_free);
static_assert(std::atomic<const char*>::is_always_lock_free);
static_assert(std::atomic<NodeState>::is_always_lock_free);
static_assert(std::atomic<pid_t>::is_always_lock_free);

// Reusing nodes keeps the list as long as the most entries ever alive at once. A program
// that only creates must not pay a walk over all of them per registration, and one that
// creates and destroys in turn finds its node at once: the walk starts only when a node is
// known to be free, and at the one freed last.
std::atomic<std::size_t> free_nodes{0};
std::atomic<CleanupNode*> last_freed{nullptr};

bool try_take(CleanupNode* node) noexcept {
  NodeState expected = NodeState::free;
  if (node == nullptr || node->state.load(std::memory_order_relaxed) != NodeState::free ||
      !node->state.compare_exchange_strong(expected, NodeState::setting_up)) {
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

void push_node(CleanupNode* node) noexcept {
  CleanupNode* head = list_head.load(std::memory_order_relaxed);
  do {
    node->next.store(head, std::memory_order_relaxed);
  } while (!list_head.compare_exchange_weak(head, node, std::memory_order_release,
                                            std::memory_order_relaxed));
}

// Waits until no handler is using `node`. Bounded in practice: the exit handler finishes its
// removal, and a signal handler counted on a node is about to end the process.
void wait_for_handlers(const CleanupNode& node) noexcept {
  while (node.handlers.load() > 0) {
    ::sched_yield();
  }
}

void exit_handler() noexcept {
  run_exit_cleanup();
}

std::atomic<bool> exit_handler_installed{false};

void install_exit_handler() {
  // Every registration asks: one load once the handler is in (call_once costs a TLS round trip).
  if (exit_handler_installed.load(std::memory_order_acquire)) {
    return;
  }
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::atexit(&exit_handler) != 0) {
      throw std::bad_alloc();  // atexit's only failure is running out of room for handlers
    }
  });
  exit_handler_installed.store(true, std::memory_order_release);
}

// The handler is installed while the library loads (before main, or inside dlopen), so that a
// first registration made later, while other threads may fork, never calls atexit(). glibc's
// fork() does not reset the lock atexit() takes: a child forked while another thread was inside
// atexit() (as a first registration's call_once was) would make its own first registration (the
// once starts over in the child) and wait for that lock forever. A registration made before this
// initializer ran (another translation unit's static object, in a static link) installs it
// itself, as before; a failure here is left to the first registration to report.
bool install_exit_handler_at_load() noexcept {
  try {
    install_exit_handler();
    return true;
  } catch (...) {
    return false;
  }
}
[[maybe_unused]] const bool exit_handler_installed_at_load = install_exit_handler_at_load();

bool being_removed(NodeState state) noexcept {
  return state == NodeState::owner_removing || state == NodeState::handler_removing;
}

// Hands `remove` every entry of this process that is registered (claiming it first) or that
// its owner is removing right now (the owner may be cut short when the process ends), and with
// `help_handlers` also those another handler claimed (the exit handler a signal interrupted).
// Counted on the node meanwhile, so its owner waits for us before it closes the descriptor or
// reuses the node. Async-signal-safe when `remove` is.
template <class Remove>
void claim_each(bool help_handlers, Remove&& remove) noexcept {
  const pid_t self = ::getpid();  // exact, even in a child that no fork handler has seen yet
  for (CleanupNode* node = list_head.load(std::memory_order_acquire); node != nullptr;
       node = node->next.load(std::memory_order_acquire)) {
    const NodeState seen = node->state.load();
    if (seen != NodeState::registered && !being_removed(seen)) {
      continue;
    }
    node->handlers.fetch_add(1);
    NodeState state = node->state.load();
    if (node->creator.load(std::memory_order_relaxed) == self) {
      bool claimed = false;
      if (state == NodeState::registered) {
        claimed = node->state.compare_exchange_strong(state, NodeState::handler_removing);
      }
      if (claimed || state == NodeState::owner_removing ||
          (help_handlers && state == NodeState::handler_removing)) {
        remove(*node);
      }
      if (claimed) {
        NodeState removing = NodeState::handler_removing;
        node->state.compare_exchange_strong(removing, NodeState::handler_done);
      }
    }
    node->handlers.fetch_sub(1);
  }
}

// ---- signals ----

constexpr std::array<int, 3> cleanup_signals{SIGINT, SIGTERM, SIGHUP};
// The actions in place before ours, per signal in cleanup_signals; written once before our
// handler is installed for that signal.
std::array<struct sigaction, cleanup_signals.size()> previous_actions{};
std::array<std::atomic<bool>, cleanup_signals.size()> installed{};
// Set once the application's handler made the next signal fatal (it put the default back, or
// was installed with SA_RESETHAND): from then on that signal cleans up and ends the process.
std::array<std::atomic<bool>, cleanup_signals.size()> default_from_now_on{};
static_assert(std::atomic<bool>::is_always_lock_free);

std::size_t signal_index(int signal_number) noexcept {
  for (std::size_t i = 0; i < cleanup_signals.size(); ++i) {
    if (cleanup_signals[i] == signal_number) {
      return i;
    }
  }
  return cleanup_signals.size();
}

// Only async-signal-safe calls from here on: clock_gettime, getpid, statx/fstatat, unlinkat,
// sigaction, sigpending, raise, and the held-directory remover's signal-safe entry (openat,
// getdents64, unlinkat, fstat, fchmod, close on a static workspace).

double seconds_since(const timespec& start) noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - start.tv_sec) +
         static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e9;
}

// Other threads' creations in progress finish first (`own` of the open windows are this
// thread's). Bounded: a thread inside its window could be waiting for a lock this thread held
// when the signal or the terminate came (malloc's, an application's), and then it never
// finishes; after a second we go on without it.
void wait_for_open_windows(int own) noexcept {
  ending.store(true);
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  while (windows_open.load() > own && seconds_since(start) < 1.0) {
    ::sched_yield();
  }
}

// The process is about to end: remove every entry of this process, also those an owner or the
// exit handler was removing when the signal came (they would be cut short).
void remove_all_in_signal_handler() noexcept {
  wait_for_open_windows(0);  // a thread inside a window has these signals blocked
  claim_each(true, [](const CleanupNode& node) noexcept {
    const char* path = node.path.load(std::memory_order_acquire);
    if (path == nullptr) {
      return;
    }
    if (node.kind.load() == CleanupKind::file) {
      static_cast<void>(remove_file_if_same(path, node.identity));
    } else {
      remove_held_directory_in_signal_handler(path, node.root_fd.load(), node.identity);
    }
  });
}

bool is_default(const struct sigaction& action) noexcept {
  return action.sa_handler == SIG_DFL;  // sa_handler and sa_sigaction share their storage
}

bool is_function(const struct sigaction& action) noexcept {
  return action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN;
}

// Whether the application's handler, which just returned, arranged for the process to end by
// this signal's default action: the default is in place again and the signal is pending (it
// raised it while the signal is blocked in our handler). The common "clean up, then re-raise"
// pattern.
bool about_to_die_of(int signal_number) noexcept {
  struct sigaction now {};
  if (::sigaction(signal_number, nullptr, &now) != 0 || !is_default(now)) {
    return false;
  }
  sigset_t pending;
  sigemptyset(&pending);
  return ::sigpending(&pending) == 0 && sigismember(&pending, signal_number) == 1;
}

void on_signal(int signal_number, siginfo_t* info, void* context);

// After the application's handler returned: what it left in place for this signal.
enum class AfterApplication : unsigned char { ours, dying, default_next, theirs };

AfterApplication after_application(int signal_number) noexcept {
  struct sigaction now {};
  if (::sigaction(signal_number, nullptr, &now) != 0) {
    return AfterApplication::ours;
  }
  if ((now.sa_flags & SA_SIGINFO) != 0 && now.sa_sigaction == &on_signal) {
    return AfterApplication::ours;
  }
  if (!is_default(now)) {
    return AfterApplication::theirs;  // it installed something else: the signal is its business
  }
  return about_to_die_of(signal_number) ? AfterApplication::dying : AfterApplication::default_next;
}

void on_signal(int signal_number, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const std::size_t index = signal_index(signal_number);
  const struct sigaction* previous =
      index < cleanup_signals.size() ? &previous_actions[index] : nullptr;
  if (previous != nullptr && is_function(*previous) && !default_from_now_on[index].load()) {
    // The application handles this signal: its handler decides. Ours stays installed.
    if ((previous->sa_flags & SA_SIGINFO) != 0) {
      previous->sa_sigaction(signal_number, info, context);
    } else {
      previous->sa_handler(signal_number);
    }
    const AfterApplication after = after_application(signal_number);
    if (after == AfterApplication::dying) {
      remove_all_in_signal_handler();  // it re-raised with the default action: we die next
    } else if (after == AfterApplication::default_next ||
               (after == AfterApplication::ours &&
                (static_cast<unsigned>(previous->sa_flags) & SA_RESETHAND) != 0U)) {
      // The next such signal is to end the process ("press Ctrl-C again"): ours again, which
      // then removes everything and ends it.
      default_from_now_on[index].store(true);
      struct sigaction ours {};
      ours.sa_sigaction = &on_signal;
      ours.sa_flags = SA_SIGINFO | SA_RESTART;
      sigfillset(&ours.sa_mask);
      static_cast<void>(::sigaction(signal_number, &ours, nullptr));
    }
    errno = saved_errno;
    return;
  }
  remove_all_in_signal_handler();
  // The default action: put it back and re-raise. The signal is blocked while this handler
  // runs, so it is delivered, with the default action, when the handler returns.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  static_cast<void>(::sigaction(signal_number, &default_action, nullptr));
  static_cast<void>(::raise(signal_number));
  errno = saved_errno;
}

// The exit and terminate handlers' remover (normal context: it may allocate).
void remove_normally(const CleanupNode& node) noexcept {
  const char* path = node.path.load(std::memory_order_acquire);
  if (path == nullptr) {
    return;
  }
  if (node.kind.load() == CleanupKind::file) {
    static_cast<void>(remove_file_if_same(path, node.identity));
    return;
  }
  std::vector<RemovalFailure> ignored;  // failures cannot be reported to anyone now
  static_cast<void>(remove_held_directory(path, node.root_fd.load(), node.identity, ignored));
}

}  // namespace

Errno remove_file_if_same(const char* path, const EntryIdentity& identity) noexcept {
  EntryIdentity now;
  if (const Errno err = identify_name(AT_FDCWD, path, now); err != 0) {
    return err == ENOENT ? 0 : err;
  }
  if (now != identity) {
    return removal_replaced;
  }
  if (::unlinkat(AT_FDCWD, path, 0) != 0) {
    return errno == ENOENT ? 0 : errno;
  }
  return 0;
}

CleanupRegistration::CleanupRegistration(CleanupRegistration&& other) noexcept
    : node_(std::exchange(other.node_, nullptr)) {}

CleanupRegistration& CleanupRegistration::operator=(CleanupRegistration&& other) noexcept {
  if (this != &other) {
    if (node_ != nullptr && claim()) {
      release();
    }
    node_ = std::exchange(other.node_, nullptr);
  }
  return *this;
}

CleanupRegistration::~CleanupRegistration() {
  if (node_ != nullptr && claim()) {
    release();
  }
}

namespace {

// Takes a free node (or a new one) and publishes the entry in it: `path` is what the handlers
// read, `owned` what release() frees (nullptr when the path is borrowed).
CleanupNode* publish(CleanupKind kind, const char* path, char* owned, const EntryIdentity& identity,
                     int root_fd) noexcept {
  CleanupNode* node = take_free_node();
  const bool fresh = node == nullptr;
  if (fresh) {
    node = new (std::nothrow) CleanupNode;  // never freed: handlers may walk the list any time
    if (node == nullptr) {
      return nullptr;
    }
  }
  node->kind.store(kind, std::memory_order_relaxed);
  node->root_fd.store(root_fd, std::memory_order_relaxed);
  node->creator.store(process_id(), std::memory_order_relaxed);
  node->identity = identity;
  node->owned_path = owned;
  node->path.store(path, std::memory_order_relaxed);
  node->state.store(NodeState::registered);  // publishes the fields above
  if (fresh) {
    push_node(node);
  }
  return node;
}

}  // namespace

CleanupRegistration CleanupRegistration::add(CleanupKind kind, const std::string& absolute_path,
                                             const EntryIdentity& identity, int root_fd) {
  install_exit_handler();
  auto path = std::make_unique<char[]>(absolute_path.size() + 1);
  std::memcpy(path.get(), absolute_path.c_str(), absolute_path.size() + 1);
  CleanupNode* node = publish(kind, path.get(), path.get(), identity, root_fd);
  if (node == nullptr) {
    throw std::bad_alloc();
  }
  static_cast<void>(path.release());  // the node's now
  return CleanupRegistration(node);
}

CleanupRegistration CleanupRegistration::add_borrowed(CleanupKind kind, const char* absolute_path,
                                                      const EntryIdentity& identity, int root_fd) {
  install_exit_handler();
  CleanupNode* node = publish(kind, absolute_path, nullptr, identity, root_fd);
  if (node == nullptr) {
    throw std::bad_alloc();
  }
  return CleanupRegistration(node);
}

bool CleanupRegistration::claim() noexcept {
  if (node_ == nullptr) {
    return false;
  }
  if (node_->creator.load(std::memory_order_relaxed) != process_id()) {
    // A child's copy of its parent's registry: nothing in it is this process's to remove or to
    // give back (a count copied from the parent could even stay above 0 forever).
    node_ = nullptr;
    return false;
  }
  NodeState expected = NodeState::registered;
  if (node_->state.compare_exchange_strong(expected, NodeState::owner_removing)) {
    return true;
  }
  // A handler claimed it first: let it finish with our descriptor, then give the node back.
  wait_for_handlers(*node_);
  release();
  return false;
}

void CleanupRegistration::finish(bool still_there) noexcept {
  if (node_ == nullptr) {
    return;
  }
  if (still_there) {
    NodeState expected = NodeState::owner_removing;
    if (node_->state.compare_exchange_strong(expected, NodeState::registered)) {
      return;
    }
  }
  release();
}

void CleanupRegistration::release() noexcept {
  CleanupNode* node = std::exchange(node_, nullptr);
  node->state.store(NodeState::retiring);  // handlers that look from now on skip it
  wait_for_handlers(*node);                // those that looked before are done with it
  node->path.store(nullptr, std::memory_order_relaxed);
  delete[] std::exchange(node->owned_path, nullptr);
  // Counted before it is free, so the count can run ahead of the free nodes (a walk that
  // finds none) but never behind them.
  free_nodes.fetch_add(1, std::memory_order_relaxed);
  last_freed.store(node, std::memory_order_release);
  node->state.store(NodeState::free);
}

// saved_mask_ is written only when signals are masked (cleanup.hpp).
// NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
CleanupWindow::CleanupWindow() noexcept {
  if (!windows_counted.load()) {
    return;
  }
  // Not zeroed (128 bytes: most of this constructor's work): written by pthread_sigmask before
  // it is read, and only when masked_ is set.
  sigset_t previous;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  if (signal_cleanup_installed.load()) {
    // The signal handler never runs on this thread inside the window (it would wait for it);
    // another thread's handler waits for it instead.
    sigset_t cleanup_set;
    sigemptyset(&cleanup_set);
    for (const int signal_number : cleanup_signals) {
      sigaddset(&cleanup_set, signal_number);
    }
    if (::pthread_sigmask(SIG_BLOCK, &cleanup_set, &previous) != 0) {
      return;
    }
    masked_ = true;
  }
  timespec start{};
  bool waited = false;
  for (;;) {
    windows_open.fetch_add(1);
    if (!ending.load()) {
      break;
    }
    // A handler is removing everything and the process is about to end: do not create
    // anything it could miss. Bounded: should the process go on after all, so do we.
    windows_open.fetch_sub(1);
    if (!waited) {
      ::clock_gettime(CLOCK_MONOTONIC, &start);
      waited = true;
    } else if (seconds_since(start) > 5.0) {
      windows_open.fetch_add(1);
      break;
    }
    const timespec pause{0, 1000000};
    ::nanosleep(&pause, nullptr);
  }
  ++windows_open_here;
  active_ = true;
  if (masked_) {
    static_assert(sizeof(previous) <= sizeof(saved_mask_));
    std::memcpy(saved_mask_.data(), &previous, sizeof(previous));
  }
}

CleanupWindow::~CleanupWindow() {
  if (!active_) {
    return;
  }
  --windows_open_here;
  windows_open.fetch_sub(1);
  if (!masked_) {
    return;
  }
  sigset_t previous;
  std::memcpy(&previous, saved_mask_.data(), sizeof(previous));
  static_cast<void>(::pthread_sigmask(SIG_SETMASK, &previous, nullptr));
}

void run_exit_cleanup() noexcept {
  // Also the entries other threads are removing right now: exit() ends them with the process.
  claim_each(false, remove_normally);
}

void count_cleanup_windows() noexcept {
  // The handlers compare with getpid(); this only maps os::process_id()'s page now, for the
  // registrations to come.
  static_cast<void>(process_id());
  windows_counted.store(true);
}

void run_terminate_cleanup() noexcept {
  wait_for_open_windows(windows_open_here);
  // Also what another handler is removing: the process ends when this thread's handler is done.
  claim_each(true, remove_normally);
}

namespace {

// One installation at a time. Held across fork(), so that a child forked while another thread
// installs finds it free. A child that takes it over (os/process_lock.hpp) has nothing to
// forget: an installation cut short is finished by the next one (install_signal_cleanup).
constinit ProcessLock install_lock;
ProcessLock& installation_lock() noexcept {
  return install_lock;
}
void nothing_to_forget() noexcept {}
using InstallLock = LockHeldAcrossFork<&installation_lock, &nothing_to_forget>;

}  // namespace

SignalCleanupText signal_cleanup_text() noexcept {
  return {"cannot install signal handlers for", "SIGINT, SIGTERM, SIGHUP"};
}

Errno install_signal_cleanup() noexcept {
  std::unique_lock<ProcessLock> lock;
  if (const int err = InstallLock::lock(lock); err != 0) {
    return err;
  }
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
    if (current.sa_handler == SIG_IGN) {
      continue;  // ignored on purpose (nohup): a signal that cannot end us needs no cleanup
    }
    if ((current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == &on_signal) {
      // Ours already: an installation in the process this one was forked from, cut short
      // between the two calls. previous_actions[i] was written before, so it stands; recording
      // our own handler as the one to restore would make the signal loop back into it.
      installed[i].store(true, std::memory_order_relaxed);
      continue;
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
  // The handlers compare with getpid(); this only maps os::process_id()'s page now, outside
  // any handler, for the registrations to come.
  static_cast<void>(process_id());
  signal_cleanup_installed.store(true);
  windows_counted.store(true);
  return 0;
}

}  // namespace tempfile::os
