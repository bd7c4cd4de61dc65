// SPDX-License-Identifier: MIT
// Lexical absolute paths and prefix/suffix checks for the creation functions.
#include "create/paths.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "create/escape.hpp"
#include "os/random.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::create {

bool is_normal_absolute(std::string_view path) noexcept {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  if (path.size() == 1) {
    return true;
  }
  // Every creation and persist asks: memchr finds each '/' (a vectorized scan, several times
  // cheaper than testing one character at a time), and each component between slashes must be
  // neither empty, "." nor "..".
  const char* const end = path.data() + path.size();
  const char* start = path.data() + 1;
  for (;;) {
    const auto* slash =
        static_cast<const char*>(std::memchr(start, '/', static_cast<std::size_t>(end - start)));
    const auto length = static_cast<std::size_t>((slash != nullptr ? slash : end) - start);
    if (length == 0 || (start[0] == '.' && (length == 1 || (length == 2 && start[1] == '.')))) {
      return false;
    }
    if (slash == nullptr) {
      return true;
    }
    start = slash + 1;
  }
}

std::string_view parent_of_absolute(std::string_view absolute) noexcept {
  const std::size_t slash = absolute.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    return absolute.substr(0, absolute.empty() ? 0 : 1);
  }
  return absolute.substr(0, slash);
}

std::string absolute_path(std::string_view path) {
  if (is_normal_absolute(path)) {
    return std::string(path);
  }
  std::string joined;
  if (path.empty() || path.front() != '/') {
    if (const os::Errno err = os::current_directory(joined); err != 0) {
      throw error("cannot resolve relative directory", std::string(path), os::to_error_code(err));
    }
    // A current directory of "/" already ends in a separator; another would make "//", which
    // POSIX (and the rule below) keeps as a distinct root.
    if (joined.back() != '/') {
      joined += '/';
    }
  }
  joined += path;

  // POSIX keeps exactly two leading slashes; one or three-or-more collapse to one.
  const bool double_root =
      joined.size() > 1 && joined[1] == '/' && (joined.size() == 2 || joined[2] != '/');
  std::vector<std::string_view> parts;
  std::string_view rest(joined);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string normal = double_root ? "//" : "/";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      normal += '/';
    }
    normal += parts[i];
  }
  return normal;
}

void check_name_part(std::string_view function, std::string_view argument, std::string_view value) {
  if (value.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos) {
    return;
  }
  throw std::invalid_argument("tempfile::" + std::string(function) + ": " + std::string(argument) +
                              " '" + escaped(value) +
                              "' must not contain '/' or NUL (the entry would not be directly "
                              "inside its directory)");
}

void check_path_argument(std::string_view function, std::string_view argument,
                         std::string_view path) {
  if (path.find('\0') == std::string_view::npos) {
    return;
  }
  throw std::invalid_argument("tempfile::" + std::string(function) + ": " + std::string(argument) +
                              " '" + escaped(path) + "': embedded null byte");
}

void check_path_argument(std::string_view function, std::string_view argument,
                         const std::optional<std::filesystem::path>& path) {
  if (path) {
    check_path_argument(function, argument, std::string_view(path->native()));
  }
}

void check_name_length(std::string_view action, std::string_view directory, std::string_view prefix,
                       std::string_view suffix) {
  const std::size_t length = prefix.size() + os::name_length + suffix.size();
  if (length <= os::max_name_length) {
    return;
  }
  std::string sample(directory);
  if (!sample.empty() && sample.back() != '/') {
    sample += '/';
  }
  sample += prefix;
  sample.append(os::name_length, 'X');
  sample += suffix;
  const std::string reason = "File name too long: a name of " + std::to_string(length) +
                             " bytes ('" + escaped(sample) + "', the X's random), the limit is " +
                             std::to_string(os::max_name_length);
  if (directory.empty()) {
    throw error::with_message(
        "tempfile: " + std::string(action) + " the default temporary directory: " + reason,
        std::filesystem::path(), os::to_error_code(ENAMETOOLONG));
  }
  throw error(std::string(action), std::string(directory), sample, os::to_error_code(ENAMETOOLONG),
              reason);
}

}  // namespace tempfile::create
