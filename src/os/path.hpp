// SPDX-License-Identifier: MIT
// The platform's path syntax, behind one interface: separators, absolute paths, the fixed
// temporary-directory candidates, and the conversion between the library's UTF-8 strings and
// std::filesystem::path. path_posix.cpp and windows_path.cpp implement it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "os/errno.hpp"

namespace tempfile::os {

#ifdef _WIN32
/// The separator the library writes between a directory and a name.
inline constexpr char preferred_separator = '\\';
/// Every character that separates components ('/' is one on Windows too).
inline constexpr std::string_view separators = "\\/";
/// The separators as messages name them.
inline constexpr std::string_view separators_shown = "'\\' or '/'";
#else
inline constexpr char preferred_separator = '/';
inline constexpr std::string_view separators = "/";
inline constexpr std::string_view separators_shown = "'/'";
#endif

[[nodiscard]] constexpr bool is_separator(char c) noexcept {
  // A comparison per separator: string_view::find here is a call to memchr for each character.
  for (const char separator : separators) {
    if (c == separator) {
      return true;
    }
  }
  return false;
}

/// The position of the first separator in `path`, or npos. On POSIX one memchr for '/':
/// find_first_of with a set of separators calls memchr on the set once per character.
[[nodiscard]] constexpr std::size_t first_separator(std::string_view path) noexcept {
#ifdef _WIN32
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (is_separator(path[i])) {
      return i;
    }
  }
  return std::string_view::npos;
#else
  return path.find('/');
#endif
}

/// The position of the last separator in `path`, or npos (as first_separator, from the end).
[[nodiscard]] constexpr std::size_t last_separator(std::string_view path) noexcept {
#ifdef _WIN32
  for (std::size_t i = path.size(); i-- > 0;) {
    if (is_separator(path[i])) {
      return i;
    }
  }
  return std::string_view::npos;
#else
  return path.rfind('/');
#endif
}

/// Why `value`, as the prefix (`is_prefix`) or the suffix of a new entry's name, would not give a
/// plain entry of its directory on this system, beyond the separators and NUL that every system
/// refuses: the end of a message ("must not ..."), or nullptr. POSIX: nothing more. Windows:
/// ':' (it names a stream of another file, which removing the name would leave behind), the
/// characters Windows refuses in names, a suffix ending in '.' or ' ' (Windows drops them, so the
/// entry would not have the name the library records), and a prefix that makes the name a
/// device's (what precedes the first '.' is CON, NUL, COM1...: not a file).
#ifdef _WIN32
[[nodiscard]] const char* name_part_problem(std::string_view value, bool is_prefix) noexcept;
#else
[[nodiscard]] constexpr const char* name_part_problem(std::string_view /*value*/,
                                                      bool /*is_prefix*/) noexcept {
  return nullptr;
}
#endif

/// True when `path` keeps its meaning whatever directory it is joined to: it starts with a
/// separator, or on Windows with a drive ("C:\x", and "C:x", relative to that drive's current
/// directory). Text only: no std::filesystem::path is built.
[[nodiscard]] constexpr bool is_rooted(std::string_view path) noexcept {
  if (!path.empty() && is_separator(path.front())) {
    return true;
  }
#ifdef _WIN32
  return path.size() >= 2 && path[1] == ':' &&
         ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'));
#else
  return false;
#endif
}

/// True when `path` is absolute and already what absolute_path would return, so that it can be
/// used as it is. POSIX: no empty, "." or ".." component, no trailing '/', not the special "//"
/// root. Windows: a drive-letter path "X:\a\b" with '\' only and no component that Windows
/// would rewrite (".", "..", trailing dots or spaces); anything else goes through absolute_path.
[[nodiscard]] bool is_normal_absolute(std::string_view path) noexcept;

/// The directory part of a path absolute_path returned, without parsing it into components:
/// POSIX "/a/b" gives "/a", "/a" gives "/", "/" gives "/"; Windows "C:\a" gives "C:\".
[[nodiscard]] std::string_view parent_of_absolute(std::string_view absolute) noexcept;

/// Python's os.path.abspath: POSIX joins a relative path to the current directory and
/// normalises lexically (symbolic links are not resolved); Windows asks GetFullPathNameW, as
/// Python's ntpath.abspath does. Returns 0 or the errno (the current directory unreadable, a
/// path that is not valid UTF-8). Throws std::bad_alloc.
[[nodiscard]] Errno absolute_path(std::string_view path, std::string& out);

/// The fixed part of Python's _candidate_tempdir_list(), after $TMPDIR, $TEMP and $TMP and
/// before the current directory. POSIX: /tmp, /var/tmp, /usr/tmp. Windows: GetTempPath2W (or
/// GetTempPathW where the system lacks it), %USERPROFILE%\AppData\Local\Temp,
/// %SYSTEMROOT%\Temp, C:\TEMP, C:\TMP, \TEMP, \TMP. Throws std::bad_alloc.
[[nodiscard]] std::vector<std::string> fixed_tempdir_candidates();

#ifdef _WIN32
/// The library keeps paths as UTF-8 strings; std::filesystem::path is UTF-16 on Windows.
/// Ill-formed input becomes U+FFFD. Throws std::bad_alloc.
[[nodiscard]] std::filesystem::path to_path(std::string_view utf8);
/// A path as UTF-8 (an unpaired surrogate becomes U+FFFD). Throws std::bad_alloc.
[[nodiscard]] std::string from_path(const std::filesystem::path& path);
#else
/// On POSIX a path is its bytes: no conversion, and from_path gives the path's own string.
[[nodiscard]] inline std::filesystem::path to_path(std::string&& utf8) {
  return {std::move(utf8)};
}
[[nodiscard]] inline std::filesystem::path to_path(std::string_view utf8) {
  return {std::string(utf8)};
}
[[nodiscard]] inline const std::string& from_path(const std::filesystem::path& path) noexcept {
  return path.native();
}
#endif

/// A path the library made, kept both ways it is used: as UTF-8 text (what the OS layer and
/// the cleanup registry read) and as std::filesystem::path (what the public API hands out). On
/// POSIX both are the one string, with no copy; on Windows the UTF-16 path sits beside the text.
class PathText {
 public:
  PathText() = default;
#ifdef _WIN32
  explicit PathText(std::string&& utf8) : text_(std::move(utf8)), path_(to_path(text_)) {}
  [[nodiscard]] const std::string& text() const noexcept {
    return text_;
  }
#else
  explicit PathText(std::string&& utf8) : path_(std::move(utf8)) {}
  [[nodiscard]] const std::string& text() const noexcept {
    return path_.native();
  }
#endif
  [[nodiscard]] const std::filesystem::path& path() const noexcept {
    return path_;
  }

 private:
#ifdef _WIN32
  std::string text_;
#endif
  std::filesystem::path path_;
};

}  // namespace tempfile::os
