// SPDX-License-Identifier: MIT
// tempfile::cleanup_on_terminate(): a std::terminate handler that removes every live entry (the
// exit cleanup's remover) and then calls the handler that was in place before; and
// tempfile::cleanup_on_quick_exit(): the exit cleanup as an at_quick_exit handler.
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>

#include "os/cleanup.hpp"
#include "os/quick_exit.hpp"
#include "tempfile/cleanup.hpp"

namespace tempfile {
namespace {

// The handler in place before ours; never null once ours is installed (null means abort).
std::atomic<std::terminate_handler> previous_handler{nullptr};
static_assert(std::atomic<std::terminate_handler>::is_always_lock_free);

// Set on the thread running our handler: a terminate from inside the cleanup itself (it is
// noexcept: something in it threw) goes straight on to the previous handler.
thread_local bool cleaning_on_this_thread = false;

// Registered with at_quick_exit while the library loads, and armed by cleanup_on_quick_exit():
// a call made later, while other threads may fork, never calls at_quick_exit(). glibc's fork()
// does not reset the lock at_quick_exit() takes (the atexit() list's), so a child forked while
// another thread was inside it would wait for that lock forever when it made the call itself
// (the once starts over in the child).
std::atomic<bool> quick_exit_cleanup_armed{false};

void on_quick_exit() noexcept {
  if (quick_exit_cleanup_armed.load()) {
    os::run_exit_cleanup();
  }
}

bool register_quick_exit_handler_at_load() noexcept {
  return os::at_quick_exit(&on_quick_exit) == 0;
}
const bool quick_exit_handler_registered_at_load = register_quick_exit_handler_at_load();

[[noreturn]] void on_terminate() noexcept {
  if (!cleaning_on_this_thread) {
    cleaning_on_this_thread = true;
    // Other threads terminating at the same moment help: each one's walk finishes every entry
    // before it goes on, so whichever ends the process first leaves nothing.
    os::run_terminate_cleanup();
  }
  if (const std::terminate_handler previous = previous_handler.load(); previous != nullptr) {
    previous();  // libstdc++'s default prints the exception and aborts
  }
  std::abort();  // no previous handler, or one that returned (it must not)
}

}  // namespace

void cleanup_on_terminate() {
  static std::once_flag once;
  std::call_once(once, [] {
    os::count_cleanup_windows();
    // The previous handler is known before ours can run; a handler another thread installs
    // between the two calls is the one set_terminate returns, and the one we chain to.
    previous_handler.store(std::get_terminate());
    const std::terminate_handler replaced = std::set_terminate(&on_terminate);
    previous_handler.store(replaced);
  });
}

void cleanup_on_quick_exit() {
  if (!quick_exit_handler_registered_at_load) {
    // No room while the library loaded: registered now, once.
    static std::once_flag once;
    std::call_once(once, [] {
      if (os::at_quick_exit(&on_quick_exit) != 0) {
        throw std::bad_alloc();  // its only failure is running out of room for handlers
      }
    });
  }
  quick_exit_cleanup_armed.store(true);
}

}  // namespace tempfile
