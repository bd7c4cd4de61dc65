// SPDX-License-Identifier: MIT
// A path put together for the system calls of one operation (a name beside a target, a
// target's directory), or kept by an object for its messages: held in place when it fits, as
// nearly every path does, so that the steps every persist() and atomic_write() take, and every
// TemporaryFile made, allocate nothing for it.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace tempfile::create {

/// Text kept in place up to InlineCapacity bytes (a NUL included), on the heap beyond.
template <std::size_t InlineCapacity>
class BasicPathBuffer {
  static_assert(InlineCapacity > 32, "a heap block must never be a short string");

 public:
  // inline_ is left as it is but for its first byte: filling it per path would cost more than
  // the allocation this class avoids.
  BasicPathBuffer() noexcept {  // NOLINT(cppcoreguidelines-pro-type-member-init)
    inline_[0] = '\0';
  }
  explicit BasicPathBuffer(std::string_view text) : BasicPathBuffer() { append(text); }
  BasicPathBuffer(const BasicPathBuffer&) = delete;
  BasicPathBuffer& operator=(const BasicPathBuffer&) = delete;
  // Moved by copying the text in place (data_ points into the object itself) or taking the
  // heap block; the source is left empty.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): inline_ as in the constructor above
  BasicPathBuffer(BasicPathBuffer&& other) noexcept { take_into_empty(other); }
  BasicPathBuffer& operator=(BasicPathBuffer&& other) noexcept {
    if (this != &other) {
      heap_ = std::string();  // empty again: take_into_empty's starting point
      data_ = inline_.data();
      take_into_empty(other);
    }
    return *this;
  }
  ~BasicPathBuffer() = default;

  /// Makes room for `more` bytes beyond the current text once, so that later appends up to it
  /// copy nothing that is already there.
  void reserve_more(std::size_t more) {
    if (size_ + more >= capacity()) {
      move_to_heap(size_ + more);
    }
  }

  BasicPathBuffer& append(std::string_view text) {
    if (text.empty()) {
      return *this;  // its data() may be null, which memcpy must not be given even for 0 bytes
    }
    reserve_more(text.size());
    std::memcpy(data_ + size_, text.data(), text.size());
    size_ += text.size();
    data_[size_] = '\0';
    return *this;
  }
  BasicPathBuffer& operator+=(std::string_view text) { return append(text); }

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
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::string str() const { return std::string(view()); }

 private:
  // Takes `other`'s text into this object, whose heap_ is empty and data_ its inline_.
  void take_into_empty(BasicPathBuffer& other) noexcept {
    size_ = other.size_;
    if (other.data_ == other.inline_.data()) {
      std::memcpy(inline_.data(), other.inline_.data(), size_ + 1);
    } else {
      heap_ = std::move(other.heap_);  // never short: its block moves with it
      data_ = heap_.data();
      other.data_ = other.inline_.data();
    }
    other.inline_[0] = '\0';
    other.size_ = 0;
  }

  [[nodiscard]] std::size_t capacity() const noexcept {
    return data_ == inline_.data() ? InlineCapacity : heap_.size();
  }

  void move_to_heap(std::size_t needed) {
    std::string bigger(needed + 1 + needed / 2, '\0');
    std::memcpy(bigger.data(), data_, size_ + 1);
    heap_ = std::move(bigger);
    data_ = heap_.data();
  }

  std::array<char, InlineCapacity> inline_;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::string heap_;
  char* data_ = inline_.data();
  std::size_t size_ = 0;
};

// PATH_MAX on Linux is 4096; names built beside a target are the target's length plus a dozen
// bytes, and nearly all are far shorter than 512.
using PathBuffer = BasicPathBuffer<512>;

}  // namespace tempfile::create
