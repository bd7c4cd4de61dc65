// SPDX-License-Identifier: MIT
// TemporaryDirectory: mkdtemp's creation, a descriptor of the root held for life, and cleanup
// through its OwnedEntry (the one held-directory remover; exit/signal cleanup while delete_).
#include "tempfile/temporary_directory.hpp"

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "create/create.hpp"
#include "create/held_directory.hpp"
#include "create/paths.hpp"
#include "objects/owned_entry.hpp"
#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/guardian.hpp"
#include "os/no_value.hpp"
#include "os/path.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile {

struct TemporaryDirectory::State {
  // The name as name() gives it and as UTF-8 text, which the OS layer, the registration and a
  // DirOption made from the object read (on POSIX one string).
  os::PathText name;
  os::FileDescriptor root;
  // Declared after `root`, so destroyed before it: the handlers may walk `root` until the
  // entry is withdrawn.
  objects::OwnedEntry entry;
  // A PseudoTemporaryDirectory's protection by the guardian process; withdrawn once cleanup()
  // removed everything, else when the object goes.
  os::GuardianTicket guard;
  bool ignore_cleanup_errors = false;
  bool delete_ = true;
  // cleanup()'s (and so the destructor's) fan-out; the exit and signal handlers walk alone.
  os::ParallelRemoval parallel;
  bool removed = false;
  // keep(): nothing removes the directory any more, cleanup() included.
  bool kept = false;
  // What a DirOption made from the object refers to: `root` and `name`, until root is closed.
  detail::HeldDirectory held;
};

namespace {

// The remover's own reasons, which their errno's message would not explain.
std::string reason_for(const os::RemovalFailure& failure) {
  if (failure.error == os::removal_other_mount) {
    return "a mount point, not crossed";
  }
  if (!failure.path.empty()) {
    return failure.error == os::removal_replaced ? "replaced while it was removed" : "";
  }
  if (failure.error == os::removal_replaced) {
    return "the directory was moved away: its name no longer refers to it (its contents were "
           "removed)";
  }
  if (failure.error == os::removal_wrong_descriptor) {
    return "its descriptor no longer refers to the directory (closed and reused by another "
           "open?): nothing was removed";
  }
  return "";
}

// What the remover left, as cleanup_error reports it: absolute paths.
std::vector<cleanup_error::failure> left_behind(const std::filesystem::path& root,
                                                const std::vector<os::RemovalFailure>& failures) {
  std::vector<cleanup_error::failure> left;
  left.reserve(failures.size());
  for (const os::RemovalFailure& failure : failures) {
    left.push_back({failure.path.empty() ? root : root / os::to_path(failure.path),
                    os::to_error_code(failure.error), reason_for(failure)});
  }
  return left;
}

// The one translation of the public choice into the walker's.
os::ParallelRemoval removal_fan_out(RmtreeParallel choice, unsigned max_threads) noexcept {
  os::ParallelRemoval parallel{.max_threads = max_threads};
  switch (choice) {
    case RmtreeParallel::automatic:
      parallel.mode = os::ParallelRemoval::Mode::automatic;
      break;
    case RmtreeParallel::never:
      parallel.mode = os::ParallelRemoval::Mode::never;
      break;
    case RmtreeParallel::always:
      parallel.mode = os::ParallelRemoval::Mode::always;
      break;
  }
  return parallel;
}

}  // namespace

void rmtree(const std::filesystem::path& path, bool ignore_errors) {
  rmtree(path, RmtreeOptions{.ignore_errors = ignore_errors});
}

void rmtree(const std::filesystem::path& path, const RmtreeOptions& options) {
  // A bad argument, not a removal failure: refused even with ignore_errors (Python's
  // ignore_errors swallows its ValueError too, and then removes nothing either).
  const auto& text = os::from_path(path);  // UTF-8: on POSIX the path's own string, no copy
  create::check_path_argument("rmtree", "path", std::string_view(text));
  const os::ParallelRemoval parallel = removal_fan_out(options.parallel, options.max_threads);
  std::vector<os::RemovalFailure> failures;
  if (os::remove_tree(os::current_directory_fd, text.c_str(), failures, parallel) == 0 ||
      options.ignore_errors) {
    return;
  }
  throw cleanup_error(path, left_behind(path, failures));
}

TemporaryDirectory::TemporaryDirectory() : TemporaryDirectory(TemporaryDirectoryOptions{}) {}

TemporaryDirectory::TemporaryDirectory(const TemporaryDirectoryOptions& options)
    : TemporaryDirectory(options, false) {}

TemporaryDirectory::TemporaryDirectory(const TemporaryDirectoryOptions& options, Guarded /*unused*/)
    : TemporaryDirectory(options, true) {}

TemporaryDirectory::TemporaryDirectory(const TemporaryDirectoryOptions& options, bool guarded)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  if (guarded && options.delete_) {
    // The guardian runs before the directory exists: only the one message that hands it over
    // is left between the directory's creation and its protection.
    if (const os::Errno err = os::GuardianTicket::reserve(s.guard); err != 0) {
      throw error(
          "cannot start the guardian process for a temporary directory in",
          std::string(create::resolve_directory("PseudoTemporaryDirectory", options.dir).path()),
          os::to_error_code(err));
    }
  }
  create::RandomNames names;
  const os::CleanupWindow window;  // created but not yet registered: a handler must wait
  create::CreatedEntry created =
      create::create_unique(create::EntryKind::directory,
                            {guarded ? "PseudoTemporaryDirectory" : "TemporaryDirectory",
                             options.prefix, options.suffix, options.dir},
                            names);
  try {
    // Held open even when a umask (0777, 0477) denied its owner reading it, as Python's
    // TemporaryDirectory works then too; its mode stays what the umask gave.
    if (const os::Errno err =
            os::open_directory_despite_mode(created.dirfd, created.at_name(), s.root);
        err != 0) {
      throw error("cannot open temporary directory", created.path, os::to_error_code(err));
    }
    // Who the root is, so that no remover ever walks its descriptor once it is something else.
    os::EntryIdentity identity;
    if (const os::Errno err = os::identify_fd(s.root.get(), identity); err != 0) {
      throw error("cannot identify temporary directory", created.path, os::to_error_code(err));
    }
    if (options.lock) {
      // Best effort: a file system without flock, or a cleaner holding the directory this
      // very moment, only loses the protection against ageing.
      static_cast<void>(os::lock_shared(s.root.get()));
    }
    s.name = os::PathText(std::move(created.path));
    s.held = {s.root.get(), s.name.text()};
    s.ignore_cleanup_errors = options.ignore_cleanup_errors;
    s.delete_ = options.delete_;
    s.parallel = removal_fan_out(options.cleanup_parallel, 0);
    // cleanup() removes the tree even without delete_ (Python's rule); delete_ adds the
    // destructor's and the exit/signal handlers' removal.
    s.entry = objects::OwnedEntry::directory(s.name.text(), s.root.get(), identity, s.delete_);
    if (guarded && s.delete_) {
      if (const os::Errno err = os::GuardianTicket::guard_directory(
              s.name.text().c_str(), s.root.get(), identity, s.guard);
          err != 0) {
        throw error("cannot hand temporary directory to its guardian process", s.name.path(),
                    os::to_error_code(err));
      }
    }
  } catch (...) {
    // Nothing is in it yet: the name goes with one rmdir, once the registration is withdrawn
    // and the root closed (Windows refuses to remove a directory held open without sharing
    // deletion, as the root is).
    s.entry = objects::OwnedEntry();
    s.root = os::FileDescriptor();
    static_cast<void>(
        os::remove_directory(s.name.text().empty() ? created.dirfd : os::current_directory_fd,
                             s.name.text().empty() ? created.at_name() : s.name.text().c_str()));
    throw;
  }
}

TemporaryDirectory::TemporaryDirectory(TemporaryDirectory&& other) noexcept = default;

TemporaryDirectory& TemporaryDirectory::operator=(TemporaryDirectory&& other) noexcept {
  if (this != &other) {
    TemporaryDirectory discarded(std::move(*this));  // its destructor does the cleanup
    state_ = std::move(other.state_);
  }
  return *this;
}

TemporaryDirectory::~TemporaryDirectory() {
  if (!state_ || state_->removed || !state_->delete_) {
    return;
  }
  if (!state_->entry.in_creating_process()) {
    return;  // a fork()ed child: its parent's directory is not its to remove
  }
  try {
    cleanup();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor cannot report; cleanup() can
  }
}

const std::filesystem::path& TemporaryDirectory::name() const noexcept {
  return state_ ? state_->name.path() : os::no_path();
}

void TemporaryDirectory::cleanup() {
  if (!state_ || state_->removed || state_->kept) {
    return;
  }
  State& s = *state_;
  if (!s.entry.in_creating_process()) {
    // A fork()ed child must not remove its parent's directory, even when asked (Python's
    // would); as close() in a child never removes a NamedTemporaryFile.
    if (s.ignore_cleanup_errors) {
      return;
    }
    throw error("cannot clean up, in a forked child, the temporary directory of its parent",
                s.name.path(), std::make_error_code(std::errc::operation_not_permitted));
  }
  // Nothing left when an exit or signal handler claimed it first (and removed it).
  std::vector<os::RemovalFailure> failures;
  static_cast<void>(s.entry.remove(s.name.text(), failures, s.parallel));
  if (failures.empty()) {
    s.removed = true;
    s.guard.withdraw();  // after the removal: a death before it still leaves the guardian its job
    s.entry = objects::OwnedEntry();
    s.held.fd = -1;
    s.root = os::FileDescriptor();
    return;
  }
  // Something stayed: keep the descriptor so that a later cleanup() (or the exit handler)
  // can try again, as Python's cleanup() retries while the name exists.
  s.entry.retry_later(s.name.text(), s.delete_);
  std::vector<cleanup_error::failure> left = left_behind(s.name.path(), failures);
  if (!s.ignore_cleanup_errors) {
    throw cleanup_error(s.name.path(), std::move(left));
  }
}

std::filesystem::path TemporaryDirectory::keep() {
  if (!state_) {
    return {};
  }
  State& s = *state_;
  if (s.removed) {
    throw error("cannot keep temporary directory", s.name.path(),
                std::make_error_code(std::errc::no_such_file_or_directory),
                "cleanup() already removed it");
  }
  // Withdrawn, never claimed: the exit and signal handlers forget it, and the guardian too.
  s.entry = objects::OwnedEntry();
  s.guard.withdraw();
  s.delete_ = false;
  s.kept = true;
  // Kept wherever it is now (a tree moved away would otherwise still be emptied through its
  // descriptor); the name must still lead to it.
  objects::check_kept_name("kept the temporary directory, but it is no longer at", s.name.text(),
                           s.root.get());
  return s.name.path();
}

PseudoTemporaryDirectory::PseudoTemporaryDirectory()
    : PseudoTemporaryDirectory(PseudoTemporaryDirectoryOptions{}) {}

PseudoTemporaryDirectory::PseudoTemporaryDirectory(const PseudoTemporaryDirectoryOptions& options)
    : TemporaryDirectory(options, Guarded{}) {}

DirOption::DirOption(const TemporaryDirectory& directory) noexcept
    : held_(directory.state_ ? &directory.state_->held : nullptr), kind_(Kind::held) {}

}  // namespace tempfile
