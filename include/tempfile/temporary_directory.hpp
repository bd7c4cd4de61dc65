// SPDX-License-Identifier: MIT
/// TemporaryDirectory: Python's self-removing directory, with a cleanup that cannot be tricked
/// into removing anything outside its own tree.
/// @file
#pragma once

#include <filesystem>
#include <memory>

// Kept for code written before cleanup_on_signals() had a header of its own.
#include "tempfile/cleanup.hpp"
#include "tempfile/export.hpp"
#include "tempfile/options.hpp"

namespace tempfile {

/// Python: TemporaryDirectory() (3.12). Creates a directory as mkdtemp does (0700, a new
/// random name, absolute path) and keeps an O_DIRECTORY descriptor of it for its whole life.
///
/// cleanup() removes the tree through that descriptor with the library's one tree remover
/// (docs/tree-removal.md): no symbolic link is followed, no mount point crossed, no FIFO
/// opened, unsearchable or read-only directories are fixed through descriptors (never by
/// path), and the directory itself is removed only while its name still refers to it (a root
/// replaced by a symbolic link or another directory is left alone and reported). It is
/// idempotent, removes the tree even with delete_ = false (Python's rule), and throws
/// tempfile::cleanup_error listing every entry left behind (path and errno) unless
/// ignore_cleanup_errors, which makes it never throw. A large tree's subdirectories may be
/// removed by a few threads at once, by rmtree's rule (TemporaryDirectoryOptions::
/// cleanup_parallel, automatic by default: only where 4 ms or more of work is measured left);
/// the same entries go and the same failures are reported.
///
/// With delete_ (default) the destructor does the same and never throws; the tree is also
/// removed at normal exit (return from main, std::exit) if the object is still alive then, and
/// on SIGINT/SIGTERM/SIGHUP after tempfile::cleanup_on_signals(), by one thread. Only the process
/// that created it removes it: in a fork()ed child the destructor just closes the descriptor.
///
/// Move-only: a moved-from object owns nothing and does nothing.
class TEMPFILE_API TemporaryDirectory {
 public:
  /// Python's TemporaryDirectory() with its defaults: a new directory in gettempdir().
  TemporaryDirectory();
  /// Python's TemporaryDirectory(**options). Errors: std::invalid_argument for a prefix or
  /// suffix containing '/' or NUL; tempfile::error when the directory cannot be created or
  /// opened (path1() the parent directory).
  explicit TemporaryDirectory(const TemporaryDirectoryOptions& options);
  /// Takes over `other`'s directory and its removal; `other` owns nothing afterwards.
  TemporaryDirectory(TemporaryDirectory&& other) noexcept;
  /// Cleans up what this object held (as the destructor would), then takes over `other`'s.
  TemporaryDirectory& operator=(TemporaryDirectory&& other) noexcept;
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory();

  /// The directory's absolute path (Python's name); empty for a moved-from object.
  [[nodiscard]] const std::filesystem::path& name() const noexcept;
  /// The same path, for `dir.path() / "file.txt"`.
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return name(); }

  /// Removes the directory and everything in it now. Idempotent. In a fork()ed child it
  /// removes nothing: it throws tempfile::error (EPERM), or with ignore_cleanup_errors does
  /// nothing (Python's would remove the parent's tree; docs/cleanup.md).
  void cleanup();

  /// Stops every removal of the directory (the destructor, the exit and signal handlers, and
  /// for a PseudoTemporaryDirectory the guardian) and returns its path; cleanup() then does
  /// nothing either. Idempotent. A moved-from object returns an empty path. Errors:
  /// tempfile::error (ENOENT) if cleanup() already removed the directory, or if its name is
  /// gone or now refers to another entry: the directory is kept all the same (wherever it was
  /// moved), but not at that path.
  std::filesystem::path keep();

  /// `dir / "file.txt"`: a path inside the directory.
  friend std::filesystem::path operator/(const TemporaryDirectory& directory,
                                         const std::filesystem::path& relative) {
    return directory.name() / relative;
  }

 protected:
  /// PseudoTemporaryDirectory's: also hands the directory to the guardian process.
  struct Guarded {};
  /// PseudoTemporaryDirectory's constructor: as TemporaryDirectory(options), and with delete_
  /// the directory is also handed to the guardian process (tempfile::error if it cannot be).
  TemporaryDirectory(const TemporaryDirectoryOptions& options, Guarded /*unused*/);

 private:
  TemporaryDirectory(const TemporaryDirectoryOptions& options, bool guarded);
  friend class DirOption;
  struct State;
  std::unique_ptr<State> state_;
};

/// The seed's PseudoTemporaryDirectory: a TemporaryDirectory (same options, same removal, same
/// exit, fork and signal behaviour) that is removed even when its process dies without
/// cleaning up: SIGKILL, a crash, exec(). A guardian process (one per process, started by the
/// first such object, gone with the last; docs/guardian.md) holds a descriptor of the
/// directory and, if the owner dies first, removes it through that descriptor with the tree
/// remover's rules. A directory the owner removed itself is never touched again by the
/// guardian, even if another directory takes its name.
///
/// With delete_ = false nothing removes it automatically, the guardian included; cleanup()
/// still does (Python's rule).
class TEMPFILE_API PseudoTemporaryDirectory : public TemporaryDirectory {
 public:
  /// With the default options: a new directory in gettempdir(), guarded.
  PseudoTemporaryDirectory();
  /// Created as TemporaryDirectory(options) creates one, then (with delete_) handed to the
  /// guardian process, which is started first if this process has none. Errors as
  /// TemporaryDirectory's, and tempfile::error when the guardian cannot be started or handed
  /// the directory.
  explicit PseudoTemporaryDirectory(const PseudoTemporaryDirectoryOptions& options);
};

/// rmtree's options, an aggregate like the creation functions' options:
/// `tempfile::rmtree(path, {.ignore_errors = true})` reads like Python's
/// `shutil.rmtree(path, ignore_errors=True)`.
struct RmtreeOptions {
  /// Python's ignore_errors: nothing is thrown, whatever was left behind.
  bool ignore_errors = false;
  /// Whether the removal may fan out across threads.
  RmtreeParallel parallel = RmtreeParallel::automatic;
  /// The most threads removing at once, the calling one included (at most 64); 0 means up to
  /// 4, no more than the machine's hardware threads. Fewer are used when the descriptors they would
  /// hold (16 plus 8 per thread) do not fit in half the soft RLIMIT_NOFILE; below 2, none is
  /// started.
  unsigned max_threads = 0;
};

/// Python: shutil.rmtree(path), the twin of mkdtemp() for a caller who owns the directory: removes
/// `path` and everything below it with the library's tree remover (no symbolic link followed,
/// no mount point crossed, modes fixed through descriptors; docs/tree-removal.md). A `path` that
/// is a symbolic link is not followed and is reported, as Python's "Cannot call rmtree on a
/// symbolic link". Throws tempfile::cleanup_error listing every entry left behind, unless
/// ignore_errors. The same as rmtree(path, {.ignore_errors = ignore_errors}).
TEMPFILE_API void rmtree(const std::filesystem::path& path, bool ignore_errors = false);

/// rmtree(path) with options: `options.ignore_errors` as above, and whether a large tree's
/// subdirectories are removed by a few threads at once (a pool that lives for this call only).
/// A thread pool's failures are merged: the cleanup_error lists every entry left, as the
/// sequential walk does.
TEMPFILE_API void rmtree(const std::filesystem::path& path, const RmtreeOptions& options);

}  // namespace tempfile
