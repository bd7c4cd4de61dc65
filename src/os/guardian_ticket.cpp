// SPDX-License-Identifier: MIT
// GuardianTicket (os/guardian.hpp), the same on every platform: reserving, guarding, moving and
// withdrawing a ticket. The connection to the guardian is the platform's
// (os/guardian_connection.hpp).
#include "os/guardian.hpp"
#include "os/guardian_connection.hpp"

namespace tempfile::os {

GuardianTicket::GuardianTicket(GuardianTicket&& other) noexcept
    : id_(other.id_), counted_(other.counted_), created_by_(other.created_by_) {
  other.id_ = 0;
  other.counted_ = false;
}

GuardianTicket& GuardianTicket::operator=(GuardianTicket&& other) noexcept {
  if (this != &other) {
    withdraw();
    id_ = other.id_;
    counted_ = other.counted_;
    created_by_ = other.created_by_;
    other.id_ = 0;
    other.counted_ = false;
  }
  return *this;
}

GuardianTicket::~GuardianTicket() {
  withdraw();
}

Errno GuardianTicket::reserve(GuardianTicket& out) noexcept {
  out.withdraw();
  if (const Errno err = guardian::add_ticket(); err != 0) {
    return err;
  }
  out.counted_ = true;
  out.created_by_ = CreatingProcess();
  return 0;
}

Errno GuardianTicket::guard_directory(const char* absolute_path, int root_fd,
                                      const EntryIdentity& identity, GuardianTicket& out) noexcept {
  return out.guard(guardian::MessageKind::guard_directory, absolute_path, root_fd, identity);
}

Errno GuardianTicket::guard_file(const char* absolute_path, const EntryIdentity& identity,
                                 GuardianTicket& out) noexcept {
  return out.guard(guardian::MessageKind::guard_file, absolute_path, -1, identity);
}

Errno GuardianTicket::guard(guardian::MessageKind kind, const char* absolute_path, int fd,
                            const EntryIdentity& identity) noexcept {
  const bool reserved = counted_ && id_ == 0 && created_by_.is_current();
  if (!reserved) {
    withdraw();
  }
  std::uint64_t id = 0;
  if (const Errno err = guardian::send_guard(kind, absolute_path, fd, identity, reserved, id);
      err != 0) {
    return err;
  }
  id_ = id;
  counted_ = true;
  created_by_ = CreatingProcess();
  return 0;
}

void GuardianTicket::withdraw() noexcept {
  if (!counted_) {
    return;
  }
  const std::uint64_t id = id_;
  id_ = 0;
  counted_ = false;
  if (!created_by_.is_current()) {
    return;  // a fork()ed child: the parent's guardian is not this process's to talk to
  }
  guardian::remove_ticket(id);
}

}  // namespace tempfile::os
