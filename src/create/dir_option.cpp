// SPDX-License-Identifier: MIT
// DirOption: the `dir` field's value, a path kept without a heap allocation when it is short, or
// a reference to a directory held open by descriptor.
#include <cstring>
#include <utility>

#include "create/held_directory.hpp"
#include "os/path.hpp"
#include "tempfile/options.hpp"

namespace tempfile {

DirOption::DirOption(std::string_view path)
    : kind_(Kind::path),
      normal_absolute_(path.find('\0') == std::string_view::npos && os::is_normal_absolute(path)) {
  if (path.size() <= short_capacity) {
    std::memcpy(short_, path.data(), path.size());
    size_ = static_cast<std::uint32_t>(path.size());
  } else {
    long_.assign(path);
  }
}

DirOption::DirOption(const std::filesystem::path& path)
    : DirOption(std::string_view(os::from_path(path))) {}

DirOption::DirOption(const std::optional<std::filesystem::path>& path) {
  if (path) {
    *this = DirOption(std::string_view(os::from_path(*path)));
  }
}

DirOption::DirOption(const DirOption& other) {
  copy_from(other);
}

DirOption::DirOption(DirOption&& other) noexcept
    : long_(std::move(other.long_)),
      held_(other.held_),
      size_(other.size_),
      kind_(other.kind_),
      normal_absolute_(other.normal_absolute_) {
  std::memcpy(short_, other.short_, size_);
  other.reset();
}

DirOption& DirOption::operator=(const DirOption& other) {
  if (this != &other) {
    copy_from(other);
  }
  return *this;
}

DirOption& DirOption::operator=(DirOption&& other) noexcept {
  if (this != &other) {
    long_ = std::move(other.long_);
    held_ = other.held_;
    size_ = other.size_;
    kind_ = other.kind_;
    normal_absolute_ = other.normal_absolute_;
    std::memcpy(short_, other.short_, size_);
    other.reset();
  }
  return *this;
}

// A moved-from option is no option: gettempdir().
void DirOption::reset() noexcept {
  long_.clear();
  held_ = nullptr;
  size_ = 0;
  kind_ = Kind::none;
  normal_absolute_ = false;
}

void DirOption::copy_from(const DirOption& other) {
  long_ = other.long_;
  held_ = other.held_;
  size_ = other.size_;
  kind_ = other.kind_;
  normal_absolute_ = other.normal_absolute_;
  std::memcpy(short_, other.short_, size_);
}

std::filesystem::path DirOption::path() const {
  if (kind_ == Kind::held) {
    // A holder moved from before the option was made holds nothing: no path to give.
    return held_ != nullptr ? os::to_path(held_->path) : std::filesystem::path();
  }
  return os::to_path(text());
}

}  // namespace tempfile
