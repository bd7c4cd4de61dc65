// SPDX-License-Identifier: MIT
// tempfile::sweep(): removes a directory's leftovers of dead owners, telling the dead from the
// live by the shared flock every live NamedTemporaryFile and TemporaryDirectory holds.
#include "tempfile/sweep.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "extras/sweep_seam.hpp"
#include "os/entry_identity.hpp"
#include "os/errno.hpp"
#include "os/fd.hpp"
#include "os/path.hpp"
#include "os/random.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile {

namespace extras {
namespace {
std::atomic<SweepStepHook> step_hook{nullptr};
}  // namespace

void set_sweep_step_hook(SweepStepHook hook) noexcept {
  step_hook.store(hook, std::memory_order_relaxed);
}
}  // namespace extras

namespace {

using extras::SweepStep;

void before(SweepStep step, const std::string& name) noexcept {
  if (const extras::SweepStepHook hook = extras::step_hook.load(std::memory_order_relaxed)) {
    hook(step, name.c_str());
  }
}

// A file's name is moved to one of these before its unlink: random, so that nobody else has a
// reason to make or touch it, and never matched unless asked for (a sweeper killed between the
// move and the unlink leaves one, which sweep() with this prefix removes).
constexpr std::string_view private_prefix = ".tempfile-sweep-";
// Attempts at a free private name before giving up (each one is 41 bits of randomness).
constexpr int private_name_attempts = 8;

// The random part every creation function draws: 8 characters of [a-z0-9_].
constexpr std::size_t random_length = 8;

bool is_random_character(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool matches(std::string_view name, std::string_view prefix, std::string_view suffix) noexcept {
  if (name.size() != prefix.size() + random_length + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return false;
  }
  for (const char c : name.substr(prefix.size(), random_length)) {
    if (!is_random_character(c)) {
      return false;
    }
  }
  return true;
}

class Sweeper {
 public:
  Sweeper(const std::filesystem::path& dir, const SweepOptions& options, int dir_fd,
          const os::EntryIdentity& dir_identity)
      : dir_(dir),
        options_(options),
        dir_fd_(dir_fd),
        dir_identity_(dir_identity),
        newest_allowed_(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        options.min_age.count()) {}

  void visit(const std::string& name) {
    const std::filesystem::path path = dir_ / os::to_path(name);
    os::EntryStatus status;
    if (const os::Errno err = os::entry_status(dir_fd_, name.c_str(), status); err != 0) {
      if (err != ENOENT) {  // gone since the directory was read: nothing to do
        leave(path, SweepReason::failed, err);
      }
      return;
    }
    if (!is_file_or_directory(status)) {
      leave(path, SweepReason::not_ours,
            status.kind == os::EntryStatus::Kind::symbolic_link ? ELOOP : 0);
      return;
    }
    if (status.modified > newest_allowed_) {
      leave(path, SweepReason::too_young, 0);
      return;
    }
    before(SweepStep::examined, name);
    os::FileDescriptor fd;
    if (const os::Errno err = open_entry(name, status.kind, fd); err != 0) {
      if (err == ELOOP) {
        leave(path, SweepReason::not_ours, ELOOP);  // a symbolic link swapped in since the lstat
      } else if (err != ENOENT) {
        leave(path, SweepReason::failed, err);
      }
      return;
    }
    before(SweepStep::opened, name);
    // A live owner holds a shared lock, which makes this fail; a dead owner's went with it.
    // Ours is then held until the end, so no other sweeper (nor systemd-tmpfiles) races us.
    if (const os::Errno err = os::lock_exclusive(fd.get()); err != 0) {
      leave(path, err == EWOULDBLOCK ? SweepReason::in_use : SweepReason::failed, err);
      return;
    }
    before(SweepStep::locked, name);
    // Under the lock, about what was locked: the lstat above may be of an entry since replaced.
    os::EntryStatus locked;
    os::EntryIdentity identity;
    std::uint64_t links = 0;
    if (const os::Errno err = os::descriptor_status(fd.get(), locked); err != 0) {
      leave(path, SweepReason::failed, err);
      return;
    }
    if (const os::Errno err = os::identify_fd(fd.get(), identity, links); err != 0) {
      leave(path, SweepReason::failed, err);
      return;
    }
    if (!is_file_or_directory(locked)) {
      leave(path, SweepReason::not_ours, 0);  // a FIFO or device swapped in since the lstat
      return;
    }
    if (locked.modified > newest_allowed_) {
      leave(path, SweepReason::too_young, 0);
      return;
    }
    if (!os::same_mount(identity, dir_identity_)) {
      leave(path, SweepReason::other_mount, EXDEV);
      return;
    }
    const bool directory = locked.kind == os::EntryStatus::Kind::directory;
    if (!directory && links != 1) {
      // Another name refers to the file (or none does: removed meanwhile): unlinking ours
      // would not free it, and the other name's owner may not be dead.
      if (links != 0) {
        leave(path, SweepReason::hard_linked, 0);
      }
      return;
    }
    os::EntryIdentity named;
    if (const os::Errno err = os::identify_name(dir_fd_, name.c_str(), named); err != 0) {
      if (err != ENOENT) {
        leave(path, SweepReason::failed, err);
      }
      return;
    }
    if (!(named == identity)) {
      leave(path, SweepReason::replaced, os::removal_replaced);
      return;
    }
    before(SweepStep::checked, name);
    if (options_.dry_run) {
      result_.removed.push_back({path, directory});
      return;
    }
    before(SweepStep::remove, name);
    if (directory) {
      remove_directory(path, name, fd.get(), identity);
    } else {
      remove_file(path, name, identity);
    }
  }

  SweepResult take() { return std::move(result_); }

 private:
  static bool is_file_or_directory(const os::EntryStatus& status) noexcept {
    return status.kind == os::EntryStatus::Kind::file ||
           status.kind == os::EntryStatus::Kind::directory;
  }

  // Opens entry `name` to lock it. A directory whose own mode denies its owner reading it
  // (0000, 0300...: a dead owner chmod'ed it, or made it under such a umask) cannot be opened
  // even by that owner; when the sweeper is that owner it is opened all the same: u+rwx given
  // through an O_PATH descriptor (never by a path that could lead elsewhere) for the time of
  // the open, then its mode given back on the opened descriptor, before the lock can tell a
  // live owner from a dead one (a dead owner's tree removal fixes modes again where it must).
  // Nobody else's entry is ever changed.
  os::Errno open_entry(const std::string& name, os::EntryStatus::Kind kind,
                       os::FileDescriptor& fd) {
    const os::Errno err = os::open_to_lock(dir_fd_, name.c_str(), fd);
    if (err != EACCES || kind != os::EntryStatus::Kind::directory) {
      return err;
    }
    const os::Errno again = os::open_directory_despite_mode(dir_fd_, name.c_str(), fd);
    // ENOTDIR: a file took the name since the lstat; its EACCES is the one to report.
    return again == ENOTDIR ? err : again;
  }

  // The name check under the lock and an unlink by name would be two system calls: whatever
  // took the name in between (another file renamed over it) would be unlinked instead. So the
  // name is first moved to a private random name, which replaces nothing; what arrived there
  // is identified, and unlinked only if it is the locked file. Anything else is moved back
  // under its name and reported `replaced`: sweep() only ever moves it, and never removes it.
  void remove_file(const std::filesystem::path& path, const std::string& name,
                   const os::EntryIdentity& identity) {
    std::string private_name;
    if (const os::Errno err = move_to_private_name(name, private_name); err != 0) {
      if (err != ENOENT) {  // ENOENT: removed (or renamed) by somebody else meanwhile
        leave(path, SweepReason::failed, err);
      }
      return;
    }
    before(SweepStep::moved, name);
    os::EntryIdentity moved;
    os::Errno err = os::identify_name(dir_fd_, private_name.c_str(), moved);
    if (err == ENOENT) {
      return;  // moved on by somebody else, who then knows where it is
    }
    if (err == 0 && moved == identity) {
      before(SweepStep::unlink, name);
      err = os::remove_file(dir_fd_, private_name.c_str());
      if (err == 0 || err == ENOENT) {
        result_.removed.push_back({path, false});
        return;
      }
    }
    // Not the locked file (or not known to be): back under its name. Should something have
    // taken the name meanwhile, the move refuses to replace it.
    leave(path, err == 0 ? SweepReason::replaced : SweepReason::failed,
          err == 0 ? os::removal_replaced : err);
    if (const os::Errno back =
            os::move_entry_no_replace(dir_fd_, private_name.c_str(), name.c_str());
        back != 0 && back != ENOENT) {
      // The name was taken again in between: the entry stays under the private name, and the
      // caller learns where.
      leave(dir_ / os::to_path(private_name), SweepReason::failed, back);
    }
  }

  // Moves `name` to a fresh random name beside it; a name that is taken is never replaced.
  os::Errno move_to_private_name(const std::string& name, std::string& private_name) {
    os::Errno err = EEXIST;
    for (int attempt = 0; attempt < private_name_attempts && err == EEXIST; ++attempt) {
      private_name.assign(private_prefix);
      private_name.resize(private_prefix.size() + os::name_length);
      os::random_name(private_name.data() + private_prefix.size());
      err = os::move_entry_no_replace(dir_fd_, name.c_str(), private_name.c_str());
    }
    return err;
  }

  // The library's one tree remover, through the locked descriptor: no link followed, no mount
  // crossed, and the name removed only while it still refers to this directory (checked and
  // removed in two calls: what takes the name in between can only be removed if it is an
  // empty directory, which rmdir alone can remove).
  void remove_directory(const std::filesystem::path& path, const std::string& name, int fd,
                        const os::EntryIdentity& identity) {
    std::vector<os::RemovalFailure> failures;
    const os::Errno err = os::remove_tree_at(dir_fd_, name.c_str(), fd, identity, failures);
    if (err == 0) {
      result_.removed.push_back({path, true});
      return;
    }
    if (failures.empty()) {
      leave(path, SweepReason::failed, err);
      return;
    }
    for (const os::RemovalFailure& failure : failures) {
      const std::filesystem::path where =
          failure.path.empty() ? path : path / os::to_path(failure.path);
      leave(where,
            failure.error == os::removal_replaced      ? SweepReason::replaced
            : failure.error == os::removal_other_mount ? SweepReason::other_mount
                                                       : SweepReason::failed,
            failure.error);
    }
  }

  void leave(const std::filesystem::path& path, SweepReason reason, os::Errno err) {
    result_.left.push_back({path, reason, err == 0 ? std::error_code() : os::to_error_code(err)});
  }

  const std::filesystem::path& dir_;
  const SweepOptions& options_;
  int dir_fd_;
  os::EntryIdentity dir_identity_;
  std::int64_t newest_allowed_;
  SweepResult result_;
};

}  // namespace

SweepResult sweep(const std::filesystem::path& dir, const SweepOptions& options,
                  std::error_code& ec) {
  ec.clear();
  const std::string prefix = options.prefix ? *options.prefix : gettempprefix();
  const std::string suffix = options.suffix.value_or("");
  // "dir/.": the caller's directory is reached even when its own name is a symbolic link (as
  // the creation functions reach `dir`); no entry in it is ever reached through one.
  const std::filesystem::path here = dir / ".";
  os::FileDescriptor dir_fd;
  if (const os::Errno err =
          os::open_directory(os::current_directory_fd, os::from_path(here).c_str(), dir_fd);
      err != 0) {
    ec = os::to_error_code(err);
    return {};
  }
  os::EntryIdentity dir_identity;
  if (const os::Errno err = os::identify_fd(dir_fd.get(), dir_identity); err != 0) {
    ec = os::to_error_code(err);
    return {};
  }
  std::vector<std::string> names;
  if (const os::Errno err = os::entry_names(dir_fd.get(), names); err != 0) {
    ec = os::to_error_code(err);
    return {};
  }
  Sweeper sweeper(dir, options, dir_fd.get(), dir_identity);
  for (const std::string& name : names) {
    if (matches(name, prefix, suffix)) {
      sweeper.visit(name);
    }
  }
  return sweeper.take();
}

SweepResult sweep(const std::filesystem::path& dir, const SweepOptions& options) {
  std::error_code ec;
  SweepResult result = sweep(dir, options, ec);
  if (ec) {
    throw error("cannot sweep directory", dir, ec);
  }
  return result;
}

}  // namespace tempfile
