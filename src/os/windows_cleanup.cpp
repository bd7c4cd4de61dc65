// SPDX-License-Identifier: MIT
// os/cleanup.hpp on Windows, the part the file objects need: the registry of entries to remove
// at normal exit (an atexit handler), and removing a file only while its name is still ours,
// through one handle, and the walk the console control handler (windows_console.cpp) and the
// terminate handler make, and the creation windows they wait for. Windows has no signals to
// block.
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "os/cleanup.hpp"
#include "os/process.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os {

enum class NodeState : unsigned char {
  registered,        // live: the first claim decides who removes it
  owner_removing,    // the owner claimed it and is removing it
  handler_removing,  // the exit handler claimed it and is removing it
  handler_done,      // the exit handler removed it; the owner only gives the node back
};

// One registered entry. Unlike the POSIX registry (which a signal handler walks without locks),
// every access here is under one lock: no handler runs asynchronously on Windows yet.
struct CleanupNode {
  CleanupNode* next = nullptr;
  CleanupNode* previous = nullptr;
  NodeState state = NodeState::registered;
  std::string owned_path;
  const char* path = nullptr;  // owned_path, or the owner's borrowed string
  CleanupKind kind = CleanupKind::file;
  EntryIdentity identity{};
  int root_fd = -1;  // a directory's: the owner's descriptor of it, open while registered
  pid_t creator = 0;
};

namespace {

SRWLOCK registry_lock = SRWLOCK_INIT;

// Event or terminate cleanup only: creations in progress (an entry that exists but is not
// registered yet), and whether a handler is about to end the process, as on POSIX
// (cleanup.cpp). Such a handler waits (boundedly) for the first to drain; a new window then
// waits for the end instead of opening.
std::atomic<bool> windows_counted{false};
std::atomic<int> windows_open{0};
std::atomic<bool> ending{false};
// The windows open on this thread (a terminate can cut one short: it is not waited for). The
// console handler runs on a thread of its own, which has none.
thread_local int windows_open_here = 0;
CleanupNode* list_head = nullptr;
bool exit_handler_installed = false;

class Locked {
 public:
  Locked() noexcept { ::AcquireSRWLockExclusive(&registry_lock); }
  ~Locked() { ::ReleaseSRWLockExclusive(&registry_lock); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
  Locked(Locked&&) = delete;
  Locked& operator=(Locked&&) = delete;
};

void unlink_node(CleanupNode* node) noexcept {
  if (node->previous != nullptr) {
    node->previous->next = node->next;
  } else {
    list_head = node->next;
  }
  if (node->next != nullptr) {
    node->next->previous = node->previous;
  }
  node->next = node->previous = nullptr;
}

void exit_handler() noexcept {
  run_exit_cleanup();
}

CleanupNode* register_node(std::unique_ptr<CleanupNode> node) {
  const Locked locked;
  if (!exit_handler_installed) {
    if (std::atexit(exit_handler) != 0) {
      throw std::bad_alloc();  // atexit fails only when its table is full
    }
    exit_handler_installed = true;
  }
  CleanupNode* raw = node.release();
  raw->next = list_head;
  if (list_head != nullptr) {
    list_head->previous = raw;
  }
  list_head = raw;
  return raw;
}

CleanupNode* make_node(CleanupKind kind, const std::string* owned, const char* borrowed,
                       const EntryIdentity& identity, int root_fd) {
  auto node = std::make_unique<CleanupNode>();
  if (owned != nullptr) {
    node->owned_path = *owned;
    node->path = node->owned_path.c_str();
  } else {
    node->path = borrowed;
  }
  node->kind = kind;
  node->identity = identity;
  node->root_fd = root_fd;
  node->creator = process_id();
  return register_node(std::move(node));
}

}  // namespace

CleanupRegistration::CleanupRegistration(CleanupRegistration&& other) noexcept
    : node_(other.node_) {
  other.node_ = nullptr;
}

CleanupRegistration& CleanupRegistration::operator=(CleanupRegistration&& other) noexcept {
  if (this != &other) {
    release();
    node_ = other.node_;
    other.node_ = nullptr;
  }
  return *this;
}

CleanupRegistration::~CleanupRegistration() {
  release();
}

CleanupRegistration CleanupRegistration::add(CleanupKind kind, const std::string& absolute_path,
                                             const EntryIdentity& identity, int root_fd) {
  return CleanupRegistration(make_node(kind, &absolute_path, nullptr, identity, root_fd));
}

CleanupRegistration CleanupRegistration::add_borrowed(CleanupKind kind, const char* absolute_path,
                                                      const EntryIdentity& identity, int root_fd) {
  return CleanupRegistration(make_node(kind, nullptr, absolute_path, identity, root_fd));
}

bool CleanupRegistration::claim() noexcept {
  if (node_ == nullptr) {
    return false;
  }
  const Locked locked;
  if (node_->state != NodeState::registered) {
    return false;  // the exit handler took it (and removed it)
  }
  node_->state = NodeState::owner_removing;
  return true;
}

void CleanupRegistration::finish(bool still_there) noexcept {
  if (node_ == nullptr) {
    return;
  }
  if (still_there) {
    const Locked locked;
    node_->state = NodeState::registered;  // the exit handler retries it
    return;
  }
  release();
}

void CleanupRegistration::release() noexcept {
  if (node_ == nullptr) {
    return;
  }
  // The exit handler may be removing this entry on another thread right now, reading its path:
  // the node goes only once it is done (a removal, so a bounded wait).
  for (;;) {
    {
      const Locked locked;
      if (node_->state != NodeState::handler_removing) {
        unlink_node(node_);
        break;
      }
    }
    ::Sleep(1);
  }
  delete node_;  // NOLINT(cppcoreguidelines-owning-memory): the node is owned through node_
  node_ = nullptr;
}

// No signal mask to set: a console control handler never interrupts this thread (Windows runs
// it on a thread of its own), so it can always wait for the window to close.
CleanupWindow::CleanupWindow() noexcept {
  if (!windows_counted.load()) {
    return;
  }
  ULONGLONG start = 0;
  for (;;) {
    windows_open.fetch_add(1);
    if (!ending.load()) {
      break;
    }
    // A handler is removing everything and the process is about to end: do not create
    // anything it could miss. Bounded: should the process go on after all, so do we.
    windows_open.fetch_sub(1);
    if (start == 0) {
      start = ::GetTickCount64();
    } else if (::GetTickCount64() - start > 5000) {
      windows_open.fetch_add(1);
      break;
    }
    ::Sleep(1);
  }
  ++windows_open_here;
  active_ = true;
}

CleanupWindow::~CleanupWindow() {
  if (!active_) {
    return;
  }
  --windows_open_here;
  windows_open.fetch_sub(1);
}

void count_cleanup_windows() noexcept {
  windows_counted.store(true);
}

Errno remove_file_if_same(const char* path, const EntryIdentity& identity) noexcept {
  // The name is opened, checked and removed through one handle: unlike POSIX's check-then-unlink,
  // no other file can take the name in between.
  windows::OwnedHandle handle;
  if (const Errno err =
          windows::open_entry(current_directory_fd, path,
                              DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, handle);
      err != 0) {
    return err == ENOENT ? 0 : err;
  }
  EntryIdentity found;
  BY_HANDLE_FILE_INFORMATION info{};
  if (::GetFileInformationByHandle(handle.get(), &info) == 0) {
    return windows::errno_from_win32(::GetLastError());
  }
  // As identify_fd (windows_identity.cpp): the volume and the file index.
  found.device = info.dwVolumeSerialNumber;
  found.inode = (static_cast<std::uint64_t>(info.nFileIndexHigh) << 32U) | info.nFileIndexLow;
  if (identity.recorded() && !(found == identity)) {
    return removal_replaced;
  }
  // POSIX semantics (the name goes now, even while other handles are open) and past the
  // read-only attribute (chmod 0400 must not make a temporary file undeletable), where the
  // system has FileDispositionInfoEx; else the classic disposition, which Windows applies when the
  // last handle closes.
  struct DispositionInfoEx {
    DWORD Flags;
  };
  constexpr DWORD delete_flag = 0x1;
  constexpr DWORD posix_semantics = 0x2;
  constexpr DWORD ignore_readonly = 0x10;
  DispositionInfoEx extended{delete_flag | posix_semantics | ignore_readonly};
  if (::SetFileInformationByHandle(handle.get(), static_cast<FILE_INFO_BY_HANDLE_CLASS>(21),
                                   &extended, sizeof extended) != 0) {
    return 0;
  }
  // The classic disposition refuses a read-only file: the attribute goes first, on the handle
  // just checked (chmod 0400 of a temporary file must not make it outlive its owner).
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0) {
    FILE_BASIC_INFO basic{};
    basic.FileAttributes = info.dwFileAttributes & ~DWORD{FILE_ATTRIBUTE_READONLY};
    if (basic.FileAttributes == 0) {
      basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
    }
    if (::SetFileInformationByHandle(handle.get(), FileBasicInfo, &basic, sizeof basic) == 0) {
      return windows::errno_from_win32(::GetLastError());
    }
  }
  FILE_DISPOSITION_INFO classic{};
  classic.DeleteFile = TRUE;
  if (::SetFileInformationByHandle(handle.get(), FileDispositionInfo, &classic, sizeof classic) ==
      0) {
    return windows::errno_from_win32(::GetLastError());
  }
  return 0;
}

namespace {

// The exit handler's removal of one claimed entry: a file while its name is still ours, a
// directory through the owner's descriptor with the tree remover (windows_tree.cpp).
void remove_registered(const CleanupNode& node) noexcept {
  if (node.kind == CleanupKind::directory) {
    std::vector<RemovalFailure> failures;  // nobody to report them to at exit
    static_cast<void>(remove_held_directory(node.path, node.root_fd, node.identity, failures));
    return;
  }
  static_cast<void>(remove_file_if_same(node.path, node.identity));
}

}  // namespace

void run_exit_cleanup() noexcept {
  const pid_t self = process_id();
  // Claim every entry of this process, then remove them outside the lock (an owner's
  // claim() on another thread then finds them taken and does nothing).
  for (;;) {
    CleanupNode* claimed = nullptr;
    {
      const Locked locked;
      for (CleanupNode* node = list_head; node != nullptr; node = node->next) {
        if (node->state == NodeState::registered && node->creator == self) {
          node->state = NodeState::handler_removing;
          claimed = node;
          break;
        }
      }
    }
    if (claimed == nullptr) {
      return;
    }
    remove_registered(*claimed);
    const Locked locked;
    claimed->state = NodeState::handler_done;
  }
}

// The console control handler's work (windows_console.cpp) and the std::terminate handler's:
// this thread ends the process once this returns, while other threads may still run. Every file
// and directory tree of this process goes now, also those an owner or the exit handler is removing
// (they would be cut short; a second removal is harmless: what is gone is skipped, the identity is
// checked). The lock is held for the whole walk, so no owner frees a node (or its borrowed path)
// under it and no claim succeeds meanwhile; a registered node is marked done, so its owner removes
// nothing later. An SRWLOCK is not recursive: a terminate raised inside a registry operation on
// this thread holds it already, so the wait is bounded (about a second) and the walk then goes
// on without it, as the POSIX walk always does.
void run_terminate_cleanup() noexcept {
  // Other threads' creations in progress are registered first (`own` of the open windows are
  // this thread's, cut short by the terminate). Bounded: a thread inside its window could wait
  // for a lock this thread holds; after a second we go on without it.
  ending.store(true);
  const int own = windows_open_here;
  const ULONGLONG waited = ::GetTickCount64() + 1000;
  while (windows_open.load() > own && ::GetTickCount64() < waited) {
    ::Sleep(1);
  }
  const ULONGLONG deadline = ::GetTickCount64() + 1000;
  bool locked = ::TryAcquireSRWLockExclusive(&registry_lock) != 0;
  while (!locked && ::GetTickCount64() < deadline) {
    ::Sleep(1);
    locked = ::TryAcquireSRWLockExclusive(&registry_lock) != 0;
  }
  const pid_t self = process_id();
  for (CleanupNode* node = list_head; node != nullptr; node = node->next) {
    if (node->creator != self || node->state == NodeState::handler_done) {
      continue;
    }
    remove_registered(*node);
    if (node->state == NodeState::registered) {
      node->state = NodeState::handler_done;
    }
  }
  if (locked) {
    ::ReleaseSRWLockExclusive(&registry_lock);
  }
}

}  // namespace tempfile::os
