// SPDX-License-Identifier: MIT
/// `persist()`'s options and its one error of its own: how a temporary file gets its final name.
/// @file
#pragma once

#include <filesystem>

#include "tempfile/error.hpp"
#include "tempfile/export.hpp"
#include "tempfile/options.hpp"

namespace tempfile {

/// The permissions (and owner) the persisted file gets, set on the file before its name
/// appears. Write one with its factories: PersistMode::umask_default().
class PersistMode {
 public:
  /// Which factory made the mode; each enumerator is named after its factory.
  enum class Kind : unsigned char {
    owner_only,       ///< owner_only(): the temporary's 0600 less the umask
    umask_default,    ///< umask_default(): 0666 less the umask
    preserve_target,  ///< preserve_target(): the replaced file's mode and owner
    exactly           ///< exactly(): the bits in permissions()
  };

  /// The temporary's own mode, kept: 0600 less the umask (the default, as Rust's tempfile).
  static constexpr PersistMode owner_only() noexcept { return PersistMode(Kind::owner_only); }
  /// What open(O_CREAT, 0666) would give: 0666 less the process's umask (read without changing
  /// it; docs/persist.md).
  static constexpr PersistMode umask_default() noexcept { return PersistMode(Kind::umask_default); }
  /// The existing target's permission bits, and its owner and group where this process may set
  /// them (root; otherwise the group, when it is one of ours); a target that is missing or not
  /// a regular file: umask_default().
  static constexpr PersistMode preserve_target() noexcept {
    return PersistMode(Kind::preserve_target);
  }
  /// Exactly `permissions` (the umask does not apply).
  static constexpr PersistMode exactly(std::filesystem::perms permissions) noexcept {
    return PersistMode(Kind::exactly, permissions);
  }

  /// owner_only(), PersistOptions' default.
  constexpr PersistMode() noexcept = default;
  /// Which of the factories made this mode.
  [[nodiscard]] constexpr Kind kind() const noexcept { return kind_; }
  /// The bits given to exactly(); std::filesystem::perms::none for every other kind.
  [[nodiscard]] constexpr std::filesystem::perms permissions() const noexcept {
    return permissions_;
  }

 private:
  constexpr explicit PersistMode(Kind kind,
                                 std::filesystem::perms permissions = std::filesystem::perms::none)
      : kind_(kind), permissions_(permissions) {}
  Kind kind_ = Kind::owner_only;
  std::filesystem::perms permissions_ = std::filesystem::perms::none;
};

/// What persist(target, options) does (docs/persist.md). An aggregate: write it with designated
/// initializers, {.overwrite = false, .durable = true}; fields added later come after these.
struct PersistOptions {
  /// true: an existing `target` (not a directory) is replaced atomically (rename()); readers see
  /// the old file or the new one, never a mix. false: `target` must name nothing, not even a
  /// dangling symbolic link, or persist fails with EEXIST and changes nothing.
  bool overwrite = true;
  /// true: the file's data are synced (fsync) before it gets its name, and the target's
  /// directory after, so that after a crash the target is there with this content, or the old
  /// state is. false: as fast as rename(); a crash may lose the new name or its data.
  bool durable = false;
  /// The file's permissions (and owner) at the target; see PersistMode. On a failure before the
  /// name changed, the temporary gets its own back.
  PersistMode mode = PersistMode::owner_only();
  /// true: a target on another file system (where rename and link fail with EXDEV) gets a
  /// copy: a new file beside the target, the bytes copied, published with the same one rename
  /// or link (readers still see the old file or the new one, complete); the object then
  /// refers to that file and its temporary is removed. Costs a full copy. false: EXDEV is an
  /// error, which says to create the temporary with `dir` on the target's file system.
  bool cross_device = false;
  /// Where a relative target is: empty (default), the current directory; a path, that
  /// directory; a held directory (tempfile::Directory, TemporaryDirectory), its descriptor:
  /// every system call that names the target or a name beside it goes through it (renameat,
  /// linkat, fstatat, the directory sync), so a path swapped for a symbolic link since the
  /// directory was opened cannot redirect the file, and name() is the held directory's path
  /// joined with the target. An absolute target ignores `dir`, as openat() does. The target must
  /// stay inside a held directory (std::invalid_argument otherwise); one whose owner closed it
  /// gives tempfile::error EBADF and changes nothing (docs/held-directories.md).
  DirOption dir{};
};

/// Thrown by persist() with `durable` when the file did get its name but the sync of the
/// target's directory that follows failed: the file IS at the target (name() says so for a
/// named file), and the object no longer removes anything, but the name may not survive a
/// crash. Every other persist() failure is a plain tempfile::error and changes nothing.
class TEMPFILE_API persisted_not_durable_error : public error {
 public:
  using error::error;
  /// Copies the exception.
  persisted_not_durable_error(const persisted_not_durable_error&) = default;
  /// Copies the exception.
  persisted_not_durable_error& operator=(const persisted_not_durable_error&) = default;
  ~persisted_not_durable_error() override;
};

}  // namespace tempfile
