// SPDX-License-Identifier: MIT
// The library's one tree remover: deletes a directory tree through directory descriptors only,
// never following a symbolic link, never crossing a mount, with a bounded number of descriptors.
#pragma once

#include <cerrno>
#include <cstddef>
#include <string>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"

namespace tempfile::os {

/// One entry the remover left behind, and why.
struct RemovalFailure {
  /// Relative to the root: "a/b/c" for an entry three levels down, "" for the root itself.
  std::string path;
  Errno error = 0;
};

/// The errno reported for a directory whose name, when the remover came back to it, referred to
/// something else (a symbolic link or another directory swapped in): the remover abandons it.
#ifdef ESTALE
inline constexpr Errno removal_replaced = ESTALE;
#else
// MinGW's C runtime has no ESTALE: a number above all of its errno values (the largest is
// 140), so that it is never mistaken for another error.
inline constexpr Errno removal_replaced = 1000;
#endif
/// The errno reported for a directory on another mount than the root (a mount point in the tree):
/// the remover neither enters it nor removes it.
inline constexpr Errno removal_other_mount = EXDEV;
/// The errno reported for a held directory whose descriptor no longer refers to the directory
/// recorded when it was created (closed by mistake and its number reused by another open()): the
/// remover touches nothing through it.
inline constexpr Errno removal_wrong_descriptor = EBADF;
/// At most this many directory descriptors are open at once, whatever the depth, plus one
/// transient descriptor (a duplicate for readdir, or an O_PATH descriptor during a mode fix).
inline constexpr std::size_t removal_descriptor_limit = 16;

/// A test seam for the race tests: told before the remover's steps that a racing attacker could
/// exploit, so a test can change the tree at exactly that point. The library passes nullptr.
class RemovalObserver {
 public:
  enum class Step {
    descend,           // about to open a subdirectory for the first time
    reopen,            // about to re-open, by name, a directory whose descriptor was closed
    fix_mode,          // about to give a directory u+rwx through a descriptor
    remove_directory,  // about to remove an emptied directory, the root ("") too (AT_REMOVEDIR)
  };
  RemovalObserver() = default;
  RemovalObserver(const RemovalObserver&) = delete;
  RemovalObserver& operator=(const RemovalObserver&) = delete;
  RemovalObserver(RemovalObserver&&) = delete;
  RemovalObserver& operator=(RemovalObserver&&) = delete;
  virtual ~RemovalObserver() = default;
  /// `path` is relative to the root, as in RemovalFailure. Must not throw.
  virtual void before(Step step, const std::string& path) noexcept = 0;
};

/// Whether, and how widely, one removal may fan out across threads (os/remove_tree_parallel.hpp
/// says how). The sequential walk is the default everywhere; rmtree chooses, from its options.
struct ParallelRemoval {
  enum class Mode : unsigned char {
    never,      // the sequential walk, always
    automatic,  // a pool only where the walk measured enough work left (removal_automatic_*)
    always,     // a pool at any directory with two or more subdirectories left
  };
  Mode mode = Mode::never;
  /// Threads removing subdirectories at once, the calling thread included; 0 is
  /// removal_default_threads. Lowered so that the descriptor bound fits in half the soft
  /// RLIMIT_NOFILE; below 2 the walk is sequential.
  unsigned max_threads = 0;
};
/// The most threads a removal uses when ParallelRemoval::max_threads is 0 (fewer on a machine
/// with fewer hardware threads).
inline constexpr unsigned removal_default_threads = 4;
/// The most threads a removal uses whatever ParallelRemoval::max_threads asks: beyond this the
/// directories' own locks, not the threads, set the pace.
inline constexpr unsigned removal_max_threads = 64;
/// ParallelRemoval::Mode::automatic considers a pool only at a directory with at least this many
/// subdirectories still to remove (docs/tree-removal.md, "Parallel removal").
inline constexpr std::size_t removal_automatic_width = 32;
/// ... and removes the first this many of them itself, timing them ...
inline constexpr std::size_t removal_automatic_sample = 8;
/// ... and hands the rest to a pool only if, at the rate measured, they would take the calling
/// thread at least this many microseconds: starting threads and waiting for the slowest costs
/// a few hundred on a busy machine, and small trees measured slower with a pool.
inline constexpr long long removal_automatic_budget_us = 4000;
/// Each worker's own window of directory descriptors, transient one included: a parallel
/// removal with T threads holds at most removal_descriptor_limit + T * this many.
inline constexpr std::size_t removal_worker_descriptor_limit = 8;

/// Removes the entry `name` of directory `parent_fd` and everything below it.
///
/// - Tries unlinkat(parent_fd, name, AT_REMOVEDIR) first: an empty directory costs exactly that
///   one system call. Otherwise opens it (O_RDONLY|O_DIRECTORY|O_NOFOLLOW) and walks it.
/// - Every operation below the root is relative to a directory descriptor (openat, unlinkat);
///   no path is re-resolved, ".." is never used. Symbolic links are unlinked, never followed;
///   FIFOs, sockets and devices are unlinked, never opened.
/// - Directories that forbid the walk (modes such as 000 or 0500) get u+rwx (0700) through a
///   descriptor, never by path; only directories inside the tree, never `parent_fd` itself.
/// - A directory on another mount than the root is left and reported with removal_other_mount.
/// - ENOENT below the root is ignored (somebody else removed it first). A directory that keeps
///   filling up while it is removed is rescanned at most 3 times, then reported (ENOTEMPTY).
/// - Errors are collected, not fatal: each entry left behind is appended to `failures` with its
///   errno and the walk goes on with its siblings. A directory that could not be removed only
///   because something below it was left (and reported) is not reported itself.
/// - The root must be a directory: a root that is a file or a symbolic link is left and reported
///   with ENOTDIR; a missing root is reported with ENOENT.
/// - `name` is normally one component. If it is a path, its leading components are resolved by
///   the kernel (following symbolic links) each time it is used: to remove the root, to open it,
///   and (if the first removal failed) to remove it again.
///
/// Returns 0 when `name` is gone, otherwise the errno of the first failure appended. Never
/// throws: running out of memory is reported as ENOMEM (for the root, "").
[[nodiscard]] Errno remove_tree(int parent_fd, const char* name,
                                std::vector<RemovalFailure>& failures,
                                RemovalObserver* observer = nullptr) noexcept;

/// remove_tree with a choice of fan-out: the same rules, checks and report, the subdirectories
/// of a wide directory removed by a pool of threads that lives for this call only. The
/// observer, if any, is told from every worker thread and must be thread-safe. `failures` come
/// in the sequential walk's order: the pool merges its workers' lists in the order the walk
/// would have entered their subdirectories.
[[nodiscard]] Errno remove_tree(int parent_fd, const char* name,
                                std::vector<RemovalFailure>& failures,
                                const ParallelRemoval& parallel,
                                RemovalObserver* observer = nullptr) noexcept;

/// remove_tree for a directory the caller already holds open (TemporaryDirectory's root):
/// `root_fd` must be an O_RDONLY|O_DIRECTORY descriptor. The contents are removed through
/// `root_fd` (through openat(root_fd, "."), or a rewound duplicate when the root's mode forbids
/// reading it; the caller's descriptor stays open) and
/// the root is never re-resolved by name for the walk. Then, unless `name` is nullptr, the root
/// is removed as `name` in `parent_fd`, but only while that name still refers to the same
/// directory (device, inode and mount): otherwise it is reported with removal_replaced and left.
/// If `name` no longer exists the root counts as removed when the directory itself was removed
/// (no links left), and as replaced when it was renamed away.
///
/// The check and the final unlinkat(AT_REMOVEDIR) are two system calls: in between, whoever can
/// write to `parent_fd` can swap in another empty directory, which is then removed instead. That
/// window is inherent to removing by name; it can never reach a non-empty directory or a file.
///
/// It always walks: whether an "rmdir first" fast path is worth trying is the caller's decision
/// (remove_held_directory below makes it, once, for every owner).
[[nodiscard]] Errno remove_tree_at(int parent_fd, const char* name, int root_fd,
                                   std::vector<RemovalFailure>& failures,
                                   RemovalObserver* observer = nullptr) noexcept;
/// remove_tree_at for a caller that has just identified `root_fd` (remove_held_directory):
/// `root` is its identify_fd, not asked again. With a `parallel` mode other than never, the
/// contents may fan out as remove_tree's do (the same pool, the same walk in every thread, the
/// same merged report); the root's checks and removal stay on the calling thread. The observer,
/// if any, must then be thread-safe.
[[nodiscard]] Errno remove_tree_at(int parent_fd, const char* name, int root_fd,
                                   const EntryIdentity& root, std::vector<RemovalFailure>& failures,
                                   const ParallelRemoval& parallel = {},
                                   RemovalObserver* observer = nullptr) noexcept;

/// The one way a directory whose root descriptor its owner holds (a TemporaryDirectory) is
/// removed, whoever removes it: the owner's cleanup(), the exit handler, and (below) a signal
/// handler. `path` is absolute; `root_fd` is the owner's O_DIRECTORY descriptor of it, and
/// `expected` the identity (os/entry_identity.hpp) recorded for it when it was created.
///
/// 1. unlinkat(path, AT_REMOVEDIR), the one fast-path decision. It only ever removes an empty
///    directory and never follows a symbolic link, so it is safe to try whatever `path` is now,
///    and for an empty directory it is the whole job.
/// 2. One statx of `root_fd`: it must still be `expected`. If not, the owner's descriptor was
///    closed and its number reused by another open(): nothing is walked through it (that would
///    empty an unrelated directory) and the root is reported with removal_wrong_descriptor.
///    The same call says how many names the directory has left: none means it is gone (removed
///    in step 1, or by somebody else before: Python ignores FileNotFoundError), and that is done.
/// 3. Otherwise (not empty, or no longer at `path`: renamed away, or an empty directory swapped
///    in for ours was what step 1 removed) remove_tree_at walks through `root_fd`: the contents
///    are ours wherever the directory is now and are removed; the root is removed only while
///    `path` still names it, else reported with removal_replaced.
///
/// An empty root costs two system calls; a non-empty one pays the failed rmdir for the fast path.
///
/// `parallel` is step 3's fan-out (remove_tree_at). The owner's cleanup() passes its choice
/// (automatic unless told otherwise: a small tree walks exactly as sequentially, and starts
/// no thread); the exit handler and the guardian process leave it at never (docs/tree-removal.md,
/// "Parallel removal").
[[nodiscard]] Errno remove_held_directory(const char* path, int root_fd,
                                          const EntryIdentity& expected,
                                          std::vector<RemovalFailure>& failures,
                                          const ParallelRemoval& parallel = {}) noexcept;

/// A test seam for the race tests: the observer remove_held_directory (not its signal-handler
/// form) gives its walk, so that a TemporaryDirectory's cleanup() can be watched and raced as
/// remove_tree is. The library never sets it; a test sets it for a scope and puts back nullptr.
/// It must be thread-safe (a parallel walk tells it from every thread).
void observe_held_removals(RemovalObserver* observer) noexcept;

/// remove_held_directory for a signal handler (os/cleanup.cpp): the same steps 1 and 2, then
/// the allocation-free walk (os/remove_tree_signal.cpp) with the same rules as remove_tree (no
/// link followed, no other mount entered, compared by mount id; directories that forbid the walk
/// given u+rwx through their descriptors, and a failed removal retried after that) and `path`
/// removed only while it still names the same directory. Only async-signal-safe calls, nothing
/// allocated. Simpler than remove_tree, as befits a process about to die: at most
/// removal_descriptor_limit levels deep (deeper entries are left), no failure list, one pass
/// (entries that reappear are left). Linux only; elsewhere readdir is not async-signal-safe, so
/// only an already empty directory is removed. Call prepare_signal_removal() once, outside any
/// handler, before the handler can run.
void remove_held_directory_in_signal_handler(const char* path, int root_fd,
                                             const EntryIdentity& expected) noexcept;
/// Faults in the static workspace remove_held_directory_in_signal_handler uses. Returns 0.
[[nodiscard]] Errno prepare_signal_removal() noexcept;

}  // namespace tempfile::os
