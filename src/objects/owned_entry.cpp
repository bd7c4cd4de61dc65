// SPDX-License-Identifier: MIT
// OwnedEntry: where a NamedTemporaryFile's file and a TemporaryDirectory's tree are removed,
// with the claim shared with the exit and signal handlers and the fork rule.
#include "objects/owned_entry.hpp"

#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::objects {

NameCheck check_name(int fd, const std::string& name, const os::EntryIdentity& known) noexcept {
  NameCheck check;
  check.ours = known;
  if (!check.ours.recorded()) {
    check.err = os::identify_fd(fd, check.ours);
    if (check.err != 0) {
      return check;
    }
  }
  os::EntryIdentity named;
  check.err = os::identify_name(os::current_directory_fd, name.c_str(), named);
  check.of_name = check.err != 0;
  check.other_entry = check.err == 0 && !(named == check.ours);
  return check;
}

void check_kept_name(const char* action, const std::string& name, int fd,
                     const os::EntryIdentity& known) {
  const NameCheck check = check_name(fd, name, known);
  if (check.ours_still()) {
    return;
  }
  const os::Errno err = check.other_entry ? ENOENT : check.err;
  const char* detail = check.other_entry                ? "its name now refers to another entry"
                       : check.of_name && err == ENOENT ? "its name is gone"
                                                        : "";
  throw error(action, os::to_path(name), os::to_error_code(err), detail);
}

OwnedEntry OwnedEntry::file(const std::string& path, const os::EntryIdentity& identity,
                            bool exit_cleanup) {
  OwnedEntry entry(os::CleanupKind::file, -1, identity, false);
  entry.owe(path, exit_cleanup);
  return entry;
}

OwnedEntry OwnedEntry::file_borrowing(const std::string& path, const os::EntryIdentity& identity,
                                      bool exit_cleanup) {
  OwnedEntry entry(os::CleanupKind::file, -1, identity, true);
  entry.owe(path, exit_cleanup);
  return entry;
}

OwnedEntry OwnedEntry::directory(const std::string& path, int root_fd,
                                 const os::EntryIdentity& identity, bool exit_cleanup) {
  OwnedEntry entry(os::CleanupKind::directory, root_fd, identity, true);
  entry.owe(path, exit_cleanup);
  return entry;
}

OwnedEntry::OwnedEntry(OwnedEntry&& other) noexcept
    : kind_(other.kind_),
      root_fd_(std::exchange(other.root_fd_, -1)),
      identity_(other.identity_),
      owed_(std::exchange(other.owed_, false)),
      borrowed_(other.borrowed_),
      created_by_(other.created_by_),
      registration_(std::move(other.registration_)) {}

OwnedEntry& OwnedEntry::operator=(OwnedEntry&& other) noexcept {
  if (this != &other) {
    kind_ = other.kind_;
    root_fd_ = std::exchange(other.root_fd_, -1);
    identity_ = other.identity_;
    owed_ = std::exchange(other.owed_, false);
    borrowed_ = other.borrowed_;
    created_by_ = other.created_by_;
    registration_ = std::move(other.registration_);
  }
  return *this;
}

void OwnedEntry::owe(const std::string& path, bool exit_cleanup) {
  if (exit_cleanup && !registration_.registered()) {
    // A borrowing owner keeps its path unchanged while the entry lives (directory(),
    // file_borrowing()): the registration reads that string instead of a copy.
    registration_ =
        borrowed_ ? os::CleanupRegistration::add_borrowed(kind_, path.c_str(), identity_, root_fd_)
                  : os::CleanupRegistration::add(kind_, path, identity_, root_fd_);
  }
  owed_ = true;
}

void OwnedEntry::retry_later(const std::string& path, bool exit_cleanup) {
  owe(path, exit_cleanup);
}

os::Errno OwnedEntry::remove(const std::string& path, std::vector<os::RemovalFailure>& failures,
                             const os::ParallelRemoval& parallel) noexcept {
  if (!owed_) {
    return 0;
  }
  owed_ = false;
  if (!in_creating_process()) {
    return 0;  // a child never removes its parent's entry
  }
  // False when an exit or signal handler claimed the entry first (and removed it).
  if (registration_.registered() && !registration_.claim()) {
    return 0;
  }
  os::Errno err = 0;
  if (kind_ == os::CleanupKind::directory) {
    err = os::remove_held_directory(path.c_str(), root_fd_, identity_, failures, parallel);
  } else {
    err = os::remove_file_if_same(path.c_str(), identity_);
    if (err == os::removal_replaced) {
      err = 0;  // ours was removed by someone else; what has the name now is not ours
    }
    if (err != 0) {
      try {
        failures.push_back({std::string(), err});
      } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says what happened
      }
    }
  }
  registration_.finish(err != 0);
  return err;
}

}  // namespace tempfile::objects
