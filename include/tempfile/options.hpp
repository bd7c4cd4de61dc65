// SPDX-License-Identifier: MIT
/// Option structs for the creation functions, fields in Python's keyword order so designated
/// initializers read like the Python call: tempfile::mkstemp({.suffix = ".c", .dir = "/x"}).
///
/// ORDER MATTERS. C++ designated initializers must follow the fields' declaration order, which
/// is Python's parameter order: `suffix` before `prefix` before `dir`, `mode` first for files,
/// `max_size` first for SpooledTemporaryFile, `delete_` before `errors` before
/// `delete_on_close`. So {.suffix = ".txt", .prefix = "p"} compiles and {.prefix = "p",
/// .suffix = ".txt"} does not (g++: "designator order for field ... does not match declaration
/// order"). To give options in any order, build them (tempfile/options_builder.hpp):
///
///     tempfile::NamedTemporaryFile f(tempfile::options().prefix("p").suffix(".txt").dir(d));
/// @file
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tempfile/export.hpp"

namespace tempfile {

class Directory;
class TemporaryDirectory;

namespace detail {
/// A directory held open by one of the library's objects (Directory, TemporaryDirectory): its
/// descriptor (-1 once it is closed) and its absolute path. Defined in the library only.
struct HeldDirectory;
}  // namespace detail

/// What the `dir` field of every options struct holds: nothing (gettempdir()), a path, or a
/// directory held open by descriptor (a tempfile::Directory or a TemporaryDirectory), in which
/// case creation is relative to that descriptor and the directory's path is never resolved
/// again (docs/held-directories.md).
///
///     tempfile::mkstemp({.dir = "/var/tmp"});                  // a path, as Python's dir=
///     tempfile::TemporaryDirectory scratch;
///     tempfile::NamedTemporaryFile f({.dir = scratch});         // inside it, by descriptor
///
/// A path is copied (up to 111 bytes without touching the heap, so building options per call
/// costs no allocation for a usual directory). A held directory is referred to, not owned: it
/// must outlive the options and every call they are given to, which is why a temporary
/// Directory or TemporaryDirectory does not convert.
class TEMPFILE_API DirOption {
 public:
  /// No directory: gettempdir(), as Python's dir=None.
  DirOption() noexcept = default;
  /// No directory, as the default.
  DirOption(std::nullopt_t /*none*/) noexcept {}  // NOLINT(google-explicit-constructor)
  /// A directory path (relative ones are made absolute when used).
  DirOption(const std::filesystem::path& path);  // NOLINT(google-explicit-constructor)
  /// A directory path given as text.
  DirOption(const std::string& path)  // NOLINT(google-explicit-constructor)
      : DirOption(std::string_view(path)) {}
  /// A directory path given as a C string.
  DirOption(const char* path)  // NOLINT(google-explicit-constructor)
      : DirOption(std::string_view(path)) {}
  /// A directory path given as a view; the text is copied.
  DirOption(std::string_view path);  // NOLINT(google-explicit-constructor)
  /// Python's `dir=None or a path`: nullopt means gettempdir().
  DirOption(
      const std::optional<std::filesystem::path>& path);  // NOLINT(google-explicit-constructor)
  /// A directory this process holds open: creation goes through its descriptor.
  DirOption(const Directory& directory) noexcept;  // NOLINT(google-explicit-constructor)
  /// A temporary Directory would be closed before it is used.
  DirOption(const Directory&& directory) = delete;
  /// A TemporaryDirectory: creation goes through the descriptor it holds.
  DirOption(const TemporaryDirectory& directory) noexcept;  // NOLINT(google-explicit-constructor)
  /// A temporary TemporaryDirectory would be removed before it is used.
  DirOption(const TemporaryDirectory&& directory) = delete;

  /// Copies the path or the reference to the held directory.
  DirOption(const DirOption& other);
  /// Takes `other`'s path or reference; `other` is left empty (gettempdir()).
  DirOption(DirOption&& other) noexcept;
  /// Copies the path or the reference to the held directory.
  DirOption& operator=(const DirOption& other);
  /// Takes `other`'s path or reference; `other` is left empty (gettempdir()).
  DirOption& operator=(DirOption&& other) noexcept;
  ~DirOption() = default;

  /// Whether a directory was given (a path or a held directory).
  [[nodiscard]] bool has_value() const noexcept { return kind_ != Kind::none; }
  /// Whether the path given is absolute and already normal (no empty, "." or ".." component,
  /// no trailing separator) and holds no NUL: checked once when the option is made, so that
  /// options made once and used for many objects spare each creation the check.
  [[nodiscard]] bool normal_absolute() const noexcept { return normal_absolute_; }
  /// As has_value().
  explicit operator bool() const noexcept { return has_value(); }
  /// Whether it is a directory held open by descriptor.
  [[nodiscard]] bool held() const noexcept { return kind_ == Kind::held; }
  /// The path given, or the held directory's absolute path; empty when none was given.
  [[nodiscard]] std::filesystem::path path() const;
  /// The path given, as text; empty for none and for a held directory.
  [[nodiscard]] std::string_view text() const noexcept {
    return kind_ != Kind::path ? std::string_view()
           : long_.empty()     ? std::string_view(short_, size_)
                               : std::string_view(long_);
  }
  /// Equal when both are none, both the same path text, or both the same held directory.
  friend bool operator==(const DirOption& a, const DirOption& b) noexcept {
    return a.kind_ == b.kind_ && a.held_ == b.held_ && a.text() == b.text();
  }
  /// The held directory, for the library; nullptr unless held().
  [[nodiscard]] const detail::HeldDirectory* held_directory() const noexcept { return held_; }

 private:
  enum class Kind : unsigned char { none, path, held };
  static constexpr std::size_t short_capacity = 111;

  void copy_from(const DirOption& other);
  void reset() noexcept;

  std::string long_{};
  const detail::HeldDirectory* held_ = nullptr;
  std::uint32_t size_ = 0;
  Kind kind_ = Kind::none;
  bool normal_absolute_ = false;
  char short_[short_capacity] = {};
};

// Every field has a default member initializer: without one, g++ -Wextra users get
// -Wmissing-field-initializers on every call that leaves a field out. Field order is API
// (designators must follow declaration order): new fields are only ever added at the end.

/// Python: mkstemp(suffix=None, prefix=None, dir=None, text=False).
struct MkstempOptions {
  /// Appended to the random part; no separator is inserted. nullopt means "".
  std::optional<std::string> suffix{};
  /// Put before the random part; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// Where to create; nullopt means gettempdir(). A relative dir is made absolute.
  DirOption dir{};
  /// Python's text flag: only meaningful on Windows (O_TEXT); accepted and ignored on POSIX.
  bool text = false;
};

/// Python: mkdtemp(suffix=None, prefix=None, dir=None).
struct MkdtempOptions {
  /// Appended to the random part; no separator is inserted. nullopt means "".
  std::optional<std::string> suffix{};
  /// Put before the random part; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// Where to create; nullopt means gettempdir(). A relative dir is made absolute.
  DirOption dir{};
};

/// Python: mktemp(suffix="", prefix="tmp", dir=None). Unlike the others Python's defaults are
/// plain strings here, so the fields are too.
struct MktempOptions {
  /// Appended to the random part; no separator is inserted.
  std::string suffix{};
  /// Put before the random part.
  std::string prefix = "tmp";
  /// The directory the name is in; nullopt means gettempdir().
  DirOption dir{};
};

}  // namespace tempfile

namespace tempfile {

/// Python: TemporaryFile(mode='w+b', buffering=-1, encoding=None, newline=None, suffix=None,
/// prefix=None, dir=None, *, errors=None).
struct TemporaryFileOptions {
  /// Python's open() mode: one of r/w/x/a, optionally '+', optionally 'b' or 't'.
  std::string mode = "w+b";
  /// -1: an 8 KiB buffer; 0: unbuffered (binary only); 1: line buffered (text only);
  /// larger: the buffer size in bytes.
  int buffering = -1;
  /// Text mode only; nullopt means "utf-8". A name Python knows (docs/file-object.md, "Encodings").
  std::optional<std::string> encoding{};
  /// Text mode only: nullopt, "", "\n", "\r" or "\r\n", with Python's meaning (nullopt writes
  /// "\n" as os.linesep: "\r\n" on Windows, "\n" elsewhere).
  std::optional<std::string> newline{};
  /// As MkstempOptions::suffix. An O_TMPFILE file has no name and does not use it, but it is
  /// checked all the same (no '/' or NUL), so that a call fails or succeeds everywhere alike.
  std::optional<std::string> suffix{};
  /// As MkstempOptions::prefix, and checked as `suffix` is.
  std::optional<std::string> prefix{};
  /// Where to create the file (with O_TMPFILE, nameless on that directory's file system);
  /// nullopt means gettempdir().
  DirOption dir{};
  /// Text mode only: "strict" (default), "replace", "ignore" or "surrogateescape".
  std::optional<std::string> errors{};
};

/// Python: NamedTemporaryFile(mode='w+b', buffering=-1, encoding=None, newline=None,
/// suffix=None, prefix=None, dir=None, delete=True, *, errors=None, delete_on_close=True).
struct NamedTemporaryFileOptions {
  /// Python's open() mode, as TemporaryFileOptions::mode.
  std::string mode = "w+b";
  /// As TemporaryFileOptions::buffering.
  int buffering = -1;
  /// Text mode only; nullopt means "utf-8" (TemporaryFileOptions::encoding).
  std::optional<std::string> encoding{};
  /// Text mode only, as TemporaryFileOptions::newline.
  std::optional<std::string> newline{};
  /// Appended to the random part of the name; no separator is inserted. nullopt means "".
  std::optional<std::string> suffix{};
  /// Put before the random part of the name; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// Where to create; nullopt means gettempdir(). The name is always absolute.
  DirOption dir{};
  /// Remove the file when the object dies (and at close() if delete_on_close).
  bool delete_ = true;
  /// Text mode only, as TemporaryFileOptions::errors.
  std::optional<std::string> errors{};
  /// With delete_: remove at close() (true) or only when the object dies (false). Python 3.12.
  bool delete_on_close = true;
  /// Not in Python: hold a shared flock on the file while it is open, so that systemd-tmpfiles
  /// (v254 and later) does not age it away from under a long-running program, and
  /// tempfile::sweep() knows its owner is alive. One system call; false to skip it.
  bool lock = true;
};

/// Python: SpooledTemporaryFile(max_size=0, mode='w+b', buffering=-1, encoding=None,
/// newline=None, suffix=None, prefix=None, dir=None, *, errors=None), plus `memfd`.
struct SpooledTemporaryFileOptions {
  /// Roll over to a file when a write leaves the position past this many bytes (as Python:
  /// the position, not the size, and strictly greater). 0: writes never roll over. Negative:
  /// std::invalid_argument (Python would roll over on the first write).
  std::int64_t max_size = 0;
  /// Python's open() mode, as TemporaryFileOptions::mode; obeyed in memory too.
  std::string mode = "w+b";
  /// Applies once on a file; in memory there is nothing to buffer.
  int buffering = -1;
  /// Text mode only; nullopt means "utf-8" (TemporaryFileOptions::encoding).
  std::optional<std::string> encoding{};
  /// Text mode only, as TemporaryFileOptions::newline.
  std::optional<std::string> newline{};
  /// For the rollover file, as TemporaryFileOptions::suffix; checked at construction.
  std::optional<std::string> suffix{};
  /// For the rollover file, as TemporaryFileOptions::prefix; checked at construction.
  std::optional<std::string> prefix{};
  /// Where the rollover file goes (TemporaryFile's rules); nullopt means gettempdir().
  DirOption dir{};
  /// Text mode only, as TemporaryFileOptions::errors.
  std::optional<std::string> errors{};
  /// Linux: roll over into an anonymous memory file (memfd_create) instead of a file in
  /// `dir`, so fileno() works without touching a disk. Where memfd is missing (other systems,
  /// old kernels, TEMPFILE_PORTABLE builds) the rollover goes to `dir` as usual.
  bool memfd = false;
};

/// Whether rmtree (RmtreeOptions::parallel, tempfile/temporary_directory.hpp) or a
/// TemporaryDirectory's cleanup (TemporaryDirectoryOptions::cleanup_parallel) may remove
/// subdirectories on several threads at once (docs/tree-removal.md, "Parallel removal"). Every
/// choice removes the same entries, follows no symbolic link, crosses no mount and reports the
/// same failures.
enum class RmtreeParallel : unsigned char {
  /// Threads only where the walk measures enough work left: at a directory with at least 32
  /// subdirectories still to remove, the first 8 are removed and timed, and the rest go to
  /// threads only if they would take 4 ms or more. A flat directory or a small tree never
  /// starts one.
  automatic,
  /// One thread: the sequential walk.
  never,
  /// Threads at any directory with two or more subdirectories still to remove.
  always,
};

/// Python: TemporaryDirectory(suffix=None, prefix=None, dir=None, ignore_cleanup_errors=False,
/// *, delete=True) (3.12).
struct TemporaryDirectoryOptions {
  /// Appended to the random part of the name; no separator is inserted. nullopt means "".
  std::optional<std::string> suffix{};
  /// Put before the random part of the name; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// Where to create it; nullopt means gettempdir(). The name is always absolute.
  DirOption dir{};
  /// cleanup() and the destructor then ignore every failure (Python 3.10).
  bool ignore_cleanup_errors = false;
  /// Remove the tree when the object dies (and at normal exit). cleanup() removes it anyway.
  bool delete_ = true;
  /// Not in Python: hold a shared flock on the directory while the object lives, so that
  /// systemd-tmpfiles does not age it away (or its old-dated contents, e.g. from an archive)
  /// from under a long-running program. One system call; false to skip it.
  bool lock = true;
  /// Not in Python: whether cleanup() and the destructor may remove a large tree's
  /// subdirectories with a few threads at once, as rmtree's RmtreeOptions::parallel (the same
  /// rule: automatic starts threads only where the walk measures 4 ms or more of work left, so
  /// a small directory's cleanup is exactly the sequential one). never keeps every removal on
  /// the calling thread. The exit and signal handlers and the guardian process always remove
  /// sequentially (docs/tree-removal.md, "Parallel removal").
  RmtreeParallel cleanup_parallel = RmtreeParallel::automatic;
};

/// The seed's PseudoTemporaryFile takes TemporaryFile's options, and nothing Python lacks.
using PseudoTemporaryFileOptions = TemporaryFileOptions;
/// The seed's PseudoTemporaryDirectory takes TemporaryDirectory's options. delete_ = false
/// keeps the directory from every automatic removal, the guardian's included.
using PseudoTemporaryDirectoryOptions = TemporaryDirectoryOptions;

}  // namespace tempfile
