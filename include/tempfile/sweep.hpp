// SPDX-License-Identifier: MIT
/// `tempfile::sweep`: removes the temporary files and directories that dead owners left in a
/// directory.
/// @file
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "tempfile/export.hpp"

namespace tempfile {

/// What sweep() looks for, and how. Fields only ever added at the end.
struct SweepOptions {
  /// The names' prefix; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// The names' suffix; nullopt means "" (no suffix), as when creating. A name matches when it
  /// is prefix + 8 characters of [a-z0-9_] + suffix, exactly.
  std::optional<std::string> suffix{};
  /// Entries modified less than this long ago are left: they protect owners that take no lock
  /// (mkstemp, mkdtemp, a kept NamedTemporaryFile, other programs using the same pattern) and
  /// the instant between an object's creation and its lock. Zero sweeps whatever is unlocked.
  std::chrono::seconds min_age = std::chrono::hours(24);
  /// Decide everything (lock taken and checks made as for real) but remove nothing: `removed`
  /// lists what would have been removed.
  bool dry_run = false;
};

/// Why sweep() left an entry whose name matches.
enum class SweepReason {
  in_use,       ///< its lock is held: a live owner (or a cleaner scanning it right now)
  too_young,    ///< modified less than min_age ago
  not_ours,     ///< a symbolic link, FIFO, socket or device under the pattern: never touched
  hard_linked,  ///< a file with more than one name: another name still refers to it
  replaced,     ///< its name changed hands between the open and the removal
  other_mount,  ///< a mount point: never entered
  failed,       ///< a system call failed (`error` says which errno)
};

/// One entry sweep() removed (or, with dry_run, would remove).
struct SweptEntry {
  /// The entry's path: `dir` / its name.
  std::filesystem::path path;
  /// true for a directory (removed with its whole tree), false for a file.
  bool directory = false;
};

/// One matching entry sweep() left, and why.
struct LeftEntry {
  /// The entry's path: `dir` / its name; or, for an entry swapped in under the name that could
  /// not be moved back (failed), the private name in `dir` it is left under.
  std::filesystem::path path;
  /// Why it was left.
  SweepReason reason = SweepReason::failed;
  /// The errno behind `reason` (EWOULDBLOCK for in_use, ELOOP for not_ours symbolic links, the
  /// failing call's errno for failed); empty for too_young and hard_linked.
  std::error_code error{};
};

/// What sweep() did in one directory: every entry whose name matched is in one of the lists.
struct SweepResult {
  /// The entries removed (with dry_run: that would have been removed).
  std::vector<SweptEntry> removed;
  /// The matching entries left, each with its reason.
  std::vector<LeftEntry> left;
};

/// Removes from `dir` (not below it: only its own entries are looked at) the files and
/// directories whose names match the pattern (SweepOptions) and whose owner is dead: every
/// NamedTemporaryFile and TemporaryDirectory holds a shared flock while it lives (unless made
/// with lock = false), which the kernel drops when the process ends however it ends, SIGKILL
/// included. For each match, without following any symbolic link:
///
/// 1. lstat: only a regular file or a directory older than min_age goes on;
/// 2. opened O_RDONLY|O_NOFOLLOW|O_NONBLOCK and locked with flock(LOCK_EX|LOCK_NB): a held
///    lock means a live owner, and the entry is left (in_use). A directory of the sweeper's own
///    whose mode denies its owner reading it (0000, 0300) is given u+rwx through an O_PATH
///    descriptor for the open, and its mode back on the opened descriptor;
/// 3. under the lock, checked again: still a file or directory on the directory's own mount,
///    still old enough, the name still refers to the locked entry, and a file has one name;
/// 4. a file's name is moved to a private random name (replacing nothing) and what arrived
///    there unlinked only if it is the locked file (anything else swapped in under the name is
///    moved back and left: replaced); a directory's tree is removed through the locked
///    descriptor (no link followed, no mount crossed, modes that forbid the walk fixed through
///    descriptors) and its name removed only while it still refers to it.
///
/// Errors: tempfile::error when `dir` cannot be opened or read (path1() = dir); std::bad_alloc.
/// Every per-entry problem is reported in `left`, never thrown.
[[nodiscard]] TEMPFILE_API SweepResult sweep(const std::filesystem::path& dir,
                                             const SweepOptions& options = {});
/// As sweep(dir, options), reporting the directory's failure through `ec` (an empty result)
/// instead of throwing. Still throws std::bad_alloc.
[[nodiscard]] TEMPFILE_API SweepResult sweep(const std::filesystem::path& dir,
                                             const SweepOptions& options, std::error_code& ec);

}  // namespace tempfile
