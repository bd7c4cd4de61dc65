// SPDX-License-Identifier: MIT
// mkstemp, mkdtemp and mktemp: Python's creation loops over the OS layer.
#include "create/create.hpp"

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#include "create/held_directory.hpp"
#include "create/paths.hpp"
#include "create/report_through.hpp"
#include "create/tempdir.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile {
namespace create {
namespace {

// Whether a path `dir` (not held) can be used as it is: absolute and normal, as checked when the
// option was made, or now (refusing a NUL first, naming `function`).
bool usable_as_given(std::string_view function, const DirOption& dir) {
  return dir.normal_absolute() ||
         (check_path_argument(function, "dir", dir.text()), is_normal_absolute(dir.text()));
}

// A new entry's whole path in `dir`, laid out in `storage` (create/paths.hpp's lay_out_path):
// its directory, absolute, a separator, `prefix`, `random_room` bytes for the random part,
// `suffix`; `stem` is where the name starts. A `dir` with a NUL is refused first, naming
// `function`. `dirfd` is what the *at calls go through.
std::string entry_path(std::string&& storage, std::string_view function, const DirOption& dir,
                       int& dirfd, std::string_view prefix, std::size_t random_room,
                       std::string_view suffix, std::size_t& stem) {
  if (!dir) {
    return lay_out_in_default_tempdir(std::move(storage), prefix, random_room, suffix, stem);
  }
  if (dir.held()) {
    const detail::HeldDirectory& held = usable_held(function, dir);
    dirfd = held.fd;
    return lay_out_path(std::move(storage), held.path, prefix, random_room, suffix, stem);
  }
  if (const std::string_view given = dir.text(); usable_as_given(function, dir)) {
    return lay_out_path(std::move(storage), given, prefix, random_room, suffix, stem);
  }
  return lay_out_path(std::move(storage), absolute_path(dir.text()), prefix, random_room, suffix,
                      stem);
}

// The directory of a new entry alone, with its trailing separator.
std::string directory_stem(std::string_view function, const DirOption& dir, int& dirfd) {
  std::size_t stem = 0;
  return entry_path({}, function, dir, dirfd, {}, 0, {}, stem);
}

// The directory as users wrote it in messages: the stem without its added separator.
std::string_view shown_directory(std::string_view stem) {
  return stem.size() > 1 ? stem.substr(0, stem.size() - 1) : stem;
}

}  // namespace

const detail::HeldDirectory& usable_held(std::string_view function, const DirOption& dir,
                                         const char* action) {
  const detail::HeldDirectory* held = dir.held_directory();
  if (held == nullptr || held->fd < 0) {
    throw error(action, held != nullptr ? os::to_path(held->path) : std::filesystem::path(),
                os::to_error_code(EBADF),
                "tempfile::" + std::string(function) +
                    ": its descriptor was closed (the Directory or TemporaryDirectory was cleaned "
                    "up, closed or moved from)");
  }
  return *held;
}

ResolvedDirectory resolve_directory(std::string_view function, const DirOption& dir) {
  ResolvedDirectory resolved;
  if (dir.held()) {
    const detail::HeldDirectory& held = usable_held(function, dir);
    resolved.borrowed = held.path;  // the holder's own copy, which outlives the call
    resolved.dirfd = held.fd;
    return resolved;
  }
  if (dir && usable_as_given(function, dir)) {
    resolved.borrowed = dir.text();  // as it is: no copy, no '/' added and taken off
    return resolved;
  }
  resolved.made = directory_stem(function, dir, resolved.dirfd);
  if (resolved.made.size() > 1) {
    resolved.made.pop_back();
  }
  return resolved;
}

CreatedEntry create_unique(EntryKind kind, const NamePattern& pattern, NameSource& names,
                           std::string&& path_storage) {
  const std::string_view prefix = pattern.prefix ? *pattern.prefix : default_prefix;
  const std::string_view suffix = pattern.suffix ? *pattern.suffix : std::string_view();
  if (pattern.prefix) {
    check_name_part(pattern.function, "prefix", prefix);
  }
  if (pattern.suffix) {
    check_name_part(pattern.function, "suffix", suffix);
  }

  int dirfd = os::current_directory_fd;
  // The path is laid out once, with room for the random part; each attempt only rewrites that
  // part in place (a name source of other lengths, as tests use, has the tail rebuilt instead).
  std::size_t stem = 0;
  // Made in place and returned as it is: the path is never moved on the way.
  CreatedEntry created{.fd = {},
                       .path = entry_path(std::move(path_storage), pattern.function, pattern.dir,
                                          dirfd, prefix, os::name_length, suffix, stem)};
  std::string& path = created.path;
  // Relative to a held directory the *at calls get the name alone, else the absolute path.
  const std::size_t name_start = dirfd == os::current_directory_fd ? 0 : stem;
  const bool is_file = kind == EntryKind::file;
  // Views of known length (a ternary of two C strings would be measured with strlen).
  check_name_length(is_file ? std::string_view("cannot create file in")
                            : std::string_view("cannot create directory in"),
                    shown_directory(std::string_view(path).substr(0, stem)), prefix, suffix);
  const std::size_t random_at = stem + prefix.size();
  std::size_t random_length = os::name_length;
  for (int attempt = 0; attempt < TMP_MAX; ++attempt) {
    const std::string_view name = names.next();
    if (name.size() == os::name_length && random_length == os::name_length) {
      std::memcpy(path.data() + random_at, name.data(), os::name_length);  // one move, no call
    } else if (name.size() == random_length) {
      std::memcpy(path.data() + random_at, name.data(), name.size());
    } else {
      path.resize(random_at);
      path += name;
      path += suffix;
      random_length = name.size();
    }
    const char* at_name = path.c_str() + name_start;
    const os::Errno err = is_file
                              ? os::create_file_exclusive(dirfd, at_name, os::file_mode, created.fd)
                              : os::create_directory(dirfd, at_name, os::directory_mode);
    if (err == 0) {
      created.dirfd = dirfd;
      created.name_start = name_start;
      return created;
    }
    if (err != EEXIST) {
      throw error(is_file ? "cannot create file in" : "cannot create directory in",
                  os::to_path(shown_directory(std::string_view(path).substr(0, stem))),
                  os::to_path(path), os::to_error_code(err));
    }
  }
  const std::string tried = " (" + std::to_string(TMP_MAX) + " names tried)";
  throw error(is_file ? "cannot create file in" : "cannot create directory in",
              os::to_path(shown_directory(std::string_view(path).substr(0, stem))),
              os::to_error_code(EEXIST),
              is_file ? "No usable temporary file name found" + tried
                      : "No usable temporary directory name found" + tried);
}

std::string unused_name(const MktempOptions& options, NameSource& names) {
  check_name_part("mktemp", "prefix", options.prefix);
  check_name_part("mktemp", "suffix", options.suffix);
  int dirfd = os::current_directory_fd;
  std::string path = directory_stem("mktemp", options.dir, dirfd);
  const std::size_t stem = path.size();
  const std::size_t name_start = dirfd == os::current_directory_fd ? 0 : stem;
  check_name_length("cannot find an unused name in", shown_directory(path), options.prefix,
                    options.suffix);
  for (int attempt = 0; attempt < TMP_MAX; ++attempt) {
    path.resize(stem);
    path += options.prefix;
    path += names.next();
    path += options.suffix;
    bool exists = true;
    // As Python's _exists: an lstat error other than "not found" also counts as free.
    if (os::entry_exists(dirfd, path.c_str() + name_start, exists) != 0 || !exists) {
      return path;
    }
  }
  throw error("cannot find an unused name in",
              os::to_path(shown_directory(std::string_view(path).substr(0, stem))),
              os::to_error_code(EEXIST),
              "No usable temporary filename found (" + std::to_string(TMP_MAX) + " names tried)");
}

}  // namespace create

std::string gettempprefix() {
  return std::string(create::default_prefix);
}

MkstempResult mkstemp(const MkstempOptions& options) {
  create::RandomNames names;
  create::CreatedEntry created = create::create_unique(
      create::EntryKind::file, {"mkstemp", options.prefix, options.suffix, options.dir}, names);
  return {created.fd.release(), os::to_path(std::move(created.path))};
}

MkstempResult mkstemp(const MkstempOptions& options, std::error_code& ec) noexcept {
  return create::report_through(ec, MkstempResult{}, [&] { return mkstemp(options); });
}

MkstempResult mkstemp(std::error_code& ec) noexcept {
  return mkstemp(MkstempOptions{}, ec);
}

std::filesystem::path mkdtemp(const MkdtempOptions& options) {
  create::RandomNames names;
  create::CreatedEntry created =
      create::create_unique(create::EntryKind::directory,
                            {"mkdtemp", options.prefix, options.suffix, options.dir}, names);
  return os::to_path(std::move(created.path));
}

std::filesystem::path mkdtemp(const MkdtempOptions& options, std::error_code& ec) noexcept {
  return create::report_through(ec, std::filesystem::path(), [&] { return mkdtemp(options); });
}

std::filesystem::path mkdtemp(std::error_code& ec) noexcept {
  return mkdtemp(MkdtempOptions{}, ec);
}

std::filesystem::path mktemp(const MktempOptions& options) {
  create::RandomNames names;
  return os::to_path(create::unused_name(options, names));
}

}  // namespace tempfile
