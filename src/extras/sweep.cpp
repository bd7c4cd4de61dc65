// SPDX-License-Identifier: MIT
// tempfile::sweep(): removes a directory's leftovers of dead owners, telling the dead from the
// live by the shared flock every live NamedTemporaryFile and TemporaryDirectory holds.
#include "tempfile/sweep.hpp"

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"
#include "os/fd.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace {

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
    const std::filesystem::path path = dir_ / name;
    os::EntryStatus before;
    if (const os::Errno err = os::entry_status(dir_fd_, name.c_str(), before); err != 0) {
      if (err != ENOENT) {  // gone since the directory was read: nothing to do
        leave(path, SweepReason::failed, err);
      }
      return;
    }
    if (!is_file_or_directory(before)) {
      leave(path, SweepReason::not_ours,
            before.kind == os::EntryStatus::Kind::symbolic_link ? ELOOP : 0);
      return;
    }
    if (before.modified > newest_allowed_) {
      leave(path, SweepReason::too_young, 0);
      return;
    }
    os::FileDescriptor fd;
    if (const os::Errno err = os::open_to_lock(dir_fd_, name.c_str(), fd); err != 0) {
      if (err == ELOOP) {
        leave(path, SweepReason::not_ours, ELOOP);  // a symbolic link swapped in since the lstat
      } else if (err != ENOENT) {
        leave(path, SweepReason::failed, err);
      }
      return;
    }
    // A live owner holds a shared lock, which makes this fail; a dead owner's went with it.
    // Ours is then held until the end, so no other sweeper (nor systemd-tmpfiles) races us.
    if (const os::Errno err = os::lock_exclusive(fd.get()); err != 0) {
      leave(path, err == EWOULDBLOCK ? SweepReason::in_use : SweepReason::failed, err);
      return;
    }
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
    if (options_.dry_run) {
      result_.removed.push_back({path, directory});
      return;
    }
    remove(path, name, fd.get(), identity, directory);
  }

  SweepResult take() { return std::move(result_); }

 private:
  static bool is_file_or_directory(const os::EntryStatus& status) noexcept {
    return status.kind == os::EntryStatus::Kind::file ||
           status.kind == os::EntryStatus::Kind::directory;
  }

  void remove(const std::filesystem::path& path, const std::string& name, int fd,
              const os::EntryIdentity& identity, bool directory) {
    if (!directory) {
      // Checked just above; whoever could swap the name in between owns the entry anyway
      // (a sticky directory lets only an entry's owner rename or remove it).
      if (const os::Errno err = os::remove_file(dir_fd_, name.c_str()); err != 0) {
        if (err != ENOENT) {
          leave(path, SweepReason::failed, err);
        }
        return;
      }
      result_.removed.push_back({path, false});
      return;
    }
    // The library's one tree remover, through the locked descriptor: no link followed, no
    // mount crossed, and the name removed only while it still refers to this directory.
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
      const std::filesystem::path where = failure.path.empty() ? path : path / failure.path;
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
  if (const os::Errno err = os::open_directory(os::current_directory_fd, here.c_str(), dir_fd);
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
