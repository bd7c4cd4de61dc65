// SPDX-License-Identifier: MIT
// The two ways a temporary file gets its final name, shared by every object that persists:
// renaming a named file, linking an unnamed one into place.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "create/path_buffer.hpp"
#include "os/sys.hpp"
#include "tempfile/options.hpp"
#include "tempfile/persist.hpp"

namespace tempfile::detail {
struct FileState;
}  // namespace tempfile::detail

namespace tempfile::objects {

/// Where a persist puts the file: the target's absolute, normal path (messages, name()) and
/// what the system calls name it by: the absolute path itself with os::current_directory_fd,
/// or, in a held directory, its name inside it relative to the held descriptor. The path is the
/// caller's own string when that was already absolute and normal (borrowed: it must outlive the
/// target, as a persist's argument does), else one made here.
struct PersistTarget {
  PersistTarget() = default;
  /// A target whose absolute path is `absolute`, borrowed.
  PersistTarget(const std::string& absolute, int held_fd, std::size_t name_start) noexcept
      : dirfd(held_fd), at_start(name_start), borrowed_(&absolute) {}

  int dirfd = os::current_directory_fd;
  /// Where the name relative to `dirfd` starts in `absolute` (0: the whole absolute path).
  std::size_t at_start = 0;

  [[nodiscard]] const std::string& absolute() const noexcept {
    return borrowed_ != nullptr ? *borrowed_ : owned_;
  }
  [[nodiscard]] const char* at() const noexcept { return absolute().c_str() + at_start; }
  void borrow(const std::string& absolute) noexcept { borrowed_ = &absolute; }
  void own(std::string absolute) noexcept {
    owned_ = std::move(absolute);
    borrowed_ = nullptr;
  }
  /// The path as a string of the caller's own (moved out when it was made here).
  [[nodiscard]] std::string take_absolute() && {
    if (borrowed_ != nullptr) {
      return *borrowed_;
    }
    return std::move(owned_);
  }

 private:
  std::string owned_;
  const std::string* borrowed_ = nullptr;
};

/// Resolves `target` (the argument named `argument` of `function`) against `dir`: an absolute
/// target as it is (`dir` ignored, as openat() ignores its descriptor); a relative one inside a
/// held directory, by its descriptor (tempfile::error EBADF when its owner closed it,
/// std::invalid_argument when the target leaves the directory or names it); relative to a
/// `dir` path; else relative to the current directory. std::invalid_argument for a NUL.
/// `lasting`, when given, is `target`'s own string and outlives the result: an absolute, normal
/// target is then borrowed rather than copied.
[[nodiscard]] PersistTarget resolve_target(std::string_view function, std::string_view argument,
                                           std::string_view target, const DirOption& dir,
                                           const std::string* lasting = nullptr);

/// What the *at calls name the target's directory by: "." for a name straight inside a held
/// directory, "/" for a name in the root, else the target's name up to its last '/'.
[[nodiscard]] create::PathBuffer directory_at(const PersistTarget& t);

/// The descriptor of a target resolved earlier, checked again now (its holder may have closed
/// it since: tempfile::error EBADF).
[[nodiscard]] int usable_dirfd(std::string_view function, const PersistTarget& t,
                               const DirOption& dir);

/// A file with a name: renamed to `target` after checking that its name is still its own;
/// then it owes no removal any more. `function` names the caller in argument errors.
void persist_named(detail::FileState& s, const std::string& target, const PersistOptions& options,
                   const char* function);
/// The same to a target already resolved (options.dir is not looked at again).
void persist_named(detail::FileState& s, const PersistTarget& t, const PersistOptions& options);

/// A file with no name (O_TMPFILE): linked into place, never visible under a half-written
/// name (overwrite: linked to a random ".tmp" name beside `target`, then renamed over it).
/// `has_umask_mode`: it was created with mode 0666, so the kernel already gave it what
/// PersistMode::umask_default() asks for (no umask to learn, no chmod).
void persist_unnamed(detail::FileState& s, const std::string& target, const PersistOptions& options,
                     const char* function, bool has_umask_mode = false);
/// The same to a target already resolved (options.dir is not looked at again).
void persist_unnamed(detail::FileState& s, const PersistTarget& t, const PersistOptions& options,
                     bool has_umask_mode);

/// The same for a bare descriptor of an O_TMPFILE file that holds every byte already (no file
/// object around it): atomic_write's fast path, to a resolved target.
void persist_unnamed_descriptor(int fd, const PersistTarget& t, const PersistOptions& options,
                                bool has_umask_mode);

}  // namespace tempfile::objects
