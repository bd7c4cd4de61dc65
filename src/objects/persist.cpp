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
// absolute, as the object's name will be), pending writes in the file, and with `durable` its
// data on disk before any name reaches it.
std::string prepare(detail::FileState& s, const std::filesystem::path& target,
                    const PersistOptions& options, const char* function) {
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  create::check_path_argument(function, "target", std::string_view(target.native()));
  std::string absolute = create::absolute_path(target.native());
  if (s.text) {
    s.text->flush();
  } else {
    s.binary->flush();
  }
  if (options.durable) {
    before(PersistStep::sync_file);
    if (const os::Errno err = os::sync_file(s.bytes().raw().fileno()); err != 0) {
      throw error(step(named_file, absolute, "fsync failed for"), s.name(), absolute, code_of(err));
    }
  }
  return absolute;
}

// The target's directory, synced after the name changed; a failure now is its own outcome.
void sync_target_directory(const std::string& absolute) {
  before(PersistStep::sync_directory);
  const std::string directory = std::filesystem::path(absolute).parent_path().native();
  if (const os::Errno err = os::sync_directory(directory.c_str()); err != 0) {
    throw persisted_not_durable_error(
        "persisted, durability not confirmed: cannot sync the directory of", absolute, directory,
        code_of(err));
  }
}

}  // namespace

namespace objects {

// A file with a name (NamedTemporaryFile, the PseudoTemporaryFile fallback): renamed, after
// checking that its name is still ours; then it owes no removal any more.
void persist_named(detail::FileState& s, const std::filesystem::path& target,
                   const PersistOptions& options, const char* function) {
  const std::string absolute = prepare(s, target, options, function);
  const std::filesystem::path from = s.name();
  const int fd = s.bytes().raw().fileno();
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
  before(PersistStep::rename);
  const os::Errno err = options.overwrite ? os::rename_replacing(from.c_str(), absolute.c_str())
                                          : os::rename_no_replace(from.c_str(), absolute.c_str());
  if (err != 0) {
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
void persist_unnamed(detail::FileState& s, const std::filesystem::path& target,
                     const PersistOptions& options, const char* function) {
  const std::string absolute = prepare(s, target, options, function);
  const int fd = s.bytes().raw().fileno();
  if (!os::is_linkable_unnamed(fd)) {
    throw error(step(unnamed_file, absolute, "cannot link"), s.name(), absolute, code_of(ENOTSUP),
                "it was created and unlinked (no O_TMPFILE here) and cannot be given a name; use "
                "a NamedTemporaryFile");
  }
  // Once a name reaches it, others may change the file: from now on the descriptor's offset
  // and size are the truth (pread/pwrite with a size of our own would miss their changes).
  static_cast<void>(s.bytes().share_descriptor());
  if (!options.overwrite) {
    before(PersistStep::link);
    if (const os::Errno err = os::link_unnamed(fd, absolute.c_str()); err != 0) {
      throw error(step(unnamed_file, absolute, "link (no replace) failed from"), s.name(), absolute,
                  code_of(err), detail_for(err));
    }
  } else {
    // A random name beside the target, then one rename over it: readers of `target` see the old
    // file or the new one, complete.
    const std::filesystem::path directory = std::filesystem::path(absolute).parent_path();
    create::RandomNames names;
    std::string staged;
    before(PersistStep::link_staged);
    os::Errno err = EEXIST;
    for (int attempt = 0; attempt < 100 && err == EEXIST; ++attempt) {
      staged = (directory / (".tmp" + std::string(names.next()))).native();
      err = os::link_unnamed(fd, staged.c_str());
    }
    if (err != 0) {
      throw error(step(unnamed_file, absolute, "link failed to"), staged, absolute, code_of(err),
                  detail_for(err));
    }
    before(PersistStep::rename_staged);
    if (const os::Errno rename_err = os::rename_replacing(staged.c_str(), absolute.c_str());
        rename_err != 0) {
      static_cast<void>(os::remove_file(os::current_directory_fd, staged.c_str()));
      throw error(step(unnamed_file, absolute, "rename failed from"), staged, absolute,
                  code_of(rename_err), detail_for(rename_err));
    }
  }
  if (options.durable) {
    sync_target_directory(absolute);
  }
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
  objects::persist_unnamed(state(), target, options, "TemporaryFile::persist");
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
  objects::persist_named(state(), target, options, "NamedTemporaryFile::persist");
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
    objects::persist_named(s, target, options, "PseudoTemporaryFile::persist");
  } else {
    objects::persist_unnamed(s, target, options, "PseudoTemporaryFile::persist");
  }
}

bool PseudoTemporaryFile::persist(const std::filesystem::path& target,
                                  const PersistOptions& options, std::error_code& ec) noexcept {
  return objects::persist_reporting(ec, [&] { persist(target, options); });
}

}  // namespace tempfile
