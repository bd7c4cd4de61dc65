// SPDX-License-Identifier: MIT
// Shared pieces of the attack and fault tests: scripted name sources, creation attempts whose
// outcome can cross a process boundary, children with a deadline, snapshots of victim files.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "create/create.hpp"
#include "create/names.hpp"
#include "os/remove_tree.hpp"
#include "support/files.hpp"  // write_file, for every attack test
#include "support/name_sources.hpp"
#include "tempfile/error.hpp"

namespace tempfile::test {

/// What one call to a creation function did, flattened to strings so that a child process
/// (another user, a private mount namespace, a low fd limit) can send it to the parent, where
/// the GoogleTest assertions run.
struct Attempt {
  bool created = false;
  std::string path;           // on success: the entry created (its descriptor already closed)
  bool threw_error = false;   // a tempfile::error
  int code = 0;               // its errno
  std::string what;           // its what()
  std::string path1;          // its path1()
  std::string path2;          // its path2()
  std::string other_failure;  // any other exception, with its what()
  int name_calls = -1;        // how many names were drawn, when a NameSource was counting
};

/// Runs `creation` (which returns the created path, or throws) and records what happened.
[[nodiscard]] Attempt record_attempt(const std::function<std::string()>& creation);

/// create::create_unique(kind, {function, prefix, suffix, dir}, names), recorded; the
/// descriptor of a created file is closed, the entry itself is left for the caller.
[[nodiscard]] Attempt attempt_create(create::EntryKind kind, const std::filesystem::path& dir,
                                     const std::string& prefix, const std::string& suffix,
                                     create::NameSource& names);

/// One line-based record per attempt, so several can travel through one pipe.
[[nodiscard]] std::string encode(const Attempt& attempt);
[[nodiscard]] std::vector<Attempt> decode_all(const std::string& text);

/// Named values a child reports beside its attempts ("fact.<key>=<value>" lines, which
/// decode_all skips).
void add_fact(std::string& out, const std::string& key, const std::string& value);
[[nodiscard]] std::optional<std::string> fact(const std::string& output, const std::string& key);

/// A forked child's exit status (128 + signal when killed) and everything it wrote.
struct ChildRun {
  int status = -1;
  std::string output;
};

/// Exit status a child body returns when a capability it probed is missing (EPERM from
/// unshare or mount): the parent turns it into GTEST_SKIP with the child's output as reason.
inline constexpr int child_capability_missing = 77;
/// The status of a child that SIGALRM killed: it blocked past its deadline.
inline constexpr int child_hit_deadline = 128 + 14;

/// Everything `fd` gives until end of file or an error (EINTR retried).
[[nodiscard]] std::string read_to_end(int fd);

/// Forks; the child arms alarm(deadline_seconds) (the default SIGALRM action kills it, so a
/// blocked call shows up as child_hit_deadline instead of hanging the suite), runs `body`
/// with a string to fill, sends the string to the parent and _exits with body's result (100
/// if it threw). The parent reads while the child runs, so output size is not limited.
[[nodiscard]] ChildRun run_child(const std::function<int(std::string&)>& body,
                                 unsigned deadline_seconds = 10);

/// In a child: a private mount namespace (unshare(CLONE_NEWNS), then / made MS_PRIVATE
/// recursively) so mounts made afterwards never reach the host, then a tmpfs on `target` with
/// `flags` and `options`. A process that is not root first enters a user namespace of its own
/// (its uid and gid mapped to themselves) where that is allowed. Returns 0, or
/// child_capability_missing with a reason in `why` when the kernel refused with EPERM, or 1 with
/// a reason for any other failure.
[[nodiscard]] int mount_private_tmpfs(const std::filesystem::path& target, unsigned long flags,
                                      const std::string& options, std::string& why);

/// The state of a victim file or a planted entry, read without following a final symbolic link
/// and without opening anything that could block (FIFOs) or is not a regular file.
struct EntrySnapshot {
  bool exists = false;
  mode_t mode = 0;  // type and permission bits
  ino_t inode = 0;
  dev_t device = 0;
  nlink_t links = 0;
  off_t size = 0;
  timespec modified{};
  std::string content;  // regular files: the bytes; symbolic links: the target
  bool operator==(const EntrySnapshot& other) const;
};
[[nodiscard]] EntrySnapshot snapshot(const std::filesystem::path& path);
/// A readable rendering for assertion messages.
[[nodiscard]] std::string describe(const EntrySnapshot& entry);
/// Snapshots of `dir` (".") and every entry below it, not following links, keyed by relative path.
[[nodiscard]] std::vector<std::pair<std::string, EntrySnapshot>> snapshot_tree(
    const std::filesystem::path& dir);

/// Sets the umask for a scope: the umask is per process, so tests that change it put it back.
class UmaskScope {
 public:
  explicit UmaskScope(mode_t mask);
  UmaskScope(const UmaskScope&) = delete;
  UmaskScope& operator=(const UmaskScope&) = delete;
  UmaskScope(UmaskScope&&) = delete;
  UmaskScope& operator=(UmaskScope&&) = delete;
  ~UmaskScope();

 private:
  mode_t previous_;
};

/// Saves TMPDIR, TEMP and TMP and puts them back (set or unset) at the end of the scope.
class TempdirEnvironmentScope {
 public:
  TempdirEnvironmentScope();
  TempdirEnvironmentScope(const TempdirEnvironmentScope&) = delete;
  TempdirEnvironmentScope& operator=(const TempdirEnvironmentScope&) = delete;
  TempdirEnvironmentScope(TempdirEnvironmentScope&&) = delete;
  TempdirEnvironmentScope& operator=(TempdirEnvironmentScope&&) = delete;
  ~TempdirEnvironmentScope();

  /// Sets (value) or unsets (nullopt) one of the three variables.
  static void set(const char* variable, const std::optional<std::string>& value);

 private:
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

/// Files f0..f<count-1> holding "victim data", in `dir` (created with its parents).
void fill_victim_files(const std::filesystem::path& dir, int count);

/// The subtree-swap attacker (security.md 1.4, C5): a thread that keeps replacing directory
/// `target` with a symbolic link to `victim` (rename away to `target`.moved, symlink, unlink,
/// rename back). The constructor returns once the first link was in place; the destructor
/// stops the thread after a whole cycle, so `target` is never left a link.
class SubtreeSwapper {
 public:
  SubtreeSwapper(std::filesystem::path target, std::filesystem::path victim);
  SubtreeSwapper(const SubtreeSwapper&) = delete;
  SubtreeSwapper& operator=(const SubtreeSwapper&) = delete;
  SubtreeSwapper(SubtreeSwapper&&) = delete;
  SubtreeSwapper& operator=(SubtreeSwapper&&) = delete;
  ~SubtreeSwapper();

 private:
  std::filesystem::path target_;
  std::filesystem::path moved_;
  std::filesystem::path victim_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> started_{false};
  std::thread attacker_;  // last: it starts once every member it reads is built
};

/// A private (0700) directory on /dev/shm when that is a writable tmpfs, else `fallback_parent`
/// / "fast": for tests that create thousands of entries, so they time the library rather than
/// a disk's metadata latency (ext4 mounted with discard here: about 1.3 ms per mkdir and rmdir).
/// Removed, with anything left in it, at the end of the scope; tests check it is empty first.
class FastDirectory {
 public:
  explicit FastDirectory(const std::filesystem::path& fallback_parent);
  FastDirectory(const FastDirectory&) = delete;
  FastDirectory& operator=(const FastDirectory&) = delete;
  FastDirectory(FastDirectory&&) = delete;
  FastDirectory& operator=(FastDirectory&&) = delete;
  ~FastDirectory();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Regular files below `dir`, recursively (0 when it cannot be read).
[[nodiscard]] std::size_t count_files(const std::filesystem::path& dir);

/// The positive control for the tree-removal races: the bug the library must not have
/// (CVE-2022-21658's shape). It checks with lstat, then acts on the full path, which the kernel
/// resolves again through whatever is there by then. It yields the processor between the check
/// and each use, so that the window exists on one core too, where two threads only interleave
/// when one gives way (a control that loses only on multi-core machines proves nothing there).
void naive_remove(const std::filesystem::path& path);

/// One round of the subtree-swap race (security.md 1.4, C5), for every remover the race tests
/// try: `tree`/a/<sub> holds `files` files and `victim`/<sub> the same names; with `siblings`,
/// `tree` also holds that many small subdirectories s0, s1... (3 files each), so that a parallel
/// walk has a wide directory to hand out. A SubtreeSwapper keeps replacing `tree`/a with a
/// symbolic link to `victim` while `remover(tree)` runs. Afterwards whatever is left of `tree`
/// and `victim` is removed. Returns how many victim files were lost. `tree` may already exist
/// (a TemporaryDirectory's root).
[[nodiscard]] std::size_t subtree_swap_round(
    const std::filesystem::path& tree, const std::filesystem::path& victim, const std::string& sub,
    int files, int siblings, const std::function<void(const std::filesystem::path&)>& remover);

/// os::observe_held_removals for a scope: the held-directory removals of
/// TemporaryDirectory::cleanup() (and its destructor) tell `observer` their steps until the
/// end of the scope, as remove_tree tells the observer it is given.
class HeldRemovalObserved {
 public:
  explicit HeldRemovalObserved(os::RemovalObserver* observer) noexcept {
    os::observe_held_removals(observer);
  }
  HeldRemovalObserved(const HeldRemovalObserved&) = delete;
  HeldRemovalObserved& operator=(const HeldRemovalObserved&) = delete;
  HeldRemovalObserved(HeldRemovalObserved&&) = delete;
  HeldRemovalObserved& operator=(HeldRemovalObserved&&) = delete;
  ~HeldRemovalObserved() { os::observe_held_removals(nullptr); }
};

/// What a positive control's rounds came to.
struct ControlRun {
  int rounds = 0;
  bool lost = false;  // some round lost victim files: the harness can see the attack land
};

/// Runs `round` (true when it lost victim files) until its first loss, for up to 5000 rounds
/// or 30 s: on a loaded machine the window is hit less often, and a control that gave up early
/// would fail for the wrong reason.
[[nodiscard]] ControlRun run_until_first_loss(const std::function<bool()>& round);

/// The entries a cleanup_error lists, as " '<path>' (<errno text>)" each, for assertion messages.
[[nodiscard]] std::string describe(const cleanup_error& failure);
/// Whether `failure` lists `path` with errno `err`.
[[nodiscard]] bool reports(const cleanup_error& failure, const std::filesystem::path& path,
                           int err);

/// What `action` did, as text to compare: "ok", "invalid_argument: <what>",
/// "error <errno>: <what>" (a tempfile::error) or "other: <what>".
[[nodiscard]] std::string outcome(const std::function<void()>& action);

}  // namespace tempfile::test
