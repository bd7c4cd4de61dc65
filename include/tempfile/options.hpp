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

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tempfile {

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
  std::optional<std::filesystem::path> dir{};
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
  std::optional<std::filesystem::path> dir{};
};

/// Python: mktemp(suffix="", prefix="tmp", dir=None). Unlike the others Python's defaults are
/// plain strings here, so the fields are too.
struct MktempOptions {
  /// Appended to the random part; no separator is inserted.
  std::string suffix{};
  /// Put before the random part.
  std::string prefix = "tmp";
  /// The directory the name is in; nullopt means gettempdir().
  std::optional<std::filesystem::path> dir{};
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
  /// Text mode only: nullopt, "", "\n", "\r" or "\r\n", with Python's meaning.
  std::optional<std::string> newline{};
  /// As MkstempOptions::suffix. An O_TMPFILE file has no name and does not use it, but it is
  /// checked all the same (no '/' or NUL), so that a call fails or succeeds everywhere alike.
  std::optional<std::string> suffix{};
  /// As MkstempOptions::prefix, and checked as `suffix` is.
  std::optional<std::string> prefix{};
  /// Where to create the file (with O_TMPFILE, nameless on that directory's file system);
  /// nullopt means gettempdir().
  std::optional<std::filesystem::path> dir{};
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
  std::optional<std::filesystem::path> dir{};
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
  std::optional<std::filesystem::path> dir{};
  /// Text mode only, as TemporaryFileOptions::errors.
  std::optional<std::string> errors{};
  /// Linux: roll over into an anonymous memory file (memfd_create) instead of a file in
  /// `dir`, so fileno() works without touching a disk. Where memfd is missing (other systems,
  /// old kernels, TEMPFILE_PORTABLE builds) the rollover goes to `dir` as usual.
  bool memfd = false;
};

/// Python: TemporaryDirectory(suffix=None, prefix=None, dir=None, ignore_cleanup_errors=False,
/// *, delete=True) (3.12).
struct TemporaryDirectoryOptions {
  /// Appended to the random part of the name; no separator is inserted. nullopt means "".
  std::optional<std::string> suffix{};
  /// Put before the random part of the name; nullopt means gettempprefix() ("tmp").
  std::optional<std::string> prefix{};
  /// Where to create it; nullopt means gettempdir(). The name is always absolute.
  std::optional<std::filesystem::path> dir{};
  /// cleanup() and the destructor then ignore every failure (Python 3.10).
  bool ignore_cleanup_errors = false;
  /// Remove the tree when the object dies (and at normal exit). cleanup() removes it anyway.
  bool delete_ = true;
  /// Not in Python: hold a shared flock on the directory while the object lives, so that
  /// systemd-tmpfiles does not age it away (or its old-dated contents, e.g. from an archive)
  /// from under a long-running program. One system call; false to skip it.
  bool lock = true;
};

/// The seed's PseudoTemporaryFile takes TemporaryFile's options, and nothing Python lacks.
using PseudoTemporaryFileOptions = TemporaryFileOptions;
/// The seed's PseudoTemporaryDirectory takes TemporaryDirectory's options. delete_ = false
/// keeps the directory from every automatic removal, the guardian's included.
using PseudoTemporaryDirectoryOptions = TemporaryDirectoryOptions;

}  // namespace tempfile
