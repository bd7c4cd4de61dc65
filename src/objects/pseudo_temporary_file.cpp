// SPDX-License-Identifier: MIT
// PseudoTemporaryFile: an O_TMPFILE file named by its descriptor's path where the system gives
// one, else a named file removed at close and, if the process dies first, by the guardian.
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "create/create.hpp"
#include "create/paths.hpp"
#include "io/open_file.hpp"
#include "objects/owned_entry.hpp"
#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/guardian.hpp"
#include "os/sys.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

constexpr const char* function_name = "PseudoTemporaryFile";

// The fallback's removal: at close() and by the destructor alike (NamedTemporaryFile with
// delete_on_close), never in a child, never a file that replaced ours under its name
// (OwnedEntry::remove). The guardian's ticket is withdrawn right after the owner removed the
// file, not before: until then a death of the process must still leave the removal to the
// guardian. A failed removal keeps the ticket until the object ends, so the guardian still
// removes the file if the process dies meanwhile.
class RemoveAndReleaseGuardian final : public io::AfterClose {
 public:
  RemoveAndReleaseGuardian(objects::OwnedEntry entry, os::GuardianTicket ticket) noexcept
      : entry_(std::move(entry)), ticket_(std::move(ticket)) {}

  void closed(Why why, const std::string& name) override {
    std::vector<os::RemovalFailure> failures;
    const os::Errno err = entry_.remove(name, failures);
    if (err == 0) {
      ticket_.withdraw();  // in a fork()ed child: does nothing (the ticket is the parent's)
    } else if (why == Why::close) {
      throw error("cannot remove temporary file", name, os::to_error_code(err));
    }
  }

 private:
  objects::OwnedEntry entry_;
  os::GuardianTicket ticket_;
};

// The Linux way: an O_TMPFILE file in `dir` and the checked path that reaches its descriptor.
// Nothing (an empty descriptor) where either is missing: O_TMPFILE unsupported here
// (EOPNOTSUPP, and always in the portable build), or /proc not reaching the descriptor (ENOSYS,
// ENOENT); the unnamed file just made, if any, vanishes as its descriptor closes. Any other
// failure throws.
os::FileDescriptor open_reached_unnamed(const std::string& dir, std::string& path) {
  os::FileDescriptor fd;
  if (!os::features().o_tmpfile) {
    return {};  // no unnamed file a path could reach (Windows, the portable build): none is made
  }
  if (const os::Errno err =
          os::open_unnamed_file(os::current_directory_fd, dir.c_str(), os::file_mode, fd);
      err != 0) {
    if (err == EOPNOTSUPP) {
      return {};
    }
    throw error("cannot create file in", dir, os::to_error_code(err));
  }
  if (const os::Errno err = os::path_reaching_descriptor(fd.get(), path); err != 0) {
    if (err == ENOSYS || err == ENOENT) {
      return {};
    }
    throw error("cannot find a path to unnamed temporary file in", dir, os::to_error_code(err));
  }
  return fd;
}

// The fallback: a file created as NamedTemporaryFile creates one, registered with the exit and
// signal cleanup and guarded by the guardian before the object exists.
std::unique_ptr<detail::FileState> open_guarded_named(const io::OpenPlan& plan,
                                                      const TemporaryFileOptions& options,
                                                      const std::string& dir) {
  // The guardian runs before the file exists: only the one message that hands it over is left
  // between the file's creation and its protection.
  os::GuardianTicket ticket;
  if (const os::Errno err = os::GuardianTicket::reserve(ticket); err != 0) {
    throw error("cannot start the guardian process for a temporary file in", dir,
                os::to_error_code(err));
  }
  create::RandomNames names;
  const os::CleanupWindow window;  // created but not yet registered: a handler must wait
  create::CreatedEntry created = create::create_unique(
      create::EntryKind::file,
      {function_name, options.prefix, options.suffix, std::optional<std::filesystem::path>(dir)},
      names);
  // Kept from tmp cleaners and sweep() like a NamedTemporaryFile (best effort, no option).
  static_cast<void>(os::lock_shared(created.fd.get()));
  try {
    os::EntryIdentity identity;
    if (const os::Errno err = os::identify_fd(created.fd.get(), identity); err != 0) {
      throw error("cannot identify temporary file", created.path, os::to_error_code(err));
    }
    auto entry = objects::OwnedEntry::file(created.path, identity, true);
    if (const os::Errno err =
            os::GuardianTicket::guard_file(created.path.c_str(), identity, ticket);
        err != 0) {
      // Without the guardian the promise (removal whatever ends the process) cannot be kept.
      throw error("cannot start the guardian for temporary file", created.path,
                  os::to_error_code(err));
    }
    auto state = io::open_file(std::move(created.fd), plan, created.path);
    // A name in the file system reaches it: path() is name().
    state->open_plan = io::keep_plan(plan);
    state->identity = identity;
    state->after_close.emplace<RemoveAndReleaseGuardian>(std::move(entry), std::move(ticket));
    return state;
  } catch (...) {
    // Removed before the ticket (if any) is withdrawn by its destructor during unwinding.
    static_cast<void>(os::remove_file(os::current_directory_fd, created.path.c_str()));
    throw;
  }
}

std::unique_ptr<detail::FileState> open_pseudo(const TemporaryFileOptions& options) {
  io::PlanRoom own_plan;
  const io::OpenPlan& plan = io::plan_open(
      {options.mode, options.buffering, options.encoding, options.newline, options.errors},
      own_plan);
  // Checked on both ways, so the same call never succeeds on one system and fails on another.
  create::check_name_part(function_name, "prefix", options.prefix.value_or(""));
  create::check_name_part(function_name, "suffix", options.suffix.value_or(""));
  const std::string dir(create::resolve_directory(function_name, options.dir).path());
  create::check_name_length("cannot create file in", dir,
                            options.prefix ? *options.prefix : gettempprefix(),
                            options.suffix.value_or(""));
  std::string path;
  if (os::FileDescriptor fd = open_reached_unnamed(dir, path); fd.valid()) {
    auto state =
        io::open_file(std::move(fd), plan, std::move(path), io::Reach::descriptor_path, dir);
    // The descriptor's path opens the file, for this program and others: path() is name().
    state->open_plan = io::keep_plan(plan);
    state->linkable = true;
    return state;
  }
  return open_guarded_named(plan, options, dir);
}

}  // namespace

PseudoTemporaryFile::PseudoTemporaryFile() : PseudoTemporaryFile(PseudoTemporaryFileOptions{}) {}
PseudoTemporaryFile::PseudoTemporaryFile(const PseudoTemporaryFileOptions& options)
    : File(open_pseudo(options)) {}
PseudoTemporaryFile::PseudoTemporaryFile(std::string_view mode)
    : PseudoTemporaryFile(PseudoTemporaryFileOptions{.mode = std::string(mode)}) {}

}  // namespace tempfile
