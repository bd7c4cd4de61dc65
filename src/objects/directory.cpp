// SPDX-License-Identifier: MIT
// tempfile::Directory: a directory opened once and held by descriptor for the `dir` option.
#include "tempfile/directory.hpp"

#include <stdexcept>
#include <string>

#include "create/held_directory.hpp"
#include "create/paths.hpp"
#include "os/fd.hpp"
#include "os/no_value.hpp"
#include "os/path.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile {

struct Directory::State {
  os::PathText path;  // as path() gives it, and as UTF-8 text (on POSIX one string)
  os::FileDescriptor fd;
  detail::HeldDirectory held;
};

Directory::Directory(const std::filesystem::path& path) : state_(std::make_unique<State>()) {
  create::check_path_argument("Directory", "path", std::string_view(os::from_path(path)));
  if (path.empty()) {
    throw std::invalid_argument("tempfile::Directory: path '' is empty");
  }
  State& s = *state_;
  s.path = os::PathText(create::absolute_path(os::from_path(path)));
  if (const os::Errno err =
          os::open_directory_handle(os::current_directory_fd, s.path.text().c_str(), s.fd);
      err != 0) {
    throw error("cannot open directory", s.path.path(), os::to_error_code(err));
  }
  s.held = {s.fd.get(), s.path.text()};
}

Directory::Directory(Directory&& other) noexcept = default;
Directory& Directory::operator=(Directory&& other) noexcept = default;
Directory::~Directory() = default;

const std::filesystem::path& Directory::path() const noexcept {
  return state_ ? state_->path.path() : os::no_path();
}

int Directory::native_handle() const noexcept {
  return state_ ? state_->fd.get() : -1;
}

DirOption::DirOption(const Directory& directory) noexcept
    : held_(directory.state_ ? &directory.state_->held : nullptr), kind_(Kind::held) {}

}  // namespace tempfile
