// SPDX-License-Identifier: MIT
// TEMPORARY stub of os/guardian.hpp so PseudoTemporaryFile builds before the real guardian lands:
// tickets are handed out but nobody guards anything. The coordinator drops this commit.
#include "os/guardian.hpp"

#include <atomic>

namespace tempfile::os {
namespace {
std::atomic<std::uint64_t> next_id{1};
}  // namespace

GuardianTicket::GuardianTicket(GuardianTicket&& other) noexcept
    : id_(other.id_), created_by_(other.created_by_) {
  other.id_ = 0;
}
GuardianTicket& GuardianTicket::operator=(GuardianTicket&& other) noexcept {
  if (this != &other) {
    withdraw();
    id_ = other.id_;
    created_by_ = other.created_by_;
    other.id_ = 0;
  }
  return *this;
}
GuardianTicket::~GuardianTicket() { withdraw(); }

Errno GuardianTicket::guard_directory(const char*, int, const EntryIdentity&,
                                      GuardianTicket& out) noexcept {
  out.id_ = next_id++;
  out.created_by_ = CreatingProcess();
  return 0;
}
Errno GuardianTicket::guard_file(const char*, const EntryIdentity&, GuardianTicket& out) noexcept {
  out.id_ = next_id++;
  out.created_by_ = CreatingProcess();
  return 0;
}
void GuardianTicket::withdraw() noexcept {
  if (created_by_.is_current()) {
    id_ = 0;
  }
}
GuardianStatus guardian_status() noexcept { return {}; }
void guardian_prefer_pidfd(bool) noexcept {}

}  // namespace tempfile::os
