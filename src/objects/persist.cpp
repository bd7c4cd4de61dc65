// SPDX-License-Identifier: MIT
// persist() and keep() of the file objects: a temporary file gets its final name (renamed, or
// linked into place when it has none) and stops being removed; failures hand the object back.
#include "os/persist.hpp"

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include "create/escape.hpp"
#include "create/names.hpp"
#include "create/paths.hpp"
#include "io/file_state.hpp"
#include "objects/persist.hpp"
#include "objects/persist_seam.hpp"
#include "os/entry_identity.hpp"
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

// A rename or link refused because the target is on another file system: say what to do.
std::string detail_for(os::Errno err) {
  if (err == EXDEV) {
    return "the target is on another file system; create the temporary file with `dir` on the "
           "target's file system";
  }
  return {};
}

// The checks and steps every persist() begins with: an open file, a target without NUL (made
// absolute, as the object's name will be), and pending writes in the file.
std::string prepare(detail::FileState& s, std::string_view target, const char* function) {
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  create::check_path_argument(function, "target", target);
  std::string absolute = create::absolute_path(target);
  if (s.text) {
    s.text->flush();
  } else {
    s.binary->flush();
  }
  return absolute;
}

// With `durable`, the file's data on disk before any name reaches it.
void sync_before_naming(int fd, std::string_view shown, const std::string& absolute,
                        const PersistOptions& options) {
  if (options.durable) {
    before(PersistStep::sync_file);
    if (const os::Errno err = os::sync_file(fd); err != 0) {
      throw error(step(named_file, absolute, "fsync failed for"), shown, absolute, code_of(err));
    }
  }
}

// This process's umask, without calling umask() (which sets it for every thread): the kernel
// says it where it can; elsewhere a directory made 0777 in a private directory beside the
// target shows it.
os::Errno current_umask(const std::string& directory, unsigned& umask_bits) {
  if (os::read_umask(umask_bits) == 0) {
    return 0;
  }
  create::RandomNames names;
  std::string private_directory;
  os::Errno err = EEXIST;
  for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
    private_directory = directory + "/.tmp" + std::string(names.next());
    err = os::create_directory(os::current_directory_fd, private_directory.c_str(), 0700);
  }
  if (err != 0) {
    return err;
  }
  const std::string probe = private_directory + "/umask";
  err = os::create_directory(os::current_directory_fd, probe.c_str(), 0777);
  if (err == 0) {
    os::Ownership made;
    bool is_file = false;
    err = os::ownership_of_name(probe.c_str(), made, is_file);
    umask_bits = ~made.mode & 0777U;
    static_cast<void>(os::remove_directory(os::current_directory_fd, probe.c_str()));
  }
  static_cast<void>(os::remove_directory(os::current_directory_fd, private_directory.c_str()));
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
ModeBefore apply_mode(int fd, const std::string& absolute, const PersistMode& mode,
                      const char* what, bool has_umask_mode) {
  ModeBefore before;
  if (mode.kind() == PersistMode::Kind::owner_only ||
      (has_umask_mode && mode.kind() == PersistMode::Kind::umask_default)) {
    return before;
  }
  if (const os::Errno err = os::ownership_of_fd(fd, before.ownership); err != 0) {
    throw error(step(what, absolute, "cannot read the mode of the file for"), absolute,
                code_of(err));
  }
  unsigned wanted = static_cast<unsigned>(mode.permissions()) & 07777U;
  os::Ownership target;
  bool target_is_file = false;
  const bool preserve = mode.kind() == PersistMode::Kind::preserve_target &&
                        os::ownership_of_name(absolute.c_str(), target, target_is_file) == 0 &&
                        target_is_file;
  if (preserve) {
    wanted = target.mode;
  } else if (has_umask_mode && mode.kind() == PersistMode::Kind::preserve_target) {
    return before;  // no target to take the mode from: the umask's, which the file has
  } else if (mode.kind() != PersistMode::Kind::exactly) {
    unsigned umask_bits = 0;
    const std::string directory(create::parent_of_absolute(absolute));
    if (const os::Errno err = current_umask(directory, umask_bits); err != 0) {
      throw error(step(what, absolute, "cannot learn the umask in"), directory, absolute,
                  code_of(err));
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
    throw error(step(what, absolute, "cannot set the mode of the file for"), absolute,
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

// The target's directory, synced after the name changed; a failure now is its own outcome.
void sync_target_directory(const std::string& absolute) {
  before(PersistStep::sync_directory);
  const std::string directory(create::parent_of_absolute(absolute));
  if (const os::Errno err = os::sync_directory(directory.c_str()); err != 0) {
    throw persisted_not_durable_error(
        "persisted, durability not confirmed: cannot sync the directory of", absolute, directory,
        code_of(err));
  }
}

// An unnamed file whose every byte is in it, given the name `absolute`: synced (durable), its
// permissions set, linked (no clobber) or linked beside and renamed over (overwrite), and the
// directory synced (durable). `shown` names the file in messages.
// (Strings, not paths: a std::filesystem::path is parsed when made, and only an error needs one.)
void publish_unnamed(int fd, std::string_view shown, const std::string& absolute,
                     const PersistOptions& options, bool has_umask_mode) {
  sync_before_naming(fd, shown, absolute, options);
  const ModeBefore mode_before =
      apply_mode(fd, absolute, options.mode, unnamed_file, has_umask_mode);
  if (!options.overwrite) {
    before(PersistStep::link);
    if (const os::Errno err = os::link_unnamed(fd, absolute.c_str()); err != 0) {
      undo_mode(fd, mode_before);
      throw error(step(unnamed_file, absolute, "link (no replace) failed from"), shown, absolute,
                  code_of(err), detail_for(err));
    }
  } else {
    // A random name beside the target, then one rename over it: readers of `target` see the old
    // file or the new one, complete.
    const std::string_view directory = create::parent_of_absolute(absolute);
    create::RandomNames names;
    std::string staged;
    before(PersistStep::link_staged);
    os::Errno err = EEXIST;
    for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
      staged = directory;
      if (staged.back() != '/') {
        staged += '/';
      }
      staged += ".tmp";
      staged += names.next();
      err = os::link_unnamed(fd, staged.c_str());
    }
    if (err != 0) {
      undo_mode(fd, mode_before);
      throw error(step(unnamed_file, absolute, "link failed to"), staged, absolute, code_of(err),
                  detail_for(err));
    }
    before(PersistStep::rename_staged);
    if (const os::Errno rename_err = os::rename_replacing(staged.c_str(), absolute.c_str());
        rename_err != 0) {
      static_cast<void>(os::remove_file(os::current_directory_fd, staged.c_str()));
      undo_mode(fd, mode_before);
      throw error(step(unnamed_file, absolute, "rename failed from"), staged, absolute,
                  code_of(rename_err), detail_for(rename_err));
    }
  }
  if (options.durable) {
    sync_target_directory(absolute);
  }
}

}  // namespace

namespace objects {

// A file with a name (NamedTemporaryFile, the PseudoTemporaryFile fallback): renamed, after
// checking that its name is still ours; then it owes no removal any more.
void persist_named(detail::FileState& s, std::string_view target, const PersistOptions& options,
                   const char* function) {
  const std::string absolute = prepare(s, target, function);
  const std::filesystem::path from = s.name();
  const int fd = s.bytes().raw().fileno();
  sync_before_naming(fd, from.native(), absolute, options);
  before(PersistStep::check_name);
  os::EntryIdentity ours;
  if (const os::Errno err = os::identify_fd(fd, ours); err != 0) {
    throw error(step(named_file, absolute, "cannot identify"), from, absolute, code_of(err));
  }
  os::EntryIdentity named;
  if (const os::Errno err = os::identify_name(os::current_directory_fd, from.c_str(), named);
      err != 0) {
    throw error(step(named_file, absolute, "cannot find its name"), from, absolute, code_of(err));
  }
  if (!(named == ours)) {
    throw error(step(named_file, absolute, "refusing to move"), from, absolute, code_of(ENOENT),
                "its name now refers to another file");
  }
  const ModeBefore mode_before = apply_mode(fd, absolute, options.mode, named_file, false);
  before(PersistStep::rename);
  const os::Errno err = options.overwrite ? os::rename_replacing(from.c_str(), absolute.c_str())
                                          : os::rename_no_replace(from.c_str(), absolute.c_str());
  if (err != 0) {
    undo_mode(fd, mode_before);
    throw error(step(named_file, absolute,
                     options.overwrite ? "rename failed from" : "rename (no replace) failed from"),
                from, absolute, code_of(err), detail_for(err));
  }
  // Nothing below throws before the durability step: the file is at `absolute` now.
  s.bytes().rename_to(absolute);
  before(PersistStep::withdraw);
  // Its removal (and, for the fallback, its guardian ticket) withdrawn, nothing removed.
  s.after_close.reset();
  if (options.durable) {
    sync_target_directory(absolute);
  }
}

// A file with no name (O_TMPFILE): linked into place, never visible under a half-written name.
void persist_unnamed(detail::FileState& s, std::string_view target, const PersistOptions& options,
                     const char* function, const UnnamedFileFacts& facts) {
  const std::string absolute = prepare(s, target, function);
  const int fd = s.bytes().raw().fileno();
  if (!facts.made_with_o_tmpfile && !os::is_linkable_unnamed(fd)) {
    throw error(step(unnamed_file, absolute, "cannot link"), s.name(), absolute, code_of(ENOTSUP),
                "it was created and unlinked (no O_TMPFILE here) and cannot be given a name; use "
                "a NamedTemporaryFile");
  }
  // Once a name reaches it, others may change the file: from now on the descriptor's offset
  // and size are the truth (pread/pwrite with a size of our own would miss their changes).
  if (!facts.closed_after) {
    static_cast<void>(s.bytes().share_descriptor());
  }
  publish_unnamed(fd, s.name().native(), absolute, options, facts.has_umask_mode);
}

void persist_unnamed_descriptor(int fd, const std::string& absolute_target,
                                const PersistOptions& options, bool has_umask_mode) {
  publish_unnamed(fd, std::to_string(fd), absolute_target, options, has_umask_mode);
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
  objects::persist_unnamed(state(), target.native(), options, "TemporaryFile::persist");
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
  return s.name();
}

void NamedTemporaryFile::persist(const std::filesystem::path& target,
                                 const PersistOptions& options) {
  objects::persist_named(state(), target.native(), options, "NamedTemporaryFile::persist");
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
    objects::persist_named(s, target.native(), options, "PseudoTemporaryFile::persist");
  } else {
    objects::persist_unnamed(s, target.native(), options, "PseudoTemporaryFile::persist");
  }
}

bool PseudoTemporaryFile::persist(const std::filesystem::path& target,
                                  const PersistOptions& options, std::error_code& ec) noexcept {
  return objects::persist_reporting(ec, [&] { persist(target, options); });
}

}  // namespace tempfile
