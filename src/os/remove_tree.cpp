// SPDX-License-Identifier: MIT
// The tree walker (os/remove_tree.hpp): an iterative, descriptor-relative walk with a bounded
// window of open directories. Directories are read by os/directory_reader.hpp; the signal
// handler's walker is remove_tree_signal.cpp, the held-directory entry remove_held_directory.cpp,
// the thread pool of a parallel removal remove_tree_parallel.cpp (which runs this same walk on
// each subdirectory it is given, for remove_tree and remove_tree_at alike).
#include "os/remove_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "os/directory_reader.hpp"
#include "os/entry_identity.hpp"
#include "os/fd.hpp"
#include "os/interrupted.hpp"
#include "os/platform.hpp"
#include "os/remove_tree_parallel.hpp"
#include "os/sys.hpp"
#include "os/tree_rules.hpp"

namespace tempfile::os {
namespace {

// A directory that is still not empty after being emptied this many more times is reported:
// somebody keeps creating entries in it, and cleanup must end.
constexpr unsigned max_rescans = 3;
// How often an entry may flip between directory and non-directory under us before we give up.
constexpr unsigned max_flips = 3;

// What openat(O_DIRECTORY|O_NOFOLLOW) says about a symbolic link or any other non-directory.
bool is_not_a_directory(Errno err) noexcept {
#ifdef EFTYPE
  if (err == EFTYPE) {  // NetBSD: O_NOFOLLOW on a symbolic link
    return true;
  }
#endif
#ifndef __linux__
  if (err == EMLINK) {  // FreeBSD: O_NOFOLLOW on a symbolic link
    return true;
  }
#endif
  return err == ENOTDIR || err == ELOOP;
}

bool is_directory_at(int dirfd, const char* name) noexcept {
  struct stat info {};
  return ::fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(info.st_mode);
}

// One directory on the walk's stack. Its descriptor may be closed to bound the open
// descriptors; it is then re-opened by name from its parent and checked against `identity`.
struct Level {
  std::string name;  // in the parent level; unused for the root
  EntryIdentity identity;
  FileDescriptor fd;
  std::string pending;   // subdirectories the scan found, each name ended by '\0'
  std::size_t next = 0;  // offset in `pending` of the next one to enter
  unsigned rescans = 0;  // times it was found not empty after being emptied
  bool scanned = false;  // read to the end; non-directories removed
  bool rewind = false;   // `fd`'s offset is past the start (it was read before)
  bool failed = false;   // something below was left behind, and reported
  bool mode_fixed = false;
  bool offered = false;     // its pending subdirectories were offered to a pool since its scan
  std::size_t sampled = 0;  // automatic: subdirectories entered while timing (since its scan)
  std::chrono::steady_clock::time_point sample_start;
};

class Remover {
 public:
  Remover(std::vector<RemovalFailure>& failures, RemovalObserver* observer,
          RemovalPool* pool = nullptr) noexcept
      : failures_(failures), observer_(observer), pool_(pool) {}
  Remover(const Remover&) = delete;
  Remover& operator=(const Remover&) = delete;
  Remover(Remover&&) = delete;
  Remover& operator=(Remover&&) = delete;
  ~Remover();

  Errno remove(int parent_fd, const char* name);
  Errno remove_held(int parent_fd, const char* name, int root_fd, const EntryIdentity* root);
  bool remove_subtree(const Subtree& subtree, std::size_t window);

 private:
  enum class Outcome : unsigned char { gone, directory, failed };

  void start(FileDescriptor root, const EntryIdentity& identity, bool rewind);
  void walk();
  void scan(std::size_t index);
  void entry(std::size_t index, const char* name, EntryType type);
  Outcome remove_non_directory(std::size_t index, const char* name);
  void descend(std::size_t index);
  bool fan_out(std::size_t index);
  bool open_child(std::size_t index, const std::string& name, FileDescriptor& fd,
                  EntryIdentity& id);
  Errno open_unsearchable(int dirfd, const char* name, std::size_t index, bool root,
                          FileDescriptor& out);
  void finish(std::size_t index);
  bool ensure_open(std::size_t index);
  bool fix_mode(std::size_t index);
  void make_room();
  bool shed();
  void close_level(std::size_t index);
  void truncate(std::size_t size);
  void rescan_root();
  void add_pending(std::size_t index, const char* name);
  void observe(RemovalObserver::Step step, std::size_t index, std::string_view name = {}) const;
  [[nodiscard]] std::string path_of(std::size_t index, std::string_view name = {}) const;
  void report(std::string path, Errno err);

  std::vector<RemovalFailure>& failures_;
  RemovalObserver* observer_;
  RemovalPool* pool_;      // a parallel removal's pool; nullptr in its workers and sequentially
  std::string prefix_;     // a worker's: the path of its level 0 (the parent it was handed)
  bool borrowed_ = false;  // a worker's: level 0's descriptor is the walker's, never closed here
  Errno first_error_ = 0;
  std::vector<Level> levels_;
  std::vector<std::size_t> open_;  // levels holding a descriptor, shallowest first; [0] is the root
  std::size_t max_open_ = removal_descriptor_limit;
  EntryIdentity root_identity_;
  DirectoryReader reader_;
};

// A worker's level 0 holds a descriptor it was lent: it is released, never closed, whatever
// way the walk ends (an exception included).
Remover::~Remover() {
  if (borrowed_ && !levels_.empty()) {
    static_cast<void>(levels_[0].fd.release());
  }
}

// A worker's walk: level 0 is the scanned parent, whose only pending entry is the subdirectory
// to remove, so the walk descends into it, empties it and removes it with the same steps, checks
// and reports as the sequential walk, and returns when it is done.
bool Remover::remove_subtree(const Subtree& subtree, std::size_t window) {
  prefix_ = *subtree.parent_path;
  root_identity_ = *subtree.root;
  max_open_ = window;
  // Everything that can throw first: once the lent descriptor is in level 0, only the
  // destructor's release() may take it out.
  open_.reserve(removal_descriptor_limit + 1);
  Level& parent = levels_.emplace_back();
  parent.identity = *subtree.parent;
  borrowed_ = true;
  parent.fd = FileDescriptor(subtree.parent_fd);
  open_.push_back(0);
  parent.scanned = true;
  parent.mode_fixed = subtree.parent_mode_fixed;
  add_pending(0, subtree.name);
  walk();
  return levels_[0].failed;
}

Errno Remover::remove(int parent_fd, const char* name) {
  // The 1-system-call path for an empty directory: AT_REMOVEDIR only ever removes an empty
  // directory, and never follows a symbolic link, so trying it first is safe.
  Errno err = remove_directory(parent_fd, name);
  if (err == 0) {
    return 0;
  }
  // EACCES/EPERM: `parent_fd` forbids removing the root (we never change its mode); the
  // contents may still be removable, so they are removed, and the root is reported afterwards.
  if (err != ENOTEMPTY && err != EEXIST && err != EACCES && err != EPERM) {
    report({}, err);
    return first_error_;
  }
  FileDescriptor root;
  err = open_directory(parent_fd, name, root);
  if (err == EACCES) {
    err = open_unsearchable(parent_fd, name, 0, true, root);
  }
  if (err == 0) {
    err = identify_fd(root.get(), root_identity_);
  }
  if (err != 0) {
    report({}, is_not_a_directory(err) ? ENOTDIR : err);
    return first_error_;
  }
  start(std::move(root), root_identity_, false);
  walk();
  while (!levels_[0].failed) {
    err = remove_directory(parent_fd, name);
    if (err == 0 || err == ENOENT) {
      break;
    }
    if ((err == ENOTEMPTY || err == EEXIST) && levels_[0].rescans < max_rescans) {
      rescan_root();
      continue;
    }
    report({}, err);
    break;
  }
  truncate(0);
  return first_error_;
}

Errno Remover::remove_held(int parent_fd, const char* name, int root_fd,
                           const EntryIdentity* root) {
  Errno err = 0;
  if (root != nullptr) {
    root_identity_ = *root;
  } else if (err = identify_fd(root_fd, root_identity_); err != 0) {
    report({}, err);
    return first_error_;
  }
  // A descriptor of our own, so that the window can own and close it like any other level.
  // "." of the held descriptor is the same directory whatever has been renamed, and a new open
  // starts at offset 0. It needs read permission: a root whose mode forbids that (or one
  // already removed) gets a duplicate instead, which shares the caller's offset, which may be
  // anywhere: that one is rewound before the first read.
  FileDescriptor own;
  bool rewind = false;
  if (open_directory(root_fd, ".", own) != 0) {
    const int copy = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      report({}, errno);
      return first_error_;
    }
    own = FileDescriptor(copy);
    rewind = true;
  }
  start(std::move(own), root_identity_, rewind);
  walk();
  while (name != nullptr && !levels_[0].failed) {
    EntryIdentity named;
    err = identify_name(parent_fd, name, named);
    if (err == ENOENT) {
      // Removed by somebody else (no links left), or renamed away (then it is not ours to find).
      std::uint64_t links = 0;
      err = link_count(root_fd, links);
      if (err != 0 || links != 0) {
        report({}, err != 0 ? err : removal_replaced);
      }
      break;
    }
    if (err == 0 && !(named == root_identity_)) {
      err = removal_replaced;
    }
    if (err == 0) {
      observe(RemovalObserver::Step::remove_directory, 0);
      err = remove_directory(parent_fd, name);
      if (err == 0) {
        break;
      }
      if (err == ENOENT) {
        continue;  // gone in between: the check above tells removed from renamed
      }
      if ((err == ENOTEMPTY || err == EEXIST) && levels_[0].rescans < max_rescans) {
        rescan_root();
        continue;
      }
      // ENOTDIR: the name was our directory a moment ago and is now a symbolic link or a file:
      // replaced between the check and the removal (which removed nothing), as below.
      if (err == ENOTDIR) {
        err = removal_replaced;
      }
    }
    report({}, err);
    break;
  }
  truncate(0);
  return first_error_;
}

void Remover::start(FileDescriptor root, const EntryIdentity& identity, bool rewind) {
  levels_.clear();
  open_.clear();
  open_.reserve(removal_descriptor_limit + 1);
  Level& level = levels_.emplace_back();
  level.identity = identity;
  level.fd = std::move(root);
  level.rewind = rewind;
  open_.push_back(0);
}

// The root keeps its descriptor for the whole walk (it is never re-resolved by name), so a
// root found not empty is read again from the start through the same descriptor.
void Remover::rescan_root() {
  Level& root = levels_[0];
  ++root.rescans;
  root.scanned = false;
  walk();
}

// Depth first with an explicit stack: each directory is read to the end first (non-directories
// removed on the way, subdirectories remembered), then its subdirectories are entered one by
// one, so no directory's read position is ever needed again after leaving it.
void Remover::walk() {
  for (;;) {
    const std::size_t top = levels_.size() - 1;
    if (!ensure_open(top)) {
      continue;  // the stack was cut back to an ancestor that is still valid
    }
    const Level& level = levels_[top];
    if (!level.scanned) {
      scan(top);
    } else if (level.next < level.pending.size()) {
      descend(top);
    } else if (top == 0) {
      return;
    } else {
      finish(top);
    }
  }
}

void Remover::scan(std::size_t index) {
  Level& level = levels_[index];
  level.pending.clear();
  level.next = 0;
  level.offered = false;
  level.sampled = 0;
  auto visit = [this, index](const char* name, EntryType type) { entry(index, name, type); };
  DirectoryVisitor visitor(visit);
  Errno err = reader_.read_all(level.fd.get(), level.rewind, visitor);
  // The readdir reader needs a descriptor of its own (a duplicate for fdopendir), and fails
  // with EMFILE/ENFILE before reading anything if none is left: narrow the window and read
  // again. (This level is the deepest, which the window always keeps open.)
  while ((err == EMFILE || err == ENFILE) && shed()) {
    err = reader_.read_all(level.fd.get(), level.rewind, visitor);
  }
  level.scanned = true;
  level.rewind = true;
  // ENOENT: the directory itself was removed meanwhile (Linux refuses to read a dead one).
  if (err != 0 && err != ENOENT) {
    report(path_of(index), err);
    level.failed = true;
  }
}

void Remover::entry(std::size_t index, const char* name, EntryType type) {
  // d_type says "directory": skip the unlinkat that could only answer EISDIR.
  if (type == EntryType::directory || remove_non_directory(index, name) == Outcome::directory) {
    add_pending(index, name);
  }
}

Remover::Outcome Remover::remove_non_directory(std::size_t index, const char* name) {
  for (;;) {
    const Errno err = remove_file(levels_[index].fd.get(), name);
    if (err == 0 || err == ENOENT) {
      return Outcome::gone;
    }
    if (err == EISDIR) {
      return Outcome::directory;
    }
    // POSIX lets unlink() of a directory fail with EPERM (Linux says EISDIR); EPERM is also an
    // immutable entry or a sticky directory, so ask only in that rare case.
    if (err == EPERM && is_directory_at(levels_[index].fd.get(), name)) {
      return Outcome::directory;
    }
    // EACCES/EPERM: this directory is not writable (or searchable) for us; fix it once.
    if ((err == EACCES || err == EPERM) && !levels_[index].mode_fixed && fix_mode(index)) {
      continue;
    }
    report(path_of(index, name), err);
    levels_[index].failed = true;
    return Outcome::failed;
  }
}

void Remover::add_pending(std::size_t index, const char* name) {
  std::string& pending = levels_[index].pending;
  pending.append(name);
  pending.push_back('\0');
}

void Remover::descend(std::size_t index) {
  if (pool_ != nullptr && fan_out(index)) {
    return;
  }
  Level& parent = levels_[index];
  std::string name(parent.pending.c_str() + parent.next);
  parent.next += name.size() + 1;
  observe(RemovalObserver::Step::descend, index, name);
  FileDescriptor fd;
  EntryIdentity id;
  if (!open_child(index, name, fd, id)) {
    return;
  }
  Level& child = levels_.emplace_back();  // invalidates `parent`
  child.name = std::move(name);
  child.identity = id;
  child.fd = std::move(fd);
  open_.push_back(levels_.size() - 1);
}

// A parallel removal: the subdirectories of level `index` not yet entered go to the pool at
// once, if there are enough of them; each is removed by remove_subtree, the same walk as here.
// Level `index` stays open (the workers use its descriptor) until every one of them is done.
// Offered once per scan: the pending list only shrinks, so a level too narrow now stays so,
// and a wide level with thousands of subdirectories is not counted again at each descent.
// Automatic mode first removes removal_automatic_sample subdirectories itself, timing them (the
// clock is read without a system call), and offers the rest only if they look like enough work.
bool Remover::fan_out(std::size_t index) {
  Level& level = levels_[index];
  if (level.offered) {
    return false;
  }
  const std::size_t count = static_cast<std::size_t>(std::count(
      level.pending.begin() + static_cast<std::ptrdiff_t>(level.next), level.pending.end(), '\0'));
  if (!pool_->wants(count + level.sampled)) {  // the width when the sampling began
    level.offered = true;
    return false;
  }
  if (pool_->samples()) {
    const auto now = std::chrono::steady_clock::now();
    if (level.sampled == 0) {
      level.sample_start = now;
    }
    if (level.sampled < removal_automatic_sample) {
      ++level.sampled;
      return false;
    }
    level.offered = true;
    const long long spent =
        std::chrono::duration_cast<std::chrono::microseconds>(now - level.sample_start).count();
    const long long estimate =
        spent * static_cast<long long>(count) / static_cast<long long>(removal_automatic_sample);
    if (estimate < removal_automatic_budget_us) {
      return false;
    }
  }
  level.offered = true;
  std::vector<const char*> names;
  names.reserve(count);
  for (std::size_t at = level.next; at < level.pending.size();) {
    names.push_back(level.pending.c_str() + at);
    at += std::char_traits<char>::length(names.back()) + 1;
  }
  const std::string parent_path = path_of(index);
  const std::size_t reported = failures_.size();
  const Subtree parent{.parent_fd = level.fd.get(),
                       .parent = &level.identity,
                       .root = &root_identity_,
                       .parent_path = &parent_path,
                       .parent_mode_fixed = level.mode_fixed};
  const bool failed = pool_->remove_all(parent, names, failures_);
  level.next = level.pending.size();
  if (failed) {
    level.failed = true;  // its rmdir could only fail with ENOTEMPTY, as in finish()
  }
  if (first_error_ == 0 && failures_.size() > reported) {
    first_error_ = failures_[reported].error;
  }
  return true;
}

// Opens subdirectory `name` of level `index`; false when there is nothing to enter (gone,
// removed as a non-directory, or left behind and reported).
bool Remover::open_child(std::size_t index, const std::string& name, FileDescriptor& fd,
                         EntryIdentity& id) {
  make_room();
  bool child_fixed = false;
  for (unsigned flips = 0;;) {
    const int dirfd = levels_[index].fd.get();
    Errno err = open_directory(dirfd, name.c_str(), fd);
    if (err == EACCES && !levels_[index].mode_fixed && fix_mode(index)) {
      continue;  // the parent lacked search permission
    }
    if (err == EACCES && !child_fixed) {
      child_fixed = true;  // the directory itself is unreadable or unsearchable (000, 0300...)
      err = open_unsearchable(dirfd, name.c_str(), index, false, fd);
    }
    if ((err == EMFILE || err == ENFILE) && shed()) {
      continue;
    }
    if (err == ENOENT) {
      return false;
    }
    if (is_not_a_directory(err)) {
      // A symbolic link or a file was swapped in after the scan: unlink it, never follow it.
      const Outcome outcome = remove_non_directory(index, name.c_str());
      if (outcome != Outcome::directory) {
        return false;
      }
      if (++flips < max_flips) {
        continue;
      }
      err = removal_replaced;  // it keeps changing between directory and non-directory
    }
    if (err == 0) {
      err = identify_fd(fd.get(), id);
    }
    if (err == 0 && !same_mount(id, root_identity_)) {
      err = removal_other_mount;
    }
    if (err == 0) {
      return true;
    }
    static_cast<void>(fd.close());
    report(path_of(index, name), err);
    levels_[index].failed = true;
    return false;
  }
}

// Opens a directory whose own mode forbids opening it (entry `name` of level `index`, or the
// root), after giving it u+rwx without following a symbolic link. Another mount's directory is
// never changed: its mode is not ours to fix.
Errno Remover::open_unsearchable(int dirfd, const char* name, std::size_t index, bool root,
                                 FileDescriptor& out) {
  const std::string_view shown = root ? std::string_view() : std::string_view(name);
#if TEMPFILE_LINUX_FAST_PATHS
  // O_PATH needs no permission on the directory itself; O_NOFOLLOW|O_DIRECTORY refuses a link.
  const FileDescriptor handle(retry_interrupted(
      [&] { return ::openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC); }));
  if (!handle.valid()) {
    return errno;
  }
  if (!root) {
    EntryIdentity id;
    if (const Errno err = identify_fd(handle.get(), id); err != 0) {
      return err;
    }
    if (!same_mount(id, root_identity_)) {
      return removal_other_mount;  // never change the mode of another file system's directory
    }
  }
  observe(RemovalObserver::Step::fix_mode, index, shown);
  if (const Errno err = tree::change_mode_of_handle(handle.get()); err != 0) {
    return err;
  }
  // "." of the handle is the same directory, whatever has been renamed since.
  return open_directory(handle.get(), ".", out);
#else
  // Portable: fchmodat(AT_SYMLINK_NOFOLLOW) changes a symbolic link swapped in meanwhile (or
  // refuses it, EOPNOTSUPP on Linux), never the link's target.
  struct stat info {};
  if (::fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  if (!S_ISDIR(info.st_mode)) {
    return ENOTDIR;
  }
  EntryIdentity id;
  if (const Errno err = identify_name(dirfd, name, id); err != 0) {
    return err;
  }
  if (!root && !same_mount(id, root_identity_)) {
    return removal_other_mount;  // never change the mode of another mount's directory
  }
  observe(RemovalObserver::Step::fix_mode, index, shown);
  if (::fchmodat(dirfd, name, tree::walkable_mode, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno;
  }
  return open_directory(dirfd, name, out);
#endif
}

// Level `index` is empty (as far as its scan saw): remove it from its parent.
void Remover::finish(std::size_t index) {
  const std::size_t parent = index - 1;
  if (levels_[index].failed) {
    levels_[parent].failed = true;  // its rmdir could only fail with ENOTEMPTY: skip it
    truncate(index);
    return;
  }
  close_level(index);
  if (!ensure_open(parent)) {
    return;  // the stack was cut back above `index`
  }
  observe(RemovalObserver::Step::remove_directory, index);
  for (;;) {
    const Errno err = remove_directory(levels_[parent].fd.get(), levels_[index].name.c_str());
    if (err == 0 || err == ENOENT) {
      break;
    }
    if ((err == EACCES || err == EPERM) && !levels_[parent].mode_fixed && fix_mode(parent)) {
      continue;
    }
    if ((err == ENOTEMPTY || err == EEXIST) && levels_[index].rescans < max_rescans) {
      // Entries appeared after the scan. The walk re-opens it by name, checks it is still the
      // same directory, and empties it again.
      ++levels_[index].rescans;
      levels_[index].scanned = false;
      return;
    }
    // ENOTDIR: the name is now a symbolic link or a file; the directory we emptied was moved.
    report(path_of(index), err == ENOTDIR ? removal_replaced : err);
    levels_[parent].failed = true;
    break;
  }
  truncate(index);
}

// Gives level `index` a descriptor again, re-opening each closed level from the deepest open
// ancestor down, by name, with O_NOFOLLOW, and checking each is the directory it was. A level
// that is gone (ENOENT) is dropped; one replaced by anything else is reported and abandoned.
bool Remover::ensure_open(std::size_t index) {
  if (levels_[index].fd.valid()) {
    return true;
  }
  for (std::size_t k = open_.back() + 1; k <= index; ++k) {
    observe(RemovalObserver::Step::reopen, k);
    make_room();
    FileDescriptor fd;
    Errno err = open_directory(levels_[k - 1].fd.get(), levels_[k].name.c_str(), fd);
    if ((err == EMFILE || err == ENFILE) && shed()) {
      err = open_directory(levels_[k - 1].fd.get(), levels_[k].name.c_str(), fd);
    }
    EntryIdentity id;
    if (err == 0) {
      err = identify_fd(fd.get(), id);
    }
    if (err == 0 && !(id == levels_[k].identity)) {
      err = removal_replaced;
    }
    if (err != 0) {
      if (err != ENOENT) {
        report(path_of(k), is_not_a_directory(err) ? removal_replaced : err);
        levels_[k - 1].failed = true;
      }
      truncate(k);
      return false;
    }
    levels_[k].fd = std::move(fd);
    levels_[k].rewind = false;
    open_.push_back(k);
  }
  return true;
}

bool Remover::fix_mode(std::size_t index) {
  levels_[index].mode_fixed = true;  // once per directory: a second failure is reported
  observe(RemovalObserver::Step::fix_mode, index);
  return ::fchmod(levels_[index].fd.get(), tree::walkable_mode) == 0;
}

// Keeps at most max_open_ levels open, leaving room for one more. The root and the deepest
// level stay; among the others the one whose closing leaves the smallest gap relative to its
// distance from the deepest goes. That keeps open ancestors spaced roughly geometrically, so
// climbing back out of a 10,000-deep chain with 16 descriptors re-opens about 5 levels per
// level (a simulation: ~55,000 openat), where "close the oldest" re-opens ~330 per level.
void Remover::make_room() {
  while (open_.size() >= max_open_ && open_.size() > 2) {
    std::size_t victim = 1;
    std::uint64_t victim_gap = 0;
    std::uint64_t victim_distance = 1;
    const std::size_t deepest = open_.back();
    for (std::size_t j = 1; j + 1 < open_.size(); ++j) {
      const std::uint64_t gap = open_[j + 1] - open_[j - 1];
      const std::uint64_t distance = deepest - open_[j] + 1;
      if (j == 1 || gap * victim_distance < victim_gap * distance) {
        victim = j;
        victim_gap = gap;
        victim_distance = distance;
      }
    }
    levels_[open_[victim]].fd = FileDescriptor();
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(victim));
  }
}

// EMFILE/ENFILE: the process has fewer descriptors to spare than the window; narrow it.
bool Remover::shed() {
  if (open_.size() <= 2) {
    return false;
  }
  max_open_ = open_.size() - 1;
  make_room();
  return true;
}

void Remover::close_level(std::size_t index) {
  levels_[index].fd = FileDescriptor();
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (*it == index) {
      open_.erase(it);
      break;
    }
  }
}

void Remover::truncate(std::size_t size) {
  while (!open_.empty() && open_.back() >= size) {
    open_.pop_back();
  }
  while (levels_.size() > size) {
    levels_.pop_back();  // closes its descriptor
  }
}

// The path is only built when a test is watching: a walk without an observer builds none.
void Remover::observe(RemovalObserver::Step step, std::size_t index, std::string_view name) const {
  if (observer_ != nullptr) {
    observer_->before(step, path_of(index, name));
  }
}

std::string Remover::path_of(std::size_t index, std::string_view name) const {
  std::string path = prefix_;
  for (std::size_t k = 1; k <= index; ++k) {
    if (!path.empty()) {
      path += '/';
    }
    path += levels_[k].name;
  }
  if (!name.empty()) {
    if (!path.empty()) {
      path += '/';
    }
    path += name;
  }
  return path;
}

void Remover::report(std::string path, Errno err) {
  if (first_error_ == 0) {
    first_error_ = err;
  }
  failures_.push_back({std::move(path), err});
}

Errno out_of_memory(std::vector<RemovalFailure>& failures) noexcept {
  try {
    failures.push_back({std::string(), ENOMEM});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says ENOMEM
  }
  return ENOMEM;
}

}  // namespace

Errno remove_tree(int parent_fd, const char* name, std::vector<RemovalFailure>& failures,
                  RemovalObserver* observer) noexcept {
  // Only allocation can throw in here (std::bad_alloc); descriptors close as the stack unwinds.
  try {
    Remover remover(failures, observer);
    return remover.remove(parent_fd, name);
  } catch (...) {
    return out_of_memory(failures);
  }
}

Errno remove_tree(int parent_fd, const char* name, std::vector<RemovalFailure>& failures,
                  const ParallelRemoval& parallel, RemovalObserver* observer) noexcept {
  if (parallel.mode == ParallelRemoval::Mode::never) {
    return remove_tree(parent_fd, name, failures, observer);
  }
  try {
    // The pool outlives the walker (declared first), and remove_all neither returns nor throws
    // while a worker still holds its batch: no worker ever uses a descriptor the walker closed.
    RemovalPool pool(parallel, observer);
    Remover remover(failures, observer, &pool);
    return remover.remove(parent_fd, name);
  } catch (...) {
    return out_of_memory(failures);
  }
}

bool remove_subtree(const Subtree& subtree, std::size_t window,
                    std::vector<RemovalFailure>& failures, RemovalObserver* observer) noexcept {
  try {
    Remover remover(failures, observer);
    return remover.remove_subtree(subtree, window);
  } catch (...) {
    // The subdirectory's own path: what is below it is unknown, and it was not removed.
    try {
      failures.push_back(
          {*subtree.parent_path + (subtree.parent_path->empty() ? "" : "/") + subtree.name,
           ENOMEM});
    } catch (...) {  // NOLINT(bugprone-empty-catch): the return value still says it failed
    }
    return true;
  }
}

Errno remove_tree_at(int parent_fd, const char* name, int root_fd,
                     std::vector<RemovalFailure>& failures, RemovalObserver* observer) noexcept {
  try {
    Remover remover(failures, observer);
    return remover.remove_held(parent_fd, name, root_fd, nullptr);
  } catch (...) {
    return out_of_memory(failures);
  }
}

Errno remove_tree_at(int parent_fd, const char* name, int root_fd, const EntryIdentity& root,
                     std::vector<RemovalFailure>& failures, const ParallelRemoval& parallel,
                     RemovalObserver* observer) noexcept {
  try {
    if (parallel.mode == ParallelRemoval::Mode::never) {
      Remover remover(failures, observer);
      return remover.remove_held(parent_fd, name, root_fd, &root);
    }
    // As in remove_tree: the pool outlives the walker, so no worker uses a closed descriptor.
    RemovalPool pool(parallel, observer);
    Remover remover(failures, observer, &pool);
    return remover.remove_held(parent_fd, name, root_fd, &root);
  } catch (...) {
    return out_of_memory(failures);
  }
}

}  // namespace tempfile::os
