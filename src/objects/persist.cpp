// SPDX-License-Identifier: MIT
// persist() and keep() of the file objects: a temporary file gets its final name (renamed, or
// linked into place when it has none; copied beside a target on another file system when asked)
// and stops being removed; failures hand the object back.
#include "os/persist.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "create/create.hpp"
#include "create/escape.hpp"
#include "create/held_directory.hpp"
#include "create/names.hpp"
#include "create/paths.hpp"
#include "io/after_close.hpp"
#include "io/file_state.hpp"
#include "objects/owned_entry.hpp"
#include "objects/persist.hpp"
#include "objects/persist_seam.hpp"
#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/fd.hpp"
#include "os/path.hpp"
#include "os/random.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {

persisted_not_durable_error::~persisted_not_durable_error() = default;

namespace objects {
namespace {
std::atomic<PersistStepHook> step_hook{nullptr};
}  // namespace

void set_persist_step_hook(PersistStepHook hook) noexcept {
  step_hook.store(hook, std::memory_order_relaxed);
}
}  // namespace objects

namespace {

using objects::PersistStep;

void before(PersistStep step) noexcept {
  if (const objects::PersistStepHook hook = objects::step_hook.load(std::memory_order_relaxed)) {
    hook(step);
  }
}

std::error_code code_of(os::Errno err) {
  return os::to_error_code(err);
}

// What failed, naming the target; error() appends the other path and the reason:
// "tempfile: cannot persist temporary file to '/t': rename failed from '/tmp/x': ...".
std::string step(const char* what, const std::string& target, const char* failed) {
  std::string action = "cannot persist ";
  action += what;
  action += " to '";
  create::append_escaped(action, target);
  action += "': ";
  action += failed;
  return action;
}

constexpr const char* named_file = "temporary file";
constexpr const char* unnamed_file = "unnamed temporary file";

// The prefix of the names made beside the target (a staged link, a named copy): hidden from
// plain listings, and what sweep(dir, {.prefix = ".tmp"}) looks for after a crash.
constexpr const char* staged_prefix = ".tmp";

// A rename or link refused because the target is on another file system: say what to do.
std::string detail_for(os::Errno err) {
  if (err == EXDEV) {
    return "the target is on another file system; create the temporary file with `dir` on the "
           "target's file system";
  }
  return {};
}

// The checks and steps every persist() begins with, before and after the target is resolved:
// an open file, then pending writes in the file.
void check_open(const detail::FileState& s) {
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
}

void flush_pending(detail::FileState& s) {
  if (s.text) {
    s.text->flush();
  } else {
    s.binary->flush();
  }
}

// A name beside the target, as the *at calls name it: the target's name up to and with its last
// separator (nothing for a name straight inside a held directory), then `name`, with room for
// `room` more bytes.
void beside_at(const objects::PersistTarget& t, std::string_view name, create::PathBuffer& out,
               std::size_t room = 0) {
  const std::string_view at(t.at());
  const std::size_t slash = os::last_separator(at);
  const std::string_view directory =
      slash == std::string_view::npos ? std::string_view() : at.substr(0, slash + 1);
  out.reserve_more(directory.size() + name.size() + room);
  out += directory;
  out += name;
}

// A name made by beside_at, absolute, for messages.
std::string shown_beside(const objects::PersistTarget& t, std::string_view at_name) {
  std::string shown(std::string_view(t.absolute()).substr(0, t.at_start));
  shown += at_name;
  return shown;
}

// This process's umask, without calling umask() (which sets it for every thread): the kernel
// says it where it can; elsewhere a directory made 0777 in a private directory beside the
// target shows it.
os::Errno current_umask(const objects::PersistTarget& t, unsigned& umask_bits) {
  if (os::read_umask(umask_bits) == 0) {
    return 0;
  }
  create::RandomNames names;
  create::PathBuffer private_directory;
  beside_at(t, ".tmp", private_directory, os::name_length);
  const std::size_t stem = private_directory.size();
  os::Errno err = EEXIST;
  for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
    private_directory.truncate(stem);
    private_directory += names.next();
    err = os::create_directory(t.dirfd, private_directory.c_str(), 0700);
  }
  if (err != 0) {
    return err;
  }
  const std::string probe = private_directory.str() + "/umask";
  err = os::create_directory(t.dirfd, probe.c_str(), 0777);
  if (err == 0) {
    os::Ownership made;
    bool is_file = false;
    err = os::ownership_of_name(t.dirfd, probe.c_str(), made, is_file);
    umask_bits = ~made.mode & 0777U;
    static_cast<void>(os::remove_directory(t.dirfd, probe.c_str()));
  }
  static_cast<void>(os::remove_directory(t.dirfd, private_directory.c_str()));
  return err;
}

// What the file had before PersistOptions::mode changed it, put back if the name never
// changes.
struct ModeBefore {
  bool changed = false;
  os::Ownership ownership;
};

// `has_umask_mode`: the file was created 0666 less the umask (by the kernel), which is already
// what umask_default asks for.
ModeBefore apply_mode(int fd, const objects::PersistTarget& t, const PersistMode& mode,
                      const char* what, bool has_umask_mode) {
  const std::string& absolute = t.absolute();
  ModeBefore before;
  if (mode.kind() == PersistMode::Kind::owner_only ||
      (has_umask_mode && mode.kind() == PersistMode::Kind::umask_default)) {
    return before;
  }
  if (const os::Errno err = os::ownership_of_fd(fd, before.ownership); err != 0) {
    throw error(step(what, absolute, "cannot read the mode of the file for"), os::to_path(absolute),
                code_of(err));
  }
  unsigned wanted = static_cast<unsigned>(mode.permissions()) & 07777U;
  os::Ownership target;
  bool target_is_file = false;
  const bool preserve = mode.kind() == PersistMode::Kind::preserve_target &&
                        os::ownership_of_name(t.dirfd, t.at(), target, target_is_file) == 0 &&
                        target_is_file;
  if (preserve) {
    wanted = target.mode;
  } else if (has_umask_mode && mode.kind() == PersistMode::Kind::preserve_target) {
    return before;  // no target to take the mode from: the umask's, which the file has
  } else if (mode.kind() != PersistMode::Kind::exactly) {
    unsigned umask_bits = 0;
    const std::string directory(create::parent_of_absolute(absolute));
    if (const os::Errno err = current_umask(t, umask_bits); err != 0) {
      throw error(step(what, absolute, "cannot learn the umask in"), os::to_path(directory),
                  os::to_path(absolute), code_of(err));
    }
    wanted = 0666U & ~umask_bits;
  }
  const bool other_owner =
      preserve && (target.uid != before.ownership.uid || target.gid != before.ownership.gid);
  if (!other_owner && wanted == before.ownership.mode) {
    return before;  // already so: nothing to change, nothing to undo
  }
  before.changed = true;
  if (other_owner) {
    // The owner and group where we may (root); else the group alone (one of ours); else
    // neither: the file stays ours, which is no error.
    if (os::change_owner(fd, target.uid, target.gid) != 0) {
      static_cast<void>(os::change_owner(fd, before.ownership.uid, target.gid));
    }
  }
  // After the chown, which may clear set-user-ID and set-group-ID bits.
  if (const os::Errno err = os::change_mode(fd, wanted); err != 0) {
    static_cast<void>(os::change_owner(fd, before.ownership.uid, before.ownership.gid));
    throw error(step(what, absolute, "cannot set the mode of the file for"), os::to_path(absolute),
                code_of(err));
  }
  return before;
}

// The temporary gets its own mode and owner back (best effort: a failure here changes nothing
// that matters more than the error being reported).
void undo_mode(int fd, const ModeBefore& before) noexcept {
  if (!before.changed) {
    return;
  }
  static_cast<void>(os::change_owner(fd, before.ownership.uid, before.ownership.gid));
  static_cast<void>(os::change_mode(fd, before.ownership.mode));
}

// The mode and owner apply_mode() gave the temporary, given back unless the persist reaches the
// point where the name is the target's: a failure hands the object back as it was.
class ModeChange {
 public:
  ModeChange(int fd, const ModeBefore& before) noexcept : fd_(fd), before_(before) {}
  ModeChange(const ModeChange&) = delete;
  ModeChange& operator=(const ModeChange&) = delete;
  ModeChange(ModeChange&&) = delete;
  ModeChange& operator=(ModeChange&&) = delete;
  ~ModeChange() { undo(); }

  /// Gives the mode back now (once).
  void undo() noexcept {
    undo_mode(fd_, before_);
    before_.changed = false;
  }
  /// The name is the target's: the mode stays.
  void keep() noexcept { before_.changed = false; }

 private:
  int fd_;
  ModeBefore before_;
};

// With `durable`, the file's data, and the mode and owner apply_mode() just set, on disk before
// any name reaches it (an fsync covers the inode's metadata too; a change made after it would
// wait for the next writeback).
void sync_before_naming(int fd, std::string_view shown, const std::string& absolute,
                        const PersistOptions& options, const char* what) {
  if (options.durable) {
    before(PersistStep::sync_file);
    if (const os::Errno err = os::sync_file(fd); err != 0) {
      throw error(step(what, absolute, "fsync failed for"), os::to_path(shown),
                  os::to_path(absolute), code_of(err));
    }
  }
}

// The target's directory, synced after the name changed; a failure now is its own outcome.
void sync_target_directory(const objects::PersistTarget& t) {
  before(PersistStep::sync_directory);
  const std::string& absolute = t.absolute();
  if (const os::Errno err = os::sync_directory(t.dirfd, objects::directory_at(t).c_str());
      err != 0) {
    throw persisted_not_durable_error(
        "persisted, durability not confirmed: cannot sync the directory of", os::to_path(absolute),
        os::to_path(create::parent_of_absolute(absolute)), code_of(err));
  }
}

// Checks that the name `from` still refers to the open file `fd` before anything moves it, so
// that another file put under the name is never moved to the target; returns the file's
// identity. `known` is the identity its maker recorded, if it did (one statx fewer).
os::EntryIdentity check_name_is_ours(int fd, const std::string& from, const std::string& absolute,
                                     const char* what, const os::EntryIdentity& known = {}) {
  const objects::NameCheck check = objects::check_name(fd, from, known);
  if (check.err != 0) {
    throw error(step(what, absolute, check.of_name ? "cannot find its name" : "cannot identify"),
                os::to_path(from), os::to_path(absolute), code_of(check.err));
  }
  if (check.other_entry) {
    throw error(step(what, absolute, "refusing to move"), os::to_path(from), os::to_path(absolute),
                code_of(ENOENT), "its name now refers to another file");
  }
  return check.ours;
}

// A final step that failed: its errno, what it was, and the path it names (the file's name, or
// the staged name beside the target). The caller decides: an error, or (EXDEV with
// cross_device) a copy.
struct Failed {
  os::Errno err = 0;
  const char* what = nullptr;
  std::string path;
};

// The named file `from` moves to `absolute`: rename (overwrite) or a move that never replaces.
Failed move_named(const std::string& from, const objects::PersistTarget& t, bool overwrite) {
  before(PersistStep::rename);
  const os::Errno err =
      overwrite ? os::rename_replacing(os::current_directory_fd, from.c_str(), t.dirfd, t.at())
                : os::rename_no_replace(os::current_directory_fd, from.c_str(), t.dirfd, t.at());
  if (err != 0) {
    return {err, overwrite ? "rename failed from" : "rename (no replace) failed from", from};
  }
  return {};
}

// The unnamed file `fd` gets the name `absolute`: no clobber, linkat straight to it (linkat
// never replaces); overwrite, linkat to a random ".tmp" name beside it and one rename over it,
// so that readers of `absolute` see the old file or the new one, complete. `from` is what a
// failed direct link names. A failure leaves nothing beside the target.
Failed link_into_place(int fd, const objects::PersistTarget& t, bool overwrite,
                       std::string_view from) {
  if (!overwrite) {
    before(PersistStep::link);
    if (const os::Errno err = os::link_unnamed(fd, t.dirfd, t.at()); err != 0) {
      return {err, "link (no replace) failed from", std::string(from)};
    }
    return {};
  }
  create::RandomNames names;
  // On the stack, the stem kept between attempts: each candidate only replaces the name.
  create::PathBuffer staged;
  beside_at(t, staged_prefix, staged, os::name_length);
  const std::size_t stem = staged.size();
  before(PersistStep::link_staged);
  os::Errno err = EEXIST;
  for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
    staged.truncate(stem);
    staged += names.next();
    err = os::link_unnamed(fd, t.dirfd, staged.c_str());
  }
  if (err != 0) {
    return {err, "link failed to", shown_beside(t, staged.view())};
  }
  before(PersistStep::rename_staged);
  if (const os::Errno rename_err = os::rename_replacing(t.dirfd, staged.c_str(), t.dirfd, t.at());
      rename_err != 0) {
    static_cast<void>(os::remove_file(t.dirfd, staged.c_str()));
    return {rename_err, "rename failed from", shown_beside(t, staged.view())};
  }
  return {};
}

[[noreturn]] void fail(const char* what, const objects::PersistTarget& t, const Failed& failed) {
  throw error(step(what, t.absolute(), failed.what), os::to_path(failed.path),
              os::to_path(t.absolute()), code_of(failed.err), detail_for(failed.err));
}

// An unnamed file whose every byte is in it, given the name `absolute`: synced (durable), its
// permissions set, linked (no clobber) or linked beside and renamed over (overwrite), and the
// directory synced (durable). `shown` names the file in messages. Returns false, with the file
// as it was, when the target is on another file system and the caller, `may_copy`, is to copy
// it there (options.cross_device).
// (Strings, not paths: a std::filesystem::path is parsed when made, and only an error needs one.)
bool publish_unnamed(int fd, std::string_view shown, const objects::PersistTarget& t,
                     const PersistOptions& options, bool has_umask_mode, bool may_copy) {
  ModeChange mode(fd, apply_mode(fd, t, options.mode, unnamed_file, has_umask_mode));
  sync_before_naming(fd, shown, t.absolute(), options, unnamed_file);
  if (const Failed failed = link_into_place(fd, t, options.overwrite, shown); failed.err != 0) {
    mode.undo();
    if (failed.err == EXDEV && may_copy && options.cross_device) {
      return false;
    }
    fail(unnamed_file, t, failed);
  }
  mode.keep();
  if (options.durable) {
    sync_target_directory(t);
  }
  return true;
}

// The copy of a persist across file systems while it is made, beside the target: an unnamed
// file where the target's file system has them (it vanishes with its descriptor), else a named
// ".tmp" file, locked and registered with the exit and signal cleanup like a
// NamedTemporaryFile's, which the destructor removes (only while its name is still the copy's)
// unless it was published.
class Copy {
 public:
  // `directory` is the target's, absolute. An unnamed copy is made relative to the target's
  // descriptor; a named one (no O_TMPFILE there) by the directory's absolute path.
  Copy(const std::string& directory, const objects::PersistTarget& t, const std::string& source,
       const char* what) {
    const std::string& absolute = t.absolute();
    const auto cannot_create = [&](std::error_code code) {
      return error(step(what, absolute, "cannot create its copy in the target's directory, for"),
                   os::to_path(source), os::to_path(absolute), code);
    };
    // Only an unnamed file that linking can name is of use (not Windows' delete-on-close one).
    const os::Errno err =
        os::unnamed_files_linkable
            ? os::open_unnamed_file(t.dirfd, objects::directory_at(t).c_str(), os::file_mode, fd)
            : EOPNOTSUPP;
    if (err == 0) {
      return;
    }
    if (err != EOPNOTSUPP) {
      throw cannot_create(code_of(err));
    }
    create::RandomNames names;
    const os::CleanupWindow window;  // created but not yet registered: a handler must wait
    create::CreatedEntry created;
    try {
      created =
          create::create_unique(create::EntryKind::file,
                                {"persist", std::optional<std::string>(staged_prefix), std::nullopt,
                                 std::optional<std::filesystem::path>(os::to_path(directory))},
                                names);
    } catch (const error& e) {
      throw cannot_create(e.code());
    }
    // Kept from sweep() while it lives, as a NamedTemporaryFile is (best effort).
    static_cast<void>(os::lock_shared(created.fd.get()));
    fd = std::move(created.fd);
    path = std::move(created.path);  // a path now: the destructor's removal must not allocate
    os::EntryIdentity identity;
    if (const os::Errno identify_err = os::identify_fd(fd.get(), identity); identify_err != 0) {
      static_cast<void>(os::remove_file(os::current_directory_fd, path.c_str()));
      throw cannot_create(code_of(identify_err));
    }
    try {
      entry_ = objects::OwnedEntry::file(path, identity, true);
    } catch (...) {
      static_cast<void>(os::remove_file(os::current_directory_fd, path.c_str()));
      throw;
    }
  }
  Copy(const Copy&) = delete;
  Copy& operator=(const Copy&) = delete;
  Copy(Copy&&) = delete;
  Copy& operator=(Copy&&) = delete;
  ~Copy() {
    if (!path.empty()) {
      std::vector<os::RemovalFailure> failures;
      static_cast<void>(entry_.remove(path, failures));  // best effort: nobody to report to
    }
  }

  [[nodiscard]] bool named() const noexcept { return !path.empty(); }
  /// The copy's name is the target's now: nothing to remove any more.
  void published() noexcept {
    entry_ = objects::OwnedEntry();
    path.clear();
  }

  os::FileDescriptor fd;
  std::string path;  // UTF-8, as the OS layer takes it; empty for an unnamed copy

 private:
  objects::OwnedEntry entry_;
};

// The copy gets the mode PersistOptions::mode asks for; owner_only keeps the temporary's own
// (what the rename would have kept), which may differ from a new file's if it was changed.
void apply_mode_to_copy(int source, int copy, const objects::PersistTarget& t,
                        const PersistMode& mode, const char* what) {
  const std::string& absolute = t.absolute();
  if (mode.kind() != PersistMode::Kind::owner_only) {
    static_cast<void>(apply_mode(copy, t, mode, what, false));
    return;
  }
  os::Ownership theirs;
  os::Ownership mine;
  os::Errno err = os::ownership_of_fd(source, theirs);
  if (err == 0) {
    err = os::ownership_of_fd(copy, mine);
  }
  if (err != 0) {
    throw error(step(what, absolute, "cannot read the mode of the file for"), os::to_path(absolute),
                code_of(err));
  }
  if (theirs.mode != mine.mode) {
    if (err = os::change_mode(copy, theirs.mode); err != 0) {
      throw error(step(what, absolute, "cannot set the mode of the file for"), absolute,
                  code_of(err));
    }
  }
}

// Across file systems (PersistOptions::cross_device, after the object's own rename or link
// failed with EXDEV and its mode was put back): a copy made beside the target and published with
// the same final step; then the object's descriptor is switched to it (RawFile::switch_to_copy)
// and its temporary removed as at destruction. Until the copy has its name, a failure removes
// the copy and leaves the object as it was. `ours` is a named file's identity.
void persist_copy(detail::FileState& s, const objects::PersistTarget& t,
                  const PersistOptions& options, const char* what, const os::EntryIdentity* ours) {
  const std::string& absolute = t.absolute();
  // Made now, so that nothing allocates once the copy has its name.
  const std::string source = s.name_text();
  std::string target_path;
  if (ours != nullptr) {
    target_path = absolute;
  }
  const int fd = s.bytes().raw().fileno();
  if (!options.overwrite) {
    // The final step would refuse an existing target anyway: spare the copy. (It still decides:
    // something may appear there meanwhile.)
    bool exists = false;
    if (const os::Errno err = os::entry_exists(t.dirfd, t.at(), exists); err != 0 || exists) {
      throw error(step(what, absolute, "no replace: the target exists; nothing copied from"),
                  os::to_path(source), os::to_path(absolute), code_of(err != 0 ? err : EEXIST));
    }
  }
  // Once a name reaches the copy, others may change it: its descriptor's offset is the truth
  // from then on, and it starts where this file's is.
  try {
    static_cast<void>(s.bytes().share_descriptor());
  } catch (const error& e) {
    throw error(step(what, absolute, "cannot set the offset of"), os::to_path(source),
                os::to_path(absolute), e.code());
  }
  std::int64_t offset = 0;
  if (const os::Errno err = os::seek(fd, 0, SEEK_CUR, offset); err != 0) {
    throw error(step(what, absolute, "cannot read the offset of"), os::to_path(source),
                os::to_path(absolute), code_of(err));
  }
  std::string directory(create::parent_of_absolute(absolute));
  Copy copy(directory, t, source, what);
  io::UnnamedLocation copy_location(directory);  // built now: the switch below cannot fail
  before(PersistStep::copy);
  std::int64_t copied = 0;
  if (const os::Errno err = os::copy_file(fd, copy.fd.get(), copied); err != 0) {
    throw error(step(what, absolute, "copy across file systems failed from"), os::to_path(source),
                os::to_path(absolute), code_of(err));
  }
  std::int64_t moved = 0;
  if (const os::Errno err = os::seek(copy.fd.get(), offset, SEEK_SET, moved); err != 0) {
    throw error(step(what, absolute, "cannot set the offset of the copy of"), os::to_path(source),
                os::to_path(absolute), code_of(err));
  }
  apply_mode_to_copy(fd, copy.fd.get(), t, options.mode, what);
  if (options.durable) {
    before(PersistStep::sync_copy);
    if (const os::Errno err = os::sync_file(copy.fd.get()); err != 0) {
      throw error(step(what, absolute, "fsync failed for the copy of"), os::to_path(source),
                  os::to_path(absolute), code_of(err));
    }
  }
  if (copy.named()) {
    static_cast<void>(check_name_is_ours(copy.fd.get(), copy.path, absolute, what));
  }
  if (const Failed failed = copy.named()
                                ? move_named(copy.path, t, options.overwrite)
                                : link_into_place(copy.fd.get(), t, options.overwrite, source);
      failed.err != 0) {
    fail(what, t, failed);
  }
  // The copy is at `absolute`: nothing below throws before the durability step.
  const bool copy_linkable = !copy.named();  // an O_TMPFILE file, as an unnamed copy is
  copy.published();
  before(PersistStep::withdraw);
  s.bytes().switch_to_copy(copy.fd, std::move(copy_location));
  s.identity = {};  // another file now: a later persist() identifies it afresh
  s.linkable = copy_linkable;
  if (ours != nullptr) {
    // The temporary's name goes as it would at destruction: through its owner (which checks
    // that the name is still the file's, and releases a guardian), or, for a file kept with
    // delete_ = false, here with the same check: the file moved, its old name must not stay.
    // The owner's registration may read the object's name itself: it is withdrawn before that
    // name changes.
    if (s.after_close) {
      try {
        s.after_close->closed(io::AfterClose::Why::destroy, source);
      } catch (...) {  // NOLINT(bugprone-empty-catch): a destruction's removal reports nothing
      }
      s.after_close.reset();
    } else {
      static_cast<void>(os::remove_file_if_same(source.c_str(), *ours));
    }
    s.bytes().rename_to(std::move(target_path));
  }
  if (options.durable) {
    sync_target_directory(t);
  }
}

}  // namespace

namespace objects {

PersistTarget resolve_target(std::string_view function, std::string_view argument,
                             std::string_view target, const DirOption& dir,
                             const std::string* lasting) {
  create::check_path_argument(function, argument, target);
  PersistTarget t;
  // "/x"; on Windows also "\x", "C:\x" and "C:x" (os::is_rooted).
  if (os::is_rooted(target)) {
    // As openat(): an absolute target ignores `dir`, held or not.
    if (!create::is_normal_absolute(target)) {
      t.own(create::absolute_path(target));
    } else if (lasting != nullptr) {
      t.borrow(*lasting);
    } else {
      t.own(std::string(target));
    }
    return t;
  }
  if (dir.held()) {
    const detail::HeldDirectory& held =
        create::usable_held(function, dir, "cannot persist in held directory");
    // A root ("/", "C:\\") ends with its separator already.
    const bool rooted = os::is_separator(held.path.back());
    std::string joined(held.path);
    if (!rooted) {
      joined += os::preferred_separator;
    }
    joined += target;
    t.own(create::absolute_path(joined));
    const std::string& absolute = t.absolute();
    // The name relative to the descriptor is the normal one inside the directory: a target that
    // leaves it ("..") or names it would need the directory's path resolved again.
    const std::size_t start = rooted ? held.path.size() : held.path.size() + 1;
    if (absolute.size() <= start || absolute.compare(0, held.path.size(), held.path) != 0 ||
        (!rooted && !os::is_separator(absolute[held.path.size()]))) {
      std::string message = "tempfile: ";
      message += function;
      message += ": ";
      message += argument;
      message += " must name an entry inside the held directory '";
      create::append_escaped(message, held.path);
      message += "', not '";
      create::append_escaped(message, target);
      message += "'";
      throw std::invalid_argument(message);
    }
    t.dirfd = held.fd;
    t.at_start = start;
    return t;
  }
  if (dir && !dir.text().empty()) {  // an empty path is the current directory, as for creation
    create::check_path_argument(function, "dir", dir.text());
    std::string joined(dir.text());
    joined += '/';
    joined += target;
    t.own(create::absolute_path(joined));
    return t;
  }
  t.own(create::absolute_path(target));
  return t;
}

create::PathBuffer directory_at(const PersistTarget& t) {
  const std::string_view at(t.at());
  const std::size_t slash = os::last_separator(at);
  if (slash == std::string_view::npos) {
    return create::PathBuffer(".");
  }
  return create::PathBuffer(slash == 0 ? at.substr(0, 1) : at.substr(0, slash));
}

int usable_dirfd(std::string_view function, const PersistTarget& t, const DirOption& dir) {
  if (t.at_start == 0) {
    return os::current_directory_fd;
  }
  return create::usable_held(function, dir, "cannot persist in held directory").fd;
}

// A file with a name (NamedTemporaryFile, the PseudoTemporaryFile fallback): renamed, after
// checking that its name is still ours; then it owes no removal any more.
void persist_named(detail::FileState& s, const std::string& target, const PersistOptions& options,
                   const char* function) {
  check_open(s);
  persist_named(s, resolve_target(function, "target", target, options.dir, &target), options);
}

void persist_named(detail::FileState& s, const PersistTarget& t, const PersistOptions& options) {
  check_open(s);
  flush_pending(s);
  const std::string& absolute = t.absolute();
  const std::string& from = s.name_text();  // not used once rename_to() changes it
  const int fd = s.bytes().raw().fileno();
  // The name changes after the rename, which cannot be undone: room for it now (the old name's
  // room is usually enough), so that nothing can fail then.
  s.bytes().reserve_name(absolute.size());
  // The mode first (through the descriptor: whatever the name now refers to), so that the fsync
  // covers it; the name's check last, just before the rename.
  ModeChange mode(fd, apply_mode(fd, t, options.mode, named_file, false));
  sync_before_naming(fd, from, absolute, options, named_file);
  before(PersistStep::check_name);
  const os::EntryIdentity ours = check_name_is_ours(fd, from, absolute, named_file, s.identity);
  if (const Failed failed = move_named(from, t, options.overwrite); failed.err != 0) {
    mode.undo();
    if (failed.err == EXDEV && options.cross_device) {
      persist_copy(s, t, options, named_file, &ours);
      return;
    }
    fail(named_file, t, failed);
  }
  mode.keep();
  // Nothing below throws before the durability step: the file is at `absolute` now.
  before(PersistStep::withdraw);
  // Its removal (and, for the fallback, its guardian ticket) withdrawn, nothing removed; first,
  // since the registration may read the object's name itself, which changes next.
  s.after_close.reset();
  s.bytes().rename_to_reserved(absolute);
  if (options.durable) {
    sync_target_directory(t);
  }
}

// A file with no name (O_TMPFILE): linked into place, never visible under a half-written name.
void persist_unnamed(detail::FileState& s, const std::string& target, const PersistOptions& options,
                     const char* function, bool has_umask_mode) {
  check_open(s);
  persist_unnamed(s, resolve_target(function, "target", target, options.dir, &target), options,
                  has_umask_mode);
}

void persist_unnamed(detail::FileState& s, const PersistTarget& t, const PersistOptions& options,
                     bool has_umask_mode) {
  check_open(s);
  flush_pending(s);
  const std::string& absolute = t.absolute();
  const int fd = s.bytes().raw().fileno();
  if (!s.linkable && !os::is_linkable_unnamed(fd)) {
    const std::filesystem::path& name = s.name();
    throw error(step(unnamed_file, absolute, "cannot link"), name, os::to_path(absolute),
                code_of(ENOTSUP),
                "it was created and unlinked (no O_TMPFILE here) and cannot be given a name; use "
                "a NamedTemporaryFile");
  }
  // Once a name reaches it, others may change the file: from now on the descriptor's offset
  // and size are the truth (pread/pwrite with a size of our own would miss their changes). The
  // offset is handed over when the object next needs it, so a file closed next never pays.
  s.bytes().share_descriptor_when_used();
  if (!publish_unnamed(fd, s.name_text(), t, options, has_umask_mode, true)) {
    persist_copy(s, t, options, unnamed_file, nullptr);
  }
}

void persist_unnamed_descriptor(int fd, const PersistTarget& t, const PersistOptions& options,
                                bool has_umask_mode) {
  // No file object to switch to a copy: EXDEV stays an error (atomic_write is beside its target).
  static_cast<void>(publish_unnamed(fd, std::to_string(fd), t, options, has_umask_mode, false));
}

// The error_code form of both: every failure becomes its errno; returns whether the file is
// at the target.
template <class Persist>
bool persist_reporting(std::error_code& ec, Persist persist) noexcept {
  ec.clear();
  try {
    persist();
    return true;
  } catch (const persisted_not_durable_error& e) {
    ec = e.code();
    return true;
  } catch (const error& e) {
    ec = e.code();
  } catch (const closed_file_error&) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
  } catch (const std::invalid_argument&) {
    ec = std::make_error_code(std::errc::invalid_argument);
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
  } catch (...) {
    ec = std::make_error_code(std::errc::io_error);
  }
  return false;
}

}  // namespace objects

void TemporaryFile::persist(const std::filesystem::path& target, const PersistOptions& options) {
  objects::persist_unnamed(state(), os::from_path(target), options, "TemporaryFile::persist");
}

bool TemporaryFile::persist(const std::filesystem::path& target, const PersistOptions& options,
                            std::error_code& ec) noexcept {
  return objects::persist_reporting(ec, [&] { persist(target, options); });
}

std::filesystem::path NamedTemporaryFile::keep() {
  detail::FileState& s = state();
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  s.after_close.reset();  // withdraws the exit/signal registration; removes nothing
  // Kept whatever its name says now (keeping never loses data); the name must still lead to it.
  objects::check_kept_name("kept the temporary file, but it is no longer at", s.name_text(),
                           s.bytes().fileno(), s.identity);
  return s.name();
}

void NamedTemporaryFile::persist(const std::filesystem::path& target,
                                 const PersistOptions& options) {
  objects::persist_named(state(), os::from_path(target), options, "NamedTemporaryFile::persist");
}

bool NamedTemporaryFile::persist(const std::filesystem::path& target, const PersistOptions& options,
                                 std::error_code& ec) noexcept {
  return objects::persist_reporting(ec, [&] { persist(target, options); });
}

void PseudoTemporaryFile::persist(const std::filesystem::path& target,
                                  const PersistOptions& options) {
  detail::FileState& s = state();
  // Only the named fallback has something to do after close (remove the file, release the
  // guardian); the O_TMPFILE file has no name to rename.
  if (s.after_close) {
    objects::persist_named(s, os::from_path(target), options, "PseudoTemporaryFile::persist");
  } else {
    objects::persist_unnamed(s, os::from_path(target), options, "PseudoTemporaryFile::persist");
  }
}

bool PseudoTemporaryFile::persist(const std::filesystem::path& target,
                                  const PersistOptions& options, std::error_code& ec) noexcept {
  return objects::persist_reporting(ec, [&] { persist(target, options); });
}

}  // namespace tempfile
