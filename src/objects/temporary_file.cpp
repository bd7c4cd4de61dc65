// SPDX-License-Identifier: MIT
// TemporaryFile (O_TMPFILE, else create-and-unlink) and NamedTemporaryFile (mkstemp's rules,
// removal per Python 3.12's delete/delete_on_close, through RemoveAfterClose below).
#include "tempfile/temporary_file.hpp"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "create/create.hpp"
#include "create/path_buffer.hpp"
#include "create/paths.hpp"
#include "io/open_file.hpp"
#include "objects/named_file.hpp"
#include "objects/owned_entry.hpp"
#include "objects/unnamed_file.hpp"
#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/spare_block.hpp"
#include "os/sys.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace objects {

UnnamedFile create_unnamed(const TemporaryFileOptions& options) {
  // Checked here too, although O_TMPFILE never uses them: the same call must not succeed on
  // one file system and fail on another (nor in one build and not in another).
  // Views, not value_or()'s copies: every TemporaryFile passes here.
  const std::string_view prefix =
      options.prefix ? std::string_view(*options.prefix) : create::default_prefix;
  const std::string_view suffix =
      options.suffix ? std::string_view(*options.suffix) : std::string_view();
  if (options.prefix) {
    create::check_name_part("TemporaryFile", "prefix", prefix);
  }
  if (options.suffix) {
    create::check_name_part("TemporaryFile", "suffix", suffix);
  }
  UnnamedFile made{{}, create::resolve_directory("TemporaryFile", options.dir)};
  const std::string_view dir = made.where.path();
  create::check_name_length("cannot create file in", dir, prefix, suffix);
  const bool held = made.where.dirfd != os::current_directory_fd;
  const create::PathBuffer at(held ? std::string_view(".") : dir);  // NUL-terminated
  const os::Errno err = os::open_unnamed_file(made.where.dirfd, at.c_str(), os::file_mode, made.fd);
  if (err == 0) {
    made.linkable = os::unnamed_files_linkable;
    return made;
  }
  if (err != EOPNOTSUPP) {
    throw error("cannot create file in", dir, os::to_error_code(err));
  }
  // No O_TMPFILE here: create a named file and unlink it at once. A cleaner that removed it
  // first (ENOENT) did our work for us.
  create::RandomNames names;
  // The same directory again: the held one when one was given, else the path just resolved.
  const DirOption same_dir = options.dir.held() ? options.dir : DirOption(dir);
  create::CreatedEntry created = create::create_unique(
      create::EntryKind::file, {"TemporaryFile", options.prefix, options.suffix, same_dir}, names);
  if (const os::Errno unlink_err = os::remove_file(created.dirfd, created.at_name());
      unlink_err != 0 && unlink_err != ENOENT) {
    throw error("cannot unlink temporary file", created.path, os::to_error_code(unlink_err));
  }
  made.fd = std::move(created.fd);
  return made;
}

}  // namespace objects

namespace {

// Where a NamedTemporaryFile (with delete_) is removed: after its layers are closed, by close()
// with delete_on_close, else by the destructor (Python 3.12). Never in a child process, never
// after an exit or signal handler claimed the file, and never a file that replaced ours under
// its name (OwnedEntry::remove).
class RemoveAfterClose final : public io::AfterClose {
 public:
  // The entry is made in place (never moved): registered for the exit and signal cleanup,
  // reading the state's own `name` (no copy).
  RemoveAfterClose(const std::string& name, const os::EntryIdentity& identity, bool on_close)
      : entry_(objects::OwnedEntry::file_borrowing(name, identity, true)), on_close_(on_close) {}

  void closed(Why why, const std::string& name) override {
    if (why == Why::close && !on_close_) {
      return;
    }
    std::vector<os::RemovalFailure> failures;
    if (const os::Errno err = entry_.remove(name, failures); err != 0 && why == Why::close) {
      throw error("cannot remove temporary file", name, os::to_error_code(err));
    }
  }

 private:
  objects::OwnedEntry entry_;
  bool on_close_;
};

std::unique_ptr<detail::FileState> open_temporary(const TemporaryFileOptions& options) {
  io::PlanRoom own_plan;
  const io::OpenPlan& plan = io::plan_open(
      {options.mode, options.buffering, options.encoding, options.newline, options.errors},
      own_plan);
  objects::UnnamedFile made = objects::create_unnamed(options);
  std::string number = std::to_string(made.fd.get());
  auto state = io::open_file(std::move(made.fd), plan, std::move(number), io::Reach::unshared,
                             made.where.path());
  state->linkable = made.linkable;
  return state;
}

}  // namespace

namespace objects {

std::unique_ptr<detail::FileState> open_named_file(const NamedTemporaryFileOptions& options) {
  io::PlanRoom own_plan;
  const io::OpenPlan& plan = io::plan_open(
      {options.mode, options.buffering, options.encoding, options.newline, options.errors},
      own_plan);
  create::RandomNames names;
  const os::CleanupWindow window;  // created but not yet registered: a handler must wait
  // The block the thread's last named file gave back, when it has one: the path becomes this
  // file's name, which gives its block back in turn, so a file made and closed again and again
  // allocates nothing for its name.
  create::CreatedEntry created = create::create_unique(
      create::EntryKind::file, {"NamedTemporaryFile", options.prefix, options.suffix, options.dir},
      names, os::take_spare_string());
  if (options.lock) {
    // Best effort, as TemporaryDirectory's: a file system without flock, or a cleaner holding
    // the file this very moment, only loses the protection against ageing and sweep().
    static_cast<void>(os::lock_shared(created.fd.get()));
  }
  // The name moves into the state once nothing can fail there; until then, and if anything
  // fails after, the file is removed by whichever string holds it.
  std::unique_ptr<detail::FileState> state;
  try {
    // Who the file is, so that nobody ever unlinks its name once it refers to another file.
    os::EntryIdentity identity;
    if (options.delete_) {
      if (const os::Errno err = os::identify_fd(created.fd.get(), identity); err != 0) {
        throw error("cannot identify temporary file", created.path, os::to_error_code(err));
      }
    }
    state = io::open_file_taking_name(std::move(created.fd), plan, created.path);
    state->open_plan = io::keep_plan(plan);
    if (options.delete_) {
      state->identity = identity;
      // The registration reads the state's own name (no copy): persist() withdraws it before
      // the name changes, and the state destroys it before the name (after_close is declared
      // after the layers).
      state->after_close.emplace<RemoveAfterClose>(state->name_text(), identity,
                                                   options.delete_on_close);
    }
    return state;
  } catch (...) {
    const std::string& name = state ? state->name_text() : created.path;
    static_cast<void>(os::remove_file(os::current_directory_fd, name.c_str()));
    throw;
  }
}

}  // namespace objects

TemporaryFile::TemporaryFile() : TemporaryFile(TemporaryFileOptions{}) {}
TemporaryFile::TemporaryFile(const TemporaryFileOptions& options) : File(open_temporary(options)) {}
TemporaryFile::TemporaryFile(std::string_view mode)
    : TemporaryFile(TemporaryFileOptions{.mode = std::string(mode)}) {}

NamedTemporaryFile::NamedTemporaryFile() : NamedTemporaryFile(NamedTemporaryFileOptions{}) {}
NamedTemporaryFile::NamedTemporaryFile(const NamedTemporaryFileOptions& options)
    : File(objects::open_named_file(options)) {}
NamedTemporaryFile::NamedTemporaryFile(std::string_view mode)
    : NamedTemporaryFile(NamedTemporaryFileOptions{.mode = std::string(mode)}) {}
// File's destructor closes the layers, then calls RemoveAfterClose (above), which removes the
// file when delete_ says so.
NamedTemporaryFile::~NamedTemporaryFile() = default;

NamedTemporaryFile::NamedTemporaryFile(std::unique_ptr<detail::FileState> state) noexcept
    : File(std::move(state)) {}

NamedTemporaryFile NamedTemporaryFile::reopen() {
  detail::FileState& s = state();
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  flush();  // what this object holds is in the file before the other one looks
  const std::filesystem::path& name = s.name();
  const std::string& name_text = s.name_text();  // the same name as UTF-8, for the OS layer
  const io::OpenPlan& plan = *s.open_plan;
  os::EntryIdentity ours;
  if (const os::Errno err = os::identify_fd(s.bytes().fileno(), ours); err != 0) {
    throw error("cannot identify temporary file", name, os::to_error_code(err));
  }
  os::FileDescriptor fd;
  if (const os::Errno err = os::open_existing_file(os::current_directory_fd, name_text.c_str(),
                                                   plan.mode.readable(), plan.mode.writable(), fd);
      err != 0) {
    throw error("cannot reopen temporary file", name, os::to_error_code(err));
  }
  // The name may have been replaced since we made it: hand out only our own file.
  os::EntryIdentity theirs;
  if (const os::Errno err = os::identify_fd(fd.get(), theirs); err != 0) {
    throw error("cannot identify temporary file", name, os::to_error_code(err));
  }
  if (!(theirs == ours)) {
    throw error("cannot reopen temporary file", name, os::to_error_code(ENOENT),
                "its name now refers to another file");
  }
  auto reopened = io::open_file(std::move(fd), plan, name_text);
  reopened->open_plan = s.open_plan;
  NamedTemporaryFile file(std::move(reopened));
  if (plan.mode.access == io::OpenMode::Access::append) {
    file.seek(0, SEEK_END);  // Python's open() in an append mode starts at the end
  }
  return file;
}

}  // namespace tempfile
