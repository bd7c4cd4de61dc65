// SPDX-License-Identifier: MIT
// What tempfile::gtest needs of the system for its per-user root and numbered run directories:
// the user's name, the checked root, the locks that serialise runs and mark live ones, the
// `current` link. POSIX in test_runs_posix.cpp, Windows in windows_test_runs.cpp; both are
// compiled into the tempfile_gtest library, not into tempfile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "os/errno.hpp"

namespace tempfile::os::test_runs {

/// What this interface holds open (a directory, a lock file): a descriptor on POSIX, a HANDLE on
/// Windows, closed when this object goes (a close error is ignored: nothing was written through
/// it, and a lock goes with it). An owner of its own, not os::FileDescriptor: this interface is
/// compiled into tempfile_gtest, which cannot reach tempfile's hidden symbols in a shared build.
class Held {
 public:
  Held() noexcept = default;
  explicit Held(std::intptr_t value) noexcept : value_(value) {}
  Held(Held&& other) noexcept : value_(std::exchange(other.value_, invalid)) {}
  Held& operator=(Held&& other) noexcept {
    if (this != &other) {
      reset();
      value_ = std::exchange(other.value_, invalid);
    }
    return *this;
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() { reset(); }

  [[nodiscard]] std::intptr_t get() const noexcept { return value_; }
  [[nodiscard]] bool valid() const noexcept { return value_ != invalid; }
  /// Closes what is held (close(2), CloseHandle), if anything.
  void reset() noexcept;

 private:
  static constexpr std::intptr_t invalid = -1;  // -1 and INVALID_HANDLE_VALUE
  std::intptr_t value_ = invalid;
};

/// The name of the user this process runs as, not yet sanitised, never empty: on POSIX the
/// effective user's login name (getpwuid_r), or "uid-<N>" without a passwd entry; on Windows the
/// account name of the process's token (GetUserNameW, in UTF-8), else %USERNAME%, else "unknown".
/// Throws std::bad_alloc.
[[nodiscard]] std::string user_name();

/// An environment variable's value in UTF-8; nullopt when unset or empty. On Windows it is read
/// from the process environment block (GetEnvironmentVariableW): the C runtime's narrow copy is
/// in the ANSI code page, which cannot hold every path. Throws std::bad_alloc.
[[nodiscard]] std::optional<std::string> environment_variable(const char* name);

/// This process's id, for "is this the process that made the run" (a fork()ed death-test child
/// is not).
[[nodiscard]] long process_id() noexcept;

/// The per-user root, opened and checked: `fd` holds it while the run is made (on POSIX the
/// directory every later call is relative to; on Windows a handle that does not share deletion,
/// so the root cannot be renamed or removed meanwhile), `path` is its UTF-8 path.
struct Root {
  Held fd;
  std::string path;
};

/// Makes directory `path` (mode 0700) if missing and opens it, never through a symbolic link
/// (or junction). Refuses, with EPERM or ELOOP and `refusal` set to the reason and the remedy,
/// a root that is a link, and on POSIX one not owned by the effective user or of a mode other
/// than 0700. Any other failure leaves `refusal` empty; `failed_step` then says which step
/// ("create", "open", "stat"). Throws std::bad_alloc.
[[nodiscard]] Errno open_root(const std::string& path, Root& out, std::string& refusal,
                              const char*& failed_step);

/// Opens (creating it) `<root>/.lock` and waits for its exclusive lock, held while `out` lives:
/// making a run and pruning old ones happen under it.
[[nodiscard]] Errno lock_root(const Root& root, Held& out) noexcept;

/// Makes directory `name` in the root, mode 0700; EEXIST if anything has the name.
[[nodiscard]] Errno make_run_directory(const Root& root, const std::string& name) noexcept;

/// Creates `<root>/<run>/.lock` (exclusively) and locks it without waiting, for as long as `out`
/// lives, and past that for the process's life when `out` is never closed: the system drops the
/// lock when the process ends, however it ends. On Windows the file is also held without sharing
/// deletion, so no one can remove the run while the process lives.
[[nodiscard]] Errno lock_run(const Root& root, const std::string& run, Held& out) noexcept;

/// Whether the process that made `<root>/<run>` is alive: 0 when its lock could be taken (it is
/// released again at once: only the run's own process ever takes it for long), EWOULDBLOCK while
/// it is held, ENOENT when the run has no lock file (it died before making one), another errno
/// when that cannot be told.
[[nodiscard]] Errno probe_run(const Root& root, const std::string& run) noexcept;

/// Points `<root>/current` at `run` (a relative symbolic link). On POSIX a fresh link renamed
/// over the old one, so a reader never sees it missing. On Windows the old link is removed and a
/// new one made (a directory symbolic link); where the process may not make one (no privilege,
/// no developer mode, a file system without links) it gives ENOTSUP and there is no `current`,
/// as with pytest. A `current` that is not a link is never removed (EEXIST). `failed_path` names
/// the entry a failure is about. Throws std::bad_alloc.
[[nodiscard]] Errno point_current(const Root& root, const std::string& run,
                                  std::string& failed_path);

/// Makes directory `path` (a test's directory), mode 0700; EEXIST if anything has the name.
[[nodiscard]] Errno make_directory(const std::string& path) noexcept;

}  // namespace tempfile::os::test_runs
