// SPDX-License-Identifier: MIT
// os/remove_tree.hpp on Windows: the tree remover. Every entry is opened relative to its
// directory's handle (NtCreateFile with a root directory), never through a reparse point
// (a symbolic link or junction is removed as itself, its target untouched), and removed through
// the handle just opened; read-only attributes are cleared first, and sharing violations are
// retried a bounded number of times, as Go's t.TempDir and Node's rm do.
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "os/windows_directory.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"
#include "os/windows_nt.hpp"
#include "os/windows_path.hpp"

namespace tempfile::os {
namespace {

using windows::clear_read_only;
using windows::delete_through;

// An entry is opened for these: removal, and the attributes to read and clear.
constexpr ACCESS_MASK entry_access =
    DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE;

// Bounded waiting for another process to let go (a sharing violation: an indexer, a virus
// scanner, a program that opened a file without FILE_SHARE_DELETE) or to close a file that is
// already pending deletion (which keeps its directory from being empty): at most
// removal_retry_delays.size() waits per entry, and at most retry_budget waits per removal, so
// that a tree full of files held open fails in bounded time.
constexpr DWORD retry_delays_ms[] = {10, 20, 40, 80, 150};
constexpr int retry_budget = 20;

class Retries {
 public:
  // Waits before attempt `attempt` + 1; false when that attempt is not to be made.
  bool wait(std::size_t attempt) noexcept {
    if (attempt >= std::size(retry_delays_ms) || left_ == 0) {
      return false;
    }
    --left_;
    ::Sleep(retry_delays_ms[attempt]);
    return true;
  }

 private:
  int left_ = retry_budget;
};

std::string joined(const std::string& parent, const std::wstring& name) {
  std::string path = parent;
  if (!path.empty()) {
    path += '/';
  }
  path += windows::narrow(name);
  return path;
}

// One directory being emptied: its handle (none for the root, which the caller holds), where it
// is in the tree, and its entries.
struct Frame {
  windows::OwnedHandle owned;
  HANDLE handle = INVALID_HANDLE_VALUE;
  DWORD attributes = 0;
  std::string path;
  std::vector<windows::ListedEntry> entries;
  std::size_t next = 0;
  std::size_t passes = 0;
  bool left_something = false;  // something below was left and reported
};

class Walker {
 public:
  Walker(std::vector<RemovalFailure>& failures, RemovalObserver* observer) noexcept
      : failures_(failures), observer_(observer) {}

  // Removes everything in the directory open as `root` (FILE_LIST_DIRECTORY access), without
  // an explicit recursion (a deep tree costs heap, not stack). Returns whether anything was
  // left (and reported).
  bool empty(HANDLE root) noexcept {
    try {
      std::vector<Frame> stack;
      stack.emplace_back();
      stack.back().handle = root;
      if (const Errno err = windows::list_directory(root, stack.back().entries); err != 0) {
        report("", err);
        return true;
      }
      bool left = false;
      while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next < frame.entries.size()) {
          windows::ListedEntry& entry = frame.entries[frame.next++];
          Frame child;
          if (step(frame, entry, child)) {
            stack.push_back(std::move(child));
          }
          continue;
        }
        if (stack.size() == 1) {
          left = frame.left_something;
          stack.pop_back();
          break;
        }
        if (finish(frame)) {
          continue;  // listed again: entries were still there
        }
        const bool failed = frame.left_something;
        stack.pop_back();  // closes the handle: a classic disposition is carried out now
        stack.back().left_something = stack.back().left_something || failed;
      }
      return left;
    } catch (...) {  // std::bad_alloc
      report("", ENOMEM);
      return true;
    }
  }

  // Removes the directory open as `handle` once empty: retried while it is not empty yet only
  // because entries pending deletion (held open elsewhere) or new entries are there, each
  // round emptied again.
  Errno remove_emptied(HANDLE handle, DWORD attributes, bool left) noexcept {
    for (std::size_t attempt = 0;; ++attempt) {
      const Errno err = delete_through(handle, attributes);
      if (err == 0 || err != ENOTEMPTY || left || !retries_.wait(attempt)) {
        return err;
      }
      left = empty(handle);
    }
  }

  void report(const std::string& path, Errno err) noexcept {
    try {
      failures_.push_back({path, err});
    } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says what happened
    }
  }

  Retries& retries() noexcept { return retries_; }

 private:
  // Removes one entry of `parent`; true when it is a directory to empty first (`child`).
  bool step(Frame& parent, windows::ListedEntry& entry, Frame& child) {
    const std::string path = joined(parent.path, entry.name);
    const bool listed_link = (entry.attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    const bool listed_directory =
        !listed_link && (entry.attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    // Shared as the library's own files and held directories are (a held directory's handle
    // has DELETE access: an open not sharing deletion would be refused while it lives). A
    // directory renamed away while it is walked is emptied where it went, as the POSIX walk
    // through descriptors does: it is reached through its handle, never through a path.
    const ACCESS_MASK access = entry_access | (listed_directory ? FILE_LIST_DIRECTORY : 0);
    const ULONG share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    if (listed_directory && observer_ != nullptr) {
      observer_->before(RemovalObserver::Step::descend, path);
    }
    windows::OwnedHandle handle;
    windows::NtStatus status = 0;
    windows::NtOpen how;
    how.access = access;
    how.share = share;
    how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point;
    for (std::size_t attempt = 0;; ++attempt) {
      status = windows::open_relative(parent.handle, entry.name, how, handle);
      if (status != windows::status_sharing_violation || !retries_.wait(attempt)) {
        break;
      }
    }
    if (status == windows::status_name_not_found || status == windows::status_path_not_found ||
        status == windows::status_delete_pending) {
      return false;  // gone, or going: its directory's removal waits for it if need be
    }
    if (!windows::nt_success(status)) {
      report(path, windows::errno_from_status(status));
      parent.left_something = true;
      return false;
    }
    BY_HANDLE_FILE_INFORMATION info{};
    if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
      report(path, windows::errno_from_win32(::GetLastError()));
      parent.left_something = true;
      return false;
    }
    const bool is_link = (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    if (listed_link && !is_link) {
      // Listed as a reparse point, yet what the open reached is not one: the system followed
      // it (wine does so for a symbolic link of its host). The handle is the target's, which is
      // not ours to touch: the entry is left and reported.
      report(path, removal_other_mount);
      parent.left_something = true;
      return false;
    }
    if (!is_link && (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
      if (!listed_directory) {
        // A directory where the listing had a file (swapped in since): it was opened to
        // delete, not to list; the next pass of its parent opens it again to walk.
        if (const Errno err = delete_through(handle.get(), info.dwFileAttributes); err != 0) {
          report(path, err);
          parent.left_something = true;
        }
        return false;
      }
      // Entered: its read-only attribute goes first (under wine it also keeps its entries
      // from being removed).
      static_cast<void>(clear_read_only(handle.get(), info.dwFileAttributes));
      child.handle = handle.get();
      child.owned = std::move(handle);
      child.attributes = info.dwFileAttributes & ~DWORD{FILE_ATTRIBUTE_READONLY};
      child.path = path;
      if (const Errno err = windows::list_directory(child.handle, child.entries); err != 0) {
        report(path, err);
        parent.left_something = true;
        return false;
      }
      return true;
    }
    // A file, or a link (symbolic link, junction, mount point) removed as itself.
    if (const Errno err = delete_through(handle.get(), info.dwFileAttributes); err != 0) {
      report(path, err);
      parent.left_something = true;
    }
    return false;
  }

  // The emptied directory `frame` is removed; true when it was listed again to empty it once
  // more (entries pending deletion, or new ones), to be walked again before it is removed.
  bool finish(Frame& frame) {
    if (observer_ != nullptr) {
      observer_->before(RemovalObserver::Step::remove_directory, frame.path);
    }
    const Errno err =
        frame.left_something ? ENOTEMPTY : delete_through(frame.handle, frame.attributes);
    if (err == 0) {
      return false;
    }
    if (err == ENOTEMPTY && !frame.left_something && retries_.wait(frame.passes++)) {
      if (const Errno listed = windows::list_directory(frame.handle, frame.entries); listed != 0) {
        report(frame.path, listed);
        frame.left_something = true;
        return false;
      }
      frame.next = 0;
      return true;
    }
    if (!frame.left_something) {
      report(frame.path, err);  // not reported for what was left below: that was reported
      frame.left_something = true;
    }
    return false;
  }

  std::vector<RemovalFailure>& failures_;
  RemovalObserver* observer_;
  Retries retries_;
};

// Opens the root of a removal, `name` relative to `parent_fd` (current_directory_fd: the path
// itself, a long one with the \\?\ prefix; else relative to the held directory's handle),
// never through a reparse point; sharing violations are retried.
Errno open_root(int parent_fd, const char* name, windows::OwnedHandle& root,
                Retries& retries) noexcept {
  std::wstring path;
  HANDLE parent = nullptr;
  try {
    if (parent_fd == current_directory_fd) {
      if (const Errno err = windows::widen_path(name, path); err != 0) {
        return err;
      }
    } else {
      if (const Errno err = windows::handle_of(parent_fd, parent); err != 0) {
        return err;
      }
      if (const Errno err = windows::relative_name(name, path); err != 0) {
        return err;
      }
    }
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
  SECURITY_ATTRIBUTES attributes{};
  attributes.nLength = sizeof attributes;
  attributes.bInheritHandle = FALSE;
  windows::NtOpen how;
  how.access = entry_access | FILE_LIST_DIRECTORY;
  how.share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point;
  for (std::size_t attempt = 0;; ++attempt) {
    bool shared_violation = false;
    Errno err = 0;
    if (parent == nullptr) {
      root.reset(::CreateFileW(path.c_str(), how.access, how.share, &attributes, OPEN_EXISTING,
                               FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
      const DWORD error = root.valid() ? ERROR_SUCCESS : ::GetLastError();
      shared_violation = error == ERROR_SHARING_VIOLATION;
      err = windows::errno_from_win32(error);
    } else {
      const windows::NtStatus status = windows::open_relative(parent, path, how, root);
      shared_violation = status == windows::status_sharing_violation;
      err = windows::nt_success(status) ? 0 : windows::errno_from_status(status);
    }
    if (err == 0 || !shared_violation || !retries.wait(attempt)) {
      return err;
    }
  }
}

std::atomic<RemovalObserver*> held_observer{nullptr};

void report_root(std::vector<RemovalFailure>& failures, Errno err) noexcept {
  try {
    failures.push_back({std::string(), err});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says what happened
  }
}

Errno first_failure(const std::vector<RemovalFailure>& failures, std::size_t before) noexcept {
  return failures.size() > before ? failures[before].error : 0;
}

}  // namespace

Errno remove_tree(int parent_fd, const char* name, std::vector<RemovalFailure>& failures,
                  RemovalObserver* observer) noexcept {
  const std::size_t before = failures.size();
  Walker walker(failures, observer);
  // The root is opened once, never through a reparse point, and everything goes through that
  // handle, its own removal included.
  windows::OwnedHandle root;
  Errno err = open_root(parent_fd, name, root, walker.retries());
  if (err != 0) {
    walker.report("", err);
    return err;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(root.get(), &info) == 0) {
    err = windows::errno_from_win32(::GetLastError());
    walker.report("", err);
    return err;
  }
  if ((info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) !=
      FILE_ATTRIBUTE_DIRECTORY) {
    walker.report("", ENOTDIR);  // a file, or a link: rmtree removes neither
    return ENOTDIR;
  }
  static_cast<void>(clear_read_only(root.get(), info.dwFileAttributes));
  const DWORD root_attributes = info.dwFileAttributes & ~DWORD{FILE_ATTRIBUTE_READONLY};
  const bool left = walker.empty(root.get());
  if (observer != nullptr) {
    observer->before(RemovalObserver::Step::remove_directory, "");
  }
  err = walker.remove_emptied(root.get(), root_attributes, left);
  if (err != 0 && failures.size() == before) {
    walker.report("", err);  // not when what was left below is the reason, reported already
  }
  return first_failure(failures, before);
}

Errno remove_tree(int parent_fd, const char* name, std::vector<RemovalFailure>& failures,
                  const ParallelRemoval& /*parallel*/, RemovalObserver* observer) noexcept {
  // Sequential on Windows: the pool of os/remove_tree_parallel.cpp is POSIX's.
  return remove_tree(parent_fd, name, failures, observer);
}

Errno remove_tree_at(int parent_fd, const char* name, int root_fd,
                     std::vector<RemovalFailure>& failures, RemovalObserver* observer) noexcept {
  EntryIdentity root;
  if (const Errno err = identify_fd(root_fd, root); err != 0) {
    report_root(failures, err);
    return err;
  }
  return remove_tree_at(parent_fd, name, root_fd, root, failures, {}, observer);
}

Errno remove_tree_at(int parent_fd, const char* name, int root_fd, const EntryIdentity& root,
                     std::vector<RemovalFailure>& failures, const ParallelRemoval& /*parallel*/,
                     RemovalObserver* observer) noexcept {
  const std::size_t before = failures.size();
  Walker walker(failures, observer);
  HANDLE handle = nullptr;
  if (const Errno err = windows::handle_of(root_fd, handle); err != 0) {
    walker.report("", err);
    return err;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle, &info) == 0) {
    const Errno err = windows::errno_from_win32(::GetLastError());
    walker.report("", err);
    return err;
  }
  static_cast<void>(clear_read_only(handle, info.dwFileAttributes));
  const bool left = walker.empty(handle);
  if (name == nullptr || left) {
    return first_failure(failures, before);
  }
  // The root goes through the held handle, and only while `name` still names it: a held
  // directory's handle shares deletion, so it may have been renamed, and its old name taken by
  // something else.
  EntryIdentity named;
  const Errno found = identify_name(parent_fd, name, named);
  if (found == ENOENT || (found == 0 && !(named == root))) {
    walker.report("", removal_replaced);
    return removal_replaced;
  }
  if (found != 0) {
    walker.report("", found);
    return found;
  }
  if (observer != nullptr) {
    observer->before(RemovalObserver::Step::remove_directory, "");
  }
  // The held handle has no DELETE access (one that had it would make every other open that
  // does not share deletion fail, a listing by FindFirstFileW among them): the directory is
  // opened again through it (ReOpenFile's way: an empty name relative to the handle), which
  // reaches that very directory whatever its name, for the removal.
  windows::NtOpen how;
  how.access = entry_access | FILE_LIST_DIRECTORY;
  how.options = windows::nt_open_for_backup | windows::nt_open_reparse_point;
  windows::OwnedHandle deleting;
  windows::NtStatus status = 0;
  for (std::size_t attempt = 0;; ++attempt) {
    status = windows::open_relative(handle, std::wstring(), how, deleting);
    if (status != windows::status_sharing_violation || !walker.retries().wait(attempt)) {
      break;
    }
  }
  const Errno err =
      windows::nt_success(status)
          ? walker.remove_emptied(deleting.get(),
                                  info.dwFileAttributes & ~DWORD{FILE_ATTRIBUTE_READONLY}, left)
          : windows::errno_from_status(status);
  if (err != 0 && failures.size() == before) {
    walker.report("", err);  // not when what was left below is the reason, reported already
  }
  return first_failure(failures, before);
}

Errno remove_held_directory(const char* path, int root_fd, const EntryIdentity& expected,
                            std::vector<RemovalFailure>& failures,
                            const ParallelRemoval& parallel) noexcept {
  // POSIX tries rmdir by name first; here the removal goes through the owner's handle, which
  // has DELETE access, so the root is removed as what it is, not as whatever has its name.
  EntryIdentity root;
  const Errno err = identify_fd(root_fd, root);
  if (err == EBADF || (err == 0 && !(root == expected))) {
    report_root(failures, removal_wrong_descriptor);
    return removal_wrong_descriptor;
  }
  if (err != 0) {
    report_root(failures, err);
    return err;
  }
  return remove_tree_at(current_directory_fd, path, root_fd, root, failures, parallel,
                        held_observer.load(std::memory_order_acquire));
}

void observe_held_removals(RemovalObserver* observer) noexcept {
  held_observer.store(observer, std::memory_order_release);
}

}  // namespace tempfile::os
