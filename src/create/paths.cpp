// SPDX-License-Identifier: MIT
// Lexical absolute paths and prefix/suffix checks for the creation functions.
#include "create/paths.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "create/escape.hpp"
#include "os/path.hpp"
#include "os/random.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::create {

bool is_normal_absolute(std::string_view path) noexcept {
  return os::is_normal_absolute(path);
}

std::string_view parent_of_absolute(std::string_view absolute) noexcept {
  return os::parent_of_absolute(absolute);
}

std::string absolute_path(std::string_view path) {
  std::string absolute;
  if (const os::Errno err = os::absolute_path(path, absolute); err != 0) {
    throw error("cannot resolve relative directory", os::to_path(path), os::to_error_code(err));
  }
  return absolute;
}

void check_name_part(std::string_view function, std::string_view argument, std::string_view value) {
  if (os::first_separator(value) == std::string_view::npos &&
      value.find('\0') == std::string_view::npos) {
    if (const char* problem = os::name_part_problem(value, argument == "prefix");
        problem != nullptr) {
      throw std::invalid_argument("tempfile::" + std::string(function) + ": " +
                                  std::string(argument) + " '" + escaped(value) + "' " + problem);
    }
    return;
  }
  throw std::invalid_argument("tempfile::" + std::string(function) + ": " + std::string(argument) +
                              " '" + escaped(value) + "' must not contain " +
                              std::string(os::separators_shown) +
                              " or NUL (the entry would not be directly inside its directory)");
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
    check_path_argument(function, argument, std::string_view(os::from_path(*path)));
  }
}

std::string lay_out_path(std::string&& storage, std::string_view directory, std::string_view prefix,
                         std::size_t random_room, std::string_view suffix, std::size_t& stem) {
  const bool separator = !directory.empty() && !os::is_separator(directory.back());
  stem = directory.size() + (separator ? 1 : 0);
  // Sized once and filled in place: each append of a std::string is a call of its own.
  std::string path = std::move(storage);
  path.clear();
  path.resize(stem + prefix.size() + random_room + suffix.size());
  char* const out = path.data();
  if (!directory.empty()) {
    std::memcpy(out, directory.data(), directory.size());
  }
  if (separator) {
    out[directory.size()] = os::preferred_separator;
  }
  if (!prefix.empty()) {
    std::memcpy(out + stem, prefix.data(), prefix.size());
  }
  if (!suffix.empty()) {
    std::memcpy(out + stem + prefix.size() + random_room, suffix.data(), suffix.size());
  }
  return path;
}

void check_name_length(std::string_view action, std::string_view directory, std::string_view prefix,
                       std::string_view suffix) {
  const std::size_t length = prefix.size() + os::name_length + suffix.size();
  if (length <= os::max_name_length) {
    return;
  }
  std::string sample(directory);
  if (!sample.empty() && !os::is_separator(sample.back())) {
    sample += os::preferred_separator;
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
  throw error(std::string(action), os::to_path(directory), os::to_path(sample),
              os::to_error_code(ENAMETOOLONG), reason);
}

}  // namespace tempfile::create
