// SPDX-License-Identifier: MIT
// POSIX path syntax (os/path.hpp): lexical absolute paths and the fixed /tmp candidates.
#include <cstring>

#include "os/path.hpp"
#include "os/sys.hpp"

namespace tempfile::os {

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

Errno absolute_path(std::string_view path, std::string& out) {
  if (is_normal_absolute(path)) {
    out = path;
    return 0;
  }
  std::string joined;
  if (path.empty() || path.front() != '/') {
    if (const Errno err = current_directory(joined); err != 0) {
      return err;
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
  out = std::move(normal);
  return 0;
}

std::vector<std::string> fixed_tempdir_candidates() {
  return {"/tmp", "/var/tmp", "/usr/tmp"};
}

}  // namespace tempfile::os
