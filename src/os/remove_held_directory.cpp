// The one entry point that removes a directory whose root its owner holds open (a
// TemporaryDirectory), for every remover: the owner, the exit handler and a signal handler.
// It makes the "rmdir first" decision once; the walk is remove_tree_at's or, in a signal
// handler, the allocation-free walker's.
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

enum class FirstStep : unsigned char { done, replaced, walk };

// unlinkat(path, AT_REMOVEDIR): it removes only an empty directory and never follows a link, so
// it is safe to try, and for an empty root it is the whole job. Async-signal-safe (unlinkat,
// fstat). `err` receives the reason when the answer is `replaced`.
FirstStep remove_if_empty(const char* path, int root_fd, Errno& err) noexcept {
  err = remove_directory(current_directory_fd, path);
  if (err == ENOENT) {
    return FirstStep::done;  // already gone: Python ignores FileNotFoundError here
  }
  if (err != 0) {
    return FirstStep::walk;  // ENOTEMPTY, or something the walk will meet and report
  }
  // Removed. If the directory we hold still has a name, what went was an empty directory put in
  // place of ours, and ours is elsewhere now.
  std::uint64_t links = 0;
  err = link_count(root_fd, links);
  if (err == 0 && links > 0) {
    err = removal_replaced;
  }
  return err == 0 ? FirstStep::done : FirstStep::replaced;
}

// Whether `root_fd` is still the directory recorded when it was created. A descriptor closed by
// mistake and reused by an unrelated open() must never be walked: it would empty that directory.
Errno check_descriptor(int root_fd, const EntryIdentity& expected) noexcept {
  EntryIdentity held;
  const Errno err = identify_fd(root_fd, held);
  if (err != 0 && err != EBADF) {
    return err;
  }
  return err == 0 && held == expected ? 0 : removal_wrong_descriptor;
}

}  // namespace

Errno remove_held_directory(const char* path, int root_fd, const EntryIdentity& expected,
                            std::vector<RemovalFailure>& failures) noexcept {
  Errno err = check_descriptor(root_fd, expected);
  if (err != 0) {
    try {
      failures.push_back({std::string(), err});
    } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says what happened
    }
    return err;
  }
  switch (remove_if_empty(path, root_fd, err)) {
    case FirstStep::done:
      return 0;
    case FirstStep::replaced:
      try {
        failures.push_back({std::string(), err});
      } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says what happened
      }
      return err;
    case FirstStep::walk:
      break;
  }
  return remove_tree_at(current_directory_fd, path, root_fd, failures);
}

void remove_held_directory_in_signal_handler(const char* path, int root_fd,
                                             const EntryIdentity& expected) noexcept {
  const int saved_errno = errno;
  Errno ignored = 0;
  if (check_descriptor(root_fd, expected) == 0 &&
      remove_if_empty(path, root_fd, ignored) == FirstStep::walk) {
    walk_and_remove_in_signal_handler(path, root_fd);
  }
  errno = saved_errno;
}

}  // namespace tempfile::os
