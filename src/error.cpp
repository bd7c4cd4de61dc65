// SPDX-License-Identifier: MIT
// tempfile::error: filesystem_error with our own what() text.
#include "tempfile/error.hpp"

#include <string>
#include <utility>
#include <vector>

#include "create/escape.hpp"
#include "os/path.hpp"

namespace tempfile {
namespace {

std::string compose(const std::string& action, const std::filesystem::path& path,
                    std::error_code code, const std::string& detail) {
  std::string message = "tempfile: ";
  message += action;
  message += " '";
  create::append_escaped(message, os::from_path(path));
  message += "': ";
  message += detail.empty() ? code.message() : detail;
  return message;
}

}  // namespace

error::error(const std::string& action, const std::filesystem::path& path1, std::error_code code,
             const std::string& detail)
    : error(action, path1, std::filesystem::path(), code, detail) {}

error::error(const std::string& action, const std::filesystem::path& path1,
             const std::filesystem::path& path2, std::error_code code, const std::string& detail)
    : error(raw_message{}, compose(action, path1, code, detail), path1, path2, code) {}

error::error(raw_message /*tag*/, std::string message, const std::filesystem::path& path1,
             const std::filesystem::path& path2, std::error_code code)
    : std::filesystem::filesystem_error(message, path1, path2, code),
      message_(std::move(message)) {}

error error::with_message(std::string message, const std::filesystem::path& path1,
                          std::error_code code) {
  return {raw_message{}, std::move(message), path1, std::filesystem::path(), code};
}

const char* error::what() const noexcept {
  return message_.c_str();
}

namespace {

std::string describe_failures(const std::vector<cleanup_error::failure>& failures) {
  std::string text = std::to_string(failures.size());
  text += failures.size() == 1 ? " entry left: " : " entries left: ";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i > 0) {
      text += ", ";
    }
    text += '\'';
    create::append_escaped(text, os::from_path(failures[i].path));
    text += "' (";
    text += failures[i].reason.empty() ? failures[i].code.message() : failures[i].reason;
    text += ')';
  }
  return text;
}

std::error_code first_code(const std::vector<cleanup_error::failure>& failures) {
  return failures.empty() ? std::error_code() : failures.front().code;
}

}  // namespace

cleanup_error::cleanup_error(const std::filesystem::path& directory, std::vector<failure> failures)
    : error("cannot remove temporary directory", directory, first_code(failures),
            describe_failures(failures)),
      failures_(std::move(failures)) {}
cleanup_error::~cleanup_error() = default;

closed_file_error::closed_file_error() : std::logic_error("I/O operation on closed file.") {}
closed_file_error::~closed_file_error() = default;

unsupported_operation::~unsupported_operation() = default;

unicode_error::~unicode_error() = default;

}  // namespace tempfile
