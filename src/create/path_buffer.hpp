// SPDX-License-Identifier: MIT
// A path put together for the system calls of one operation (a name beside a target, a
// target's directory): kept on the stack when it fits, as nearly every path does, so that the
// steps every persist() and atomic_write() take allocate nothing for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace tempfile::create {

class PathBuffer {
 public:
  // inline_ is left as it is but for its first byte: filling 512 bytes per path would cost more
  // than the allocation this class avoids.
  PathBuffer() noexcept { inline_[0] = '\0'; }  // NOLINT(cppcoreguidelines-pro-type-member-init)
  explicit PathBuffer(std::string_view text) : PathBuffer() { append(text); }
  // Not copied or moved: data_ may point into the object itself.
  PathBuffer(const PathBuffer&) = delete;
  PathBuffer& operator=(const PathBuffer&) = delete;
  PathBuffer(PathBuffer&&) = delete;
  PathBuffer& operator=(PathBuffer&&) = delete;
  ~PathBuffer() = default;

  /// Makes room for `more` bytes beyond the current text once, so that later appends up to it
  /// copy nothing that is already there.
  void reserve_more(std::size_t more) {
    if (size_ + more >= capacity()) {
      move_to_heap(size_ + more);
    }
  }

  PathBuffer& append(std::string_view text) {
    if (text.empty()) {
      return *this;  // its data() may be null, which memcpy must not be given even for 0 bytes
    }
    reserve_more(text.size());
    std::memcpy(data_ + size_, text.data(), text.size());
    size_ += text.size();
    data_[size_] = '\0';
    return *this;
  }
  PathBuffer& operator+=(std::string_view text) { return append(text); }

  /// Cuts the text back to its first `size` bytes (no more than it has).
  void truncate(std::size_t size) noexcept {
    if (size < size_) {
      size_ = size;
      data_[size_] = '\0';
    }
  }

  [[nodiscard]] const char* c_str() const noexcept { return data_; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::string str() const { return std::string(view()); }

 private:
  // PATH_MAX on Linux is 4096; names built beside a target are the target's length plus a
  // dozen bytes, and nearly all are far shorter than this.
  static constexpr std::size_t inline_capacity = 512;

  [[nodiscard]] std::size_t capacity() const noexcept {
    return data_ == inline_.data() ? inline_.size() : heap_.size();
  }

  void move_to_heap(std::size_t needed) {
    std::string bigger(needed + 1 + needed / 2, '\0');
    std::memcpy(bigger.data(), data_, size_ + 1);
    heap_ = std::move(bigger);
    data_ = heap_.data();
  }

  std::array<char, inline_capacity> inline_;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::string heap_;
  char* data_ = inline_.data();
  std::size_t size_ = 0;
};

}  // namespace tempfile::create
