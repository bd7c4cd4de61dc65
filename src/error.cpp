// tempfile::error: filesystem_error with our own what() text.
#include "tempfile/error.hpp"

#include <utility>

namespace tempfile {
namespace {

std::string compose(const std::string& action, const std::filesystem::path& path,
                    std::error_code code, const std::string& detail) {
  std::string message = "tempfile: ";
  message += action;
  message += " '";
  message += path.native();
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

closed_file_error::closed_file_error() : std::logic_error("I/O operation on closed file.") {}
closed_file_error::~closed_file_error() = default;

unsupported_operation::~unsupported_operation() = default;

unicode_error::~unicode_error() = default;

}  // namespace tempfile
