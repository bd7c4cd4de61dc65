// SPDX-License-Identifier: MIT
// POSIX path syntax (os/path.hpp): lexical absolute paths and the fixed /tmp candidates.
#include <cstdint>
#include <cstring>

#include "os/path.hpp"
#include "os/sys.hpp"

namespace tempfile::os {

namespace {

constexpr std::uint64_t every_byte = 0x0101010101010101ULL;
constexpr std::uint64_t low_seven_bits = 0x7f7f7f7f7f7f7f7fULL;

// The high bit of each byte of `word` that equals `byte`, and no other bit: exact for every
// byte (the sum stays within each byte, so no borrow or carry crosses into the next).
constexpr std::uint64_t bytes_equal(std::uint64_t word, unsigned char byte) noexcept {
  const std::uint64_t x = word ^ (every_byte * byte);
  return ~(((x & low_seven_bits) + low_seven_bits) | x | low_seven_bits);
}

std::uint64_t load_eight(const char* at) noexcept {
  std::uint64_t word = 0;
  std::memcpy(&word, at, sizeof(word));
  return word;
}

// Whether some '/' among the eight bytes at `at` is followed by '/' or '.': byte k of `here`
// and of `next` are at[k] and at[k + 1], whatever the byte order.
std::uint64_t slash_before_slash_or_dot(const char* at) noexcept {
  const std::uint64_t here = load_eight(at);
  const std::uint64_t next = load_eight(at + 1);
  return bytes_equal(here, '/') & (bytes_equal(next, '/') | bytes_equal(next, '.'));
}

// The exact rule from `start` (just after the root's '/') to `end`: each component between
// slashes is neither empty, "." nor "..".
bool components_are_normal(const char* start, const char* const end) noexcept {
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

}  // namespace

bool is_normal_absolute(std::string_view path) noexcept {
  const std::size_t size = path.size();
  if (size == 0 || path.front() != '/') {
    return false;
  }
  if (size == 1) {
    return true;
  }
  if (path.back() == '/') {
    return false;  // an empty last component
  }
  // Every creation and persist asks. A component can only be empty, "." or ".." where a '/' is
  // followed by '/' or '.'; a path with no such pair (nearly every one) is normal, and that is
  // looked for eight pairs at a time. A pair found (a hidden file's "/.x" will do) is settled
  // by the exact rule.
  const char* const text = path.data();
  std::uint64_t suspicious = 0;
  if (size >= 9) {
    std::size_t at = 0;
    for (; at + 9 <= size; at += 8) {
      suspicious |= slash_before_slash_or_dot(text + at);
    }
    if (at + 1 < size) {
      suspicious |= slash_before_slash_or_dot(text + size - 9);  // the last pairs, overlapping
    }
  } else {
    for (std::size_t at = 0; at + 1 < size; ++at) {
      suspicious |= static_cast<std::uint64_t>(text[at] == '/' &&
                                               (text[at + 1] == '/' || text[at + 1] == '.'));
    }
  }
  return suspicious == 0 || components_are_normal(text + 1, text + size);
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
