// SPDX-License-Identifier: MIT
// gettempdir(): the candidate search with real probe files, cached once per process.
#include "create/tempdir.hpp"

#include <cerrno>
#include <filesystem>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

#include "create/escape.hpp"
#include "create/paths.hpp"
#include "create/report_through.hpp"
#include "os/fork_handlers.hpp"
#include "os/never_destroyed.hpp"
#include "os/path.hpp"
#include "os/process_lock.hpp"
#include "os/sys.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace create {
namespace {

// Probe names tried per candidate before moving on (Python 3.11 tries 100 as well).
constexpr int probe_attempts = 100;

// Creates, writes and removes one probe file in `dir`; 0 when the directory is usable.
os::Errno probe_directory(const std::string& dir, NameSource& names) {
  std::string path = dir;
  if (!os::is_separator(path.back())) {
    path += os::preferred_separator;
  }
  const std::size_t stem = path.size();
  os::Errno err = EEXIST;
  for (int attempt = 0; attempt < probe_attempts && err == EEXIST; ++attempt) {
    path.resize(stem);
    path += names.next();
    os::FileDescriptor probe;
    err = os::create_file_exclusive(os::current_directory_fd, path.c_str(), os::file_mode, probe);
    if (err != 0) {
      continue;
    }
    static constexpr char payload[] = "blat";
    err = os::write_all(probe.get(), payload, sizeof payload - 1);
    const os::Errno close_err = probe.close();
    const os::Errno unlink_err = os::remove_file(os::current_directory_fd, path.c_str());
    if (err == 0) {
      err = close_err != 0 ? close_err : unlink_err;
    }
  }
  return err;
}

struct DefaultTempdir {
  constexpr DefaultTempdir() noexcept = default;
  os::ProcessLock lock;
  std::optional<std::string> dir;  // UTF-8, as every path inside the library
};

// Never destroyed, so that code running during static destruction (exit-time cleanup) can
// still ask for the directory; constant-initialized, so a fork() can never catch it half made.
constinit os::NeverDestroyed<DefaultTempdir> the_default_tempdir;

// A fork() while another thread holds the lock would leave it locked forever in the child,
// whose first temporary object would then wait for a thread it does not have: the lock is held
// across every fork() (so the cache is never copied half written) and released on both sides.
// A child that inherited it held all the same (os/process_lock.hpp) takes it over and forgets
// the cache, which may be half assigned: a new empty one is made in its place and the old one's
// memory left alone, and the child looks for the directory again.
os::ProcessLock& default_tempdir_lock() noexcept {
  return the_default_tempdir.value.lock;
}
void forget_default_tempdir() noexcept {
  new (&the_default_tempdir.value.dir) std::optional<std::string>();
}
using DefaultTempdirLock = os::LockHeldAcrossFork<&default_tempdir_lock, &forget_default_tempdir>;

// The cache, with its lock held in `lock`.
DefaultTempdir& lock_default_tempdir(std::unique_lock<os::ProcessLock>& lock) {
  if (const int err = DefaultTempdirLock::lock(lock); err != 0) {
    throw error::with_message(
        "tempfile: cannot register the fork handlers of the default temporary directory",
        std::filesystem::path(), os::to_error_code(err));
  }
  return the_default_tempdir.value;
}

// Fills the cache if empty; call with the mutex held.
const std::string& cached_tempdir(DefaultTempdir& state) {
  if (!state.dir) {
    RandomNames names;
    state.dir = find_usable_tempdir(candidate_tempdir_list(), names);
  }
  return *state.dir;
}

}  // namespace

std::vector<std::string> candidate_tempdir_list() {
  std::vector<std::string> candidates;
  for (const char* variable : {"TMPDIR", "TEMP", "TMP"}) {
    if (auto value = os::environment_variable(variable); value && !value->empty()) {
      candidates.push_back(std::move(*value));
    }
  }
  for (std::string& fixed : os::fixed_tempdir_candidates()) {
    candidates.push_back(std::move(fixed));
  }
  std::string cwd;
  candidates.push_back(os::current_directory(cwd) == 0 ? std::move(cwd) : std::string("."));
  return candidates;
}

std::string find_usable_tempdir(const std::vector<std::string>& candidates, NameSource& names) {
  std::string rejected;
  for (const std::string& candidate : candidates) {
    std::string dir;
    os::Errno err = 0;
    try {
      dir = absolute_path(candidate);
    } catch (const error& failure) {
      err = failure.code().value();
    }
    if (err == 0) {
      err = probe_directory(dir, names);
    }
    if (err == 0) {
      return dir;
    }
    rejected += rejected.empty() ? "'" : ", '";
    append_escaped(rejected, candidate);
    rejected += "' (";
    rejected += os::to_error_code(err).message();
    rejected += ')';
  }
  throw error::with_message("tempfile: no usable temporary directory found among " + rejected,
                            std::filesystem::path(), os::to_error_code(ENOENT));
}

std::string lay_out_in_default_tempdir(std::string&& storage, std::string_view prefix,
                                       std::size_t random_room, std::string_view suffix,
                                       std::size_t& stem) {
  std::unique_lock<os::ProcessLock> lock;
  DefaultTempdir& state = lock_default_tempdir(lock);
  return lay_out_path(std::move(storage), cached_tempdir(state), prefix, random_room, suffix, stem);
}

}  // namespace create

std::filesystem::path gettempdir() {
  std::unique_lock<os::ProcessLock> lock;
  create::DefaultTempdir& state = create::lock_default_tempdir(lock);
  return os::to_path(create::cached_tempdir(state));
}

std::filesystem::path gettempdir(std::error_code& ec) noexcept {
  return create::report_through(ec, std::filesystem::path(), [] { return gettempdir(); });
}

std::optional<std::filesystem::path> tempdir() {
  std::unique_lock<os::ProcessLock> lock;
  create::DefaultTempdir& state = create::lock_default_tempdir(lock);
  if (!state.dir) {
    return std::nullopt;
  }
  return os::to_path(*state.dir);
}

void set_tempdir(std::optional<std::filesystem::path> dir) {
  create::check_path_argument("set_tempdir", "dir", dir);
  std::optional<std::string> absolute;
  if (dir) {
    absolute = create::absolute_path(os::from_path(*dir));
  }
  std::unique_lock<os::ProcessLock> lock;
  create::DefaultTempdir& state = create::lock_default_tempdir(lock);
  state.dir = std::move(absolute);
}

}  // namespace tempfile
