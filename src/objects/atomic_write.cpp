// SPDX-License-Identifier: MIT
// atomic_write's file: made beside the target (unnamed where the file system allows it, else
// a named ".tmp" file), then published with persist's rules, or discarded with nothing left.
#include "tempfile/atomic_write.hpp"

#include <atomic>
#include <cerrno>
#include <ios>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "create/escape.hpp"
#include "create/paths.hpp"
#include "io/file_state.hpp"
#include "io/open_file.hpp"
#include "objects/atomic_write_seam.hpp"
#include "objects/named_file.hpp"
#include "objects/persist.hpp"
#include "os/fd.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace objects {
namespace {
std::atomic<bool> named_only{false};
}  // namespace

void atomic_write_named_only(bool value) noexcept {
  named_only.store(value, std::memory_order_relaxed);
}
}  // namespace objects

namespace {

constexpr const char* function = "atomic_write";

// The prefix of atomic_write's named temporaries, and of persist's staged names: hidden from
// plain listings, and what sweep(dir, {.prefix = ".tmp"}) looks for after a crash.
constexpr const char* beside_prefix = ".tmp";

std::string quoted_path(std::string_view path) {
  std::string text = "'";
  create::append_escaped(text, path);
  text += "'";
  return text;
}

// The target, absolute; std::invalid_argument for a NUL, or for a path that can only name a
// directory ("x/", "x/.", "/"). String work only: std::filesystem::path would parse the path
// into components each time, which costs more than the system calls here.
objects::PersistTarget checked_target(const std::filesystem::path& path, const DirOption& dir) {
  const std::string& given_text = os::from_path(path);
  const std::string_view given(given_text);
  create::check_path_argument(function, "path", given);
  const std::size_t slash = os::last_separator(given);
  const std::string_view name = slash == std::string_view::npos ? given : given.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    throw std::invalid_argument("tempfile: atomic_write: path must name a file, not a directory: " +
                                quoted_path(given));
  }
  // POSIX: the path's own string, which outlives the target (atomic_write's argument) and is
  // borrowed; Windows: a converted one, which does not, and is copied.
  constexpr bool lasting = std::is_lvalue_reference_v<decltype(os::from_path(path))>;
  return objects::resolve_target(function, "path", given, dir, lasting ? &given_text : nullptr);
}

// Whether the options are the plain binary ones (checked without parsing the mode): nothing to
// validate, no file object needed.
bool plain_binary(const AtomicWriteOptions& options) noexcept {
  return (options.mode == "w+b" || options.mode == "wb") && !options.encoding && !options.newline &&
         !options.errors;
}

const io::OpenPlan& checked_plan(const AtomicWriteOptions& options, io::PlanRoom& own_plan) {
  const io::OpenPlan& plan = io::plan_open(
      {options.mode, options.buffering, options.encoding, options.newline, options.errors},
      own_plan);
  if (plan.mode.access != io::OpenMode::Access::write) {
    throw std::invalid_argument(
        "tempfile: atomic_write: mode must be a 'w' mode (the file starts empty), not '" +
        options.mode + "'");
  }
  return plan;
}

// Whether the file's final mode may be the umask's: then an unnamed file is created 0666 and
// the kernel applies the umask (nobody can open a file with no name, whatever its mode), which
// spares learning the umask and a chmod. A named file is always made owner-only first.
bool wants_umask_mode(const AtomicWriteOptions& options) noexcept {
  const PersistMode::Kind kind = options.permissions.kind();
  return kind == PersistMode::Kind::umask_default || kind == PersistMode::Kind::preserve_target;
}

// An O_TMPFILE file in `directory`, the target's; an invalid descriptor where there is none
// (the file system, the build, or the test seam): the caller then makes a named one.
// `directory` is the target's, absolute, for messages; the file is made relative to the target's
// descriptor.
os::FileDescriptor open_unnamed_beside(std::string_view directory,
                                       const objects::PersistTarget& target,
                                       const AtomicWriteOptions& options) {
  os::FileDescriptor fd;
  // Only a file that linking can name is of use here (not Windows' delete-on-close one).
  if (!os::unnamed_files_linkable || objects::named_only.load(std::memory_order_relaxed)) {
    return fd;
  }
  const os::Errno err =
      os::open_unnamed_file(target.dirfd, objects::directory_at(target).c_str(),
                            wants_umask_mode(options) ? 0666U : os::file_mode, fd);
  if (err != 0 && err != EOPNOTSUPP) {
    throw error("cannot create file in", os::to_path(directory), os::to_path(target.absolute()),
                os::to_error_code(err));
  }
  return fd;
}

// The file `fn` writes, in the target's directory (the same file system, so that a rename
// publishes it): O_TMPFILE, which leaves nothing if the process dies before publishing, else a
// named file that removes itself unless published.
std::unique_ptr<detail::FileState> open_beside(const objects::PersistTarget& target,
                                               const AtomicWriteOptions& options) {
  io::PlanRoom own_plan;
  const io::OpenPlan& plan = checked_plan(options, own_plan);
  const std::string directory(create::parent_of_absolute(target.absolute()));
  if (os::FileDescriptor fd = open_unnamed_beside(directory, target, options); fd.valid()) {
    std::string number = std::to_string(fd.get());
    auto state =
        io::open_file(std::move(fd), plan, std::move(number), io::Reach::unshared, directory);
    state->linkable = true;
    return state;
  }
  // A target straight inside a held directory gets its named file through the descriptor too;
  // one in a subdirectory of it, by the subdirectory's path (its rename into place still goes
  // through the descriptor).
  const bool straight_inside =
      target.at_start != 0 && std::string_view(target.at()).find('/') == std::string_view::npos;
  return objects::open_named_file({.mode = options.mode,
                                   .buffering = options.buffering,
                                   .encoding = options.encoding,
                                   .newline = options.newline,
                                   .prefix = beside_prefix,
                                   .dir = straight_inside ? options.dir : DirOption(directory),
                                   .errors = options.errors});
}

}  // namespace

namespace detail {

AtomicWriteFile::AtomicWriteFile(const std::filesystem::path& path,
                                 const AtomicWriteOptions& options)
    : AtomicWriteFile(checked_target(path, options.dir), options) {}

AtomicWriteFile::AtomicWriteFile(objects::PersistTarget&& target, const AtomicWriteOptions& options)
    : File(open_beside(target, options)),
      target_(std::move(target).take_absolute()),
      at_start_(target.at_start),
      persist_{.overwrite = options.overwrite,
               .durable = options.durable,
               .mode = options.permissions,
               .dir = options.dir},
      // Only the named file owes a removal (see open_beside): that is what tells them apart.
      named_(static_cast<bool>(state().after_close)),
      has_umask_mode_(!named_ && wants_umask_mode(options)) {}

// File's destructor closes the file; a named one removes itself (its removal duty was never
// withdrawn), an unnamed one just goes.
AtomicWriteFile::~AtomicWriteFile() = default;

void AtomicWriteFile::commit() {
  detail::FileState& s = state();
  // The held directory is checked again: its owner may have closed it since the file was made.
  objects::PersistTarget target(target_, os::current_directory_fd, at_start_);
  target.dirfd = objects::usable_dirfd(function, target, persist_.dir);
  if (named_) {
    objects::persist_named(s, target, persist_);
  } else {
    objects::persist_unnamed(s, target, persist_, has_umask_mode_);
  }
  // Published: closing removes nothing now. Its failure cannot undo the publishing, so it is
  // reported as what it is.
  try {
    close();
  } catch (const std::system_error& failure) {
    throw persisted_not_durable_error("persisted, durability not confirmed: cannot close",
                                      os::to_path(target_), failure.code());
  }
}

void check_stream_after_callback(const std::ostream& stream, const std::filesystem::path& path) {
  if (stream.fail()) {
    throw std::ios_base::failure("tempfile: atomic_write: the stream failed while writing " +
                                 quoted_path(os::from_path(path)) +
                                 "; the file was left unchanged");
  }
}

}  // namespace detail

void atomic_write(const std::filesystem::path& path, std::string_view content,
                  const AtomicWriteOptions& options) {
  // Bytes into an unnamed file need no file object: the descriptor alone, as a hand-written
  // sequence would, with the same steps (and test seam) as the file object's way.
  const objects::PersistTarget target = checked_target(path, options.dir);
  const auto checked_binary = [&options] {
    io::PlanRoom own_plan;
    return checked_plan(options, own_plan).mode.binary;
  };
  if (plain_binary(options) || checked_binary()) {
    // A view: the directory's name is only needed for an error message.
    const std::string_view directory = create::parent_of_absolute(target.absolute());
    if (os::FileDescriptor fd = open_unnamed_beside(directory, target, options); fd.valid()) {
      if (const os::Errno write_err = os::write_all(fd.get(), content.data(), content.size());
          write_err != 0) {
        throw error("cannot write to unnamed temporary file in", os::to_path(directory),
                    os::to_path(target.absolute()), os::to_error_code(write_err));
      }
      objects::persist_unnamed_descriptor(
          fd.get(), target,
          {.overwrite = options.overwrite, .durable = options.durable, .mode = options.permissions},
          wants_umask_mode(options));
      if (const os::Errno close_err = fd.close(); close_err != 0) {
        throw persisted_not_durable_error("persisted, durability not confirmed: cannot close",
                                          os::to_path(target.absolute()),
                                          os::to_error_code(close_err));
      }
      return;
    }
  }
  atomic_write(
      path, [content](File& file) { file.write(content); }, options);
}

}  // namespace tempfile
