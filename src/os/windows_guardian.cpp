// SPDX-License-Identifier: MIT
// os/guardian.hpp on Windows: not built yet. Every request is refused with ENOSYS, so that a
// PseudoTemporaryDirectory (or any object that asks for the guardian) fails at construction
// with a clear error instead of going unguarded. The Windows guardian (a helper process
// waiting on the owner's process handle) is listed in docs/windows.md, "What is left".
#include <cerrno>

#include "os/guardian.hpp"

namespace tempfile::os {

GuardianTicket::GuardianTicket(GuardianTicket&& other) noexcept
    : id_(other.id_), counted_(other.counted_), created_by_(other.created_by_) {
  other.id_ = 0;
  other.counted_ = false;
}

GuardianTicket& GuardianTicket::operator=(GuardianTicket&& other) noexcept {
  if (this != &other) {
    id_ = other.id_;
    counted_ = other.counted_;
    created_by_ = other.created_by_;
    other.id_ = 0;
    other.counted_ = false;
  }
  return *this;
}

GuardianTicket::~GuardianTicket() = default;

Errno GuardianTicket::reserve(GuardianTicket& /*out*/) noexcept {
  return ENOSYS;
}

Errno GuardianTicket::guard_directory(const char* /*absolute_path*/, int /*root_fd*/,
                                      const EntryIdentity& /*identity*/,
                                      GuardianTicket& /*out*/) noexcept {
  return ENOSYS;
}

Errno GuardianTicket::guard_file(const char* /*absolute_path*/, const EntryIdentity& /*identity*/,
                                 GuardianTicket& /*out*/) noexcept {
  return ENOSYS;
}

void GuardianTicket::withdraw() noexcept {
  // No ticket is ever granted here: nothing to withdraw.
  id_ = 0;
  counted_ = false;
}

GuardianStatus guardian_status() noexcept {
  return {};
}

void guardian_prefer_pidfd(bool /*prefer*/) noexcept {}

}  // namespace tempfile::os
