// SPDX-License-Identifier: MIT
// The one thing io lets a layer above attach to a file: what happens once its layers are
// closed. The objects layer implements it (NamedTemporaryFile removes its entry); io knows
// nothing of names on disk, registries or removal.
#pragma once

#include <cstddef>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace tempfile::io {

class AfterClose {
 public:
  /// Who closed the file: File::close() (an error may be thrown to its caller), or the
  /// destructor (errors are swallowed: nobody to report to).
  enum class Why : unsigned char { close, destroy };

  AfterClose() = default;
  AfterClose(const AfterClose&) = delete;
  AfterClose& operator=(const AfterClose&) = delete;
  AfterClose(AfterClose&&) = delete;
  AfterClose& operator=(AfterClose&&) = delete;
  virtual ~AfterClose() = default;

  /// Called after the layers were closed (even if closing them failed). A fork()ed child's
  /// destructor only closes and never calls it; an explicit close() in a child does, and the
  /// hook decides what a child may do. May be called more than once (close() and then the
  /// destructor). `name` is the file's name, for messages.
  virtual void closed(Why why, const std::string& name) = 0;
};

/// Where a file keeps its AfterClose: in place when the hook fits (the objects layer's do), else
/// on the heap. A NamedTemporaryFile then costs one allocation fewer than with a unique_ptr.
class AfterCloseSlot {
 public:
  // storage_ is left as it is (see below).
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init,modernize-use-equals-default)
  AfterCloseSlot() noexcept {}
  AfterCloseSlot(const AfterCloseSlot&) = delete;
  AfterCloseSlot& operator=(const AfterCloseSlot&) = delete;
  AfterCloseSlot(AfterCloseSlot&&) = delete;
  AfterCloseSlot& operator=(AfterCloseSlot&&) = delete;
  ~AfterCloseSlot() { reset(); }

  /// Replaces the hook with a `Hook` made from `args` (none if that throws).
  template <class Hook, class... Args>
  Hook& emplace(Args&&... args) {
    static_assert(std::is_base_of_v<AfterClose, Hook>);
    reset();
    Hook* made = nullptr;
    if constexpr (small_enough<Hook> && aligned_enough<Hook>) {
      made = ::new (static_cast<void*>(storage_)) Hook(std::forward<Args>(args)...);
      in_place_ = true;
    } else {
      made = new Hook(std::forward<Args>(args)...);
      in_place_ = false;
    }
    hook_ = made;
    return *made;
  }

  /// Destroys the hook without calling it.
  void reset() noexcept {
    AfterClose* const hook = std::exchange(hook_, nullptr);
    if (hook == nullptr) {
      return;
    }
    if (in_place_) {
      hook->~AfterClose();
    } else {
      delete hook;
    }
  }

  explicit operator bool() const noexcept { return hook_ != nullptr; }
  AfterClose* operator->() const noexcept { return hook_; }

 private:
  static constexpr std::size_t in_place_size = 128;
  // Two conditions on the hook's type, which clang-tidy takes for one repeated.
  template <class Hook>
  static constexpr bool small_enough = sizeof(Hook) <= in_place_size;
  template <class Hook>
  static constexpr bool aligned_enough = alignof(Hook) <= alignof(std::max_align_t);
  // Room for a hook, constructed into only by emplace() and read only through hook_: left as it
  // is (zeroing it would touch two cache lines of every file's state, hook or not).
  alignas(std::max_align_t) std::byte storage_[in_place_size];  // NOLINT(*-avoid-c-arrays)
  AfterClose* hook_ = nullptr;
  bool in_place_ = false;
};

}  // namespace tempfile::io
