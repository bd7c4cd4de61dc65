// SPDX-License-Identifier: MIT
// An entry on disk that a temporary object created and may have to remove: its registration
// with the exit/signal cleanup, the process that created it, and the one way it is withdrawn
// and removed. NamedTemporaryFile and TemporaryDirectory hold one; so can later owners
// (persist, keep, pseudo-files).
#pragma once

#include <string>
#include <vector>

#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/errno.hpp"
#include "os/process.hpp"
#include "os/remove_tree.hpp"

namespace tempfile::objects {

/// Whether `name` still refers to the entry `fd` is open on (the file, or a directory's root):
/// the one check persist() makes before it moves a name and keep() before it hands one back.
/// `known` is the identity the entry's maker recorded, if it did (one statx fewer).
struct NameCheck {
  os::Errno err = 0;         ///< an identification failed: its errno...
  bool of_name = false;      ///< ...the name's (else the descriptor's)
  bool other_entry = false;  ///< both identified, and the name's entry is another one
  os::EntryIdentity ours;    ///< the entry's identity (when err is 0)
  [[nodiscard]] bool ours_still() const noexcept { return err == 0 && !other_entry; }
};
[[nodiscard]] NameCheck check_name(int fd, const std::string& name,
                                   const os::EntryIdentity& known = {}) noexcept;

/// keep(), once nothing removes the entry any more: its name is handed back only while
/// check_name() says it is still the entry's, so that a caller never takes for the object's own
/// a path that someone removed or gave to another entry since. Throws tempfile::error (action
/// `action`, path `name`) with ENOENT when the name is gone or refers to another entry, or with
/// the errno of the identification that failed.
void check_kept_name(const char* action, const std::string& name, int fd,
                     const os::EntryIdentity& known = {});

/// Move-only. The entry's path is not kept here: the owner has it (File::name(),
/// TemporaryDirectory::name()), and the registration keeps the copy the handlers need.
class OwnedEntry {
 public:
  /// Owns nothing: remove() does nothing.
  OwnedEntry() noexcept = default;

  /// A file this process just created at `path`, which this object owes a removal, and its
  /// `identity` (os::identify_fd of the new descriptor): whoever removes it (remove(), the exit
  /// or a signal handler) unlinks the name only while it still refers to that file. With
  /// `exit_cleanup` it is also registered, so the exit and signal handlers remove it if the
  /// process ends first. Throws std::bad_alloc.
  [[nodiscard]] static OwnedEntry file(const std::string& path, const os::EntryIdentity& identity,
                                       bool exit_cleanup);
  /// file(), borrowing `path` instead of copying it (no allocation): the owner keeps that string
  /// alive, at the same address and unchanged, while this object owes the removal (so withdraws
  /// it, by destroying this object, before it changes the name), and passes the same one to
  /// retry_later().
  [[nodiscard]] static OwnedEntry file_borrowing(const std::string& path,
                                                 const os::EntryIdentity& identity,
                                                 bool exit_cleanup);
  /// A temporary cannot be borrowed.
  static OwnedEntry file_borrowing(std::string&& path, const os::EntryIdentity& identity,
                                   bool exit_cleanup) = delete;
  /// The same for a directory whose O_DIRECTORY descriptor `root_fd` the owner holds (and keeps
  /// open while this object lives): the handlers and remove() walk the tree through it, and only
  /// while it is still `identity` (os::identify_fd of it, taken when it was opened). The
  /// registration borrows `path` (no copy): the owner keeps that string alive and unchanged
  /// while this object owes the removal, and passes the same one to retry_later().
  [[nodiscard]] static OwnedEntry directory(const std::string& path, int root_fd,
                                            const os::EntryIdentity& identity, bool exit_cleanup);
  /// A temporary cannot be borrowed.
  static OwnedEntry directory(std::string&& path, int root_fd, const os::EntryIdentity& identity,
                              bool exit_cleanup) = delete;

  /// A moved-from entry owes nothing.
  OwnedEntry(OwnedEntry&& other) noexcept;
  OwnedEntry& operator=(OwnedEntry&& other) noexcept;
  OwnedEntry(const OwnedEntry&) = delete;
  OwnedEntry& operator=(const OwnedEntry&) = delete;
  /// Withdraws the registration (the handlers no longer remove it); removes nothing itself.
  ~OwnedEntry() = default;

  /// False in any child of the creating process (fork(), syscall(SYS_fork), clone()): nothing
  /// there is the child's to remove.
  [[nodiscard]] bool in_creating_process() const noexcept { return created_by_.is_current(); }

  /// Removes the entry, if that is still this object's job: a removal is owed (once; see
  /// retry_later), this is the creating process, and no handler claimed it first (the handler
  /// then removed it). The registration stays visible to the handlers during the removal (a
  /// signal that ends the process meanwhile finishes it) and is withdrawn after it, or kept
  /// if something was left. A file goes with os::remove_file_if_same: a name that no longer
  /// refers to our file is left alone and counts as removed (ours is gone), as does a missing
  /// name (Python 3.12); a directory with os::remove_held_directory. What was left goes to
  /// `failures` (paths relative to `path`, "" for the entry itself); returns 0 or the first
  /// failure's errno. A directory's walk may fan out as `parallel` says (the owner's choice;
  /// the handlers never pass one).
  [[nodiscard]] os::Errno remove(const std::string& path, std::vector<os::RemovalFailure>& failures,
                                 const os::ParallelRemoval& parallel = {}) noexcept;

  /// After a remove() that left something: owe the removal again, and with `exit_cleanup`
  /// stay registered (or register again), so a later remove() (or the exit handler) retries.
  /// Throws std::bad_alloc.
  void retry_later(const std::string& path, bool exit_cleanup);
  /// A directory's path is borrowed again: a temporary cannot be.
  void retry_later(std::string&& path, bool exit_cleanup) = delete;

 private:
  OwnedEntry(os::CleanupKind kind, int root_fd, const os::EntryIdentity& identity,
             bool borrowed) noexcept
      : kind_(kind), root_fd_(root_fd), identity_(identity), borrowed_(borrowed) {}
  void owe(const std::string& path, bool exit_cleanup);

  os::CleanupKind kind_ = os::CleanupKind::file;
  int root_fd_ = -1;
  // Who the entry is, recorded at creation: nothing is removed through a descriptor or by a
  // name that no longer refers to it.
  os::EntryIdentity identity_;
  bool owed_ = false;
  // The registration reads the owner's string instead of a copy (directory(), file_borrowing()).
  bool borrowed_ = false;
  os::CreatingProcess created_by_;
  // Shared with the exit and signal handlers: whoever claims it first removes the entry; the
  // others finish it if the process ends during that removal.
  os::CleanupRegistration registration_;
};

}  // namespace tempfile::objects
