// SPDX-License-Identifier: MIT
// The guardian: one helper process per owner process that removes the entries registered with it
// if the owner ends (SIGKILL, a crash, exec) without withdrawing them first.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "os/entry_identity.hpp"
#include "os/errno.hpp"
#include "os/process.hpp"

namespace tempfile::os::guardian {
/// What the owner and its guardian say to each other; each platform's transport carries it
/// (os/guardian_protocol.hpp, os/windows_guardian_protocol.hpp).
enum class MessageKind : std::uint32_t {
  hello = 1,            // guardian -> owner, once it is ready (POSIX: its pid)
  guard_directory = 2,  // owner -> guardian, with the root's descriptor or handle
  guard_file = 3,       // owner -> guardian
  withdraw = 4,         // owner -> guardian: forget `id`
};
}  // namespace tempfile::os::guardian

namespace tempfile::os {

/// One entry's protection by the guardian; move-only. While a ticket is held, the guardian
/// removes its entry if the process that made the ticket dies (any way, SIGKILL included) or
/// replaces itself with exec(): the owner's objects are gone then. withdraw() (or the
/// destructor) tells the guardian to forget the entry: it closes what it held and never touches
/// that entry again, even if another entry takes its name later.
///
/// The guardian starts with the first ticket of a process (a double fork: it is nobody's zombie;
/// its own session, so the terminal's SIGINT/SIGHUP do not reach it; no descriptor but the two
/// it needs) and exits when the last ticket is withdrawn, or once it has removed what the dead
/// owner left. A ticket made in a child is the child's own (a new guardian watches the child),
/// also in one made by syscall(SYS_fork) or clone(), which forgets its copy of the connection; the
/// parent's tickets do nothing in the child, and the child's copy of the connection is closed at
/// fork, so only the owner's death or exec ends the guardian's wait.
///
/// Death is seen through a pidfd of the owner taken before the guardian starts (no pid-reuse
/// race), or, where the kernel has no pidfd, through the connection itself: a socket end that
/// only the owner holds (close-on-exec, and closed in fork()ed children).
class GuardianTicket {
 public:
  GuardianTicket() noexcept = default;
  GuardianTicket(GuardianTicket&& other) noexcept;
  GuardianTicket& operator=(GuardianTicket&& other) noexcept;
  GuardianTicket(const GuardianTicket&) = delete;
  GuardianTicket& operator=(const GuardianTicket&) = delete;
  /// withdraw().
  ~GuardianTicket();

  /// Makes sure this process's guardian runs (starting it if needed) and counts `out` as one of
  /// its tickets, before the entry it will guard exists: an owner that reserves first and then
  /// creates its entry leaves only the moment between the creation and guard_*() (one message)
  /// unguarded, not the guardian's start (two forks). A reserved ticket that never guards
  /// anything is let go like any other. Returns 0 or the errno of the start.
  [[nodiscard]] static Errno reserve(GuardianTicket& out) noexcept;

  /// Guards the directory `absolute_path`, held open by the caller as `root_fd`
  /// (O_RDONLY|O_DIRECTORY) with identity `identity` (identify_fd of it, taken at creation). A
  /// duplicate of `root_fd` goes to the guardian (SCM_RIGHTS): if it has to act, it removes the
  /// contents through that descriptor, only while it is still `identity` and still has a name,
  /// with the tree remover's rules (no symbolic link followed, no other mount entered, modes
  /// that forbid the walk fixed through descriptors), and the root only while `absolute_path`
  /// still names it. Starts the guardian if none runs for this process (and `out` was not
  /// reserved). Returns 0, or the errno of the step that failed (the ticket then guards nothing,
  /// and stays reserved if it was).
  [[nodiscard]] static Errno guard_directory(const char* absolute_path, int root_fd,
                                             const EntryIdentity& identity,
                                             GuardianTicket& out) noexcept;

  /// Guards the file `absolute_path`, which the guardian unlinks only while the name still
  /// refers to `identity` (remove_file_if_same). Otherwise as guard_directory.
  [[nodiscard]] static Errno guard_file(const char* absolute_path, const EntryIdentity& identity,
                                        GuardianTicket& out) noexcept;

  /// The owner removed (or keeps) the entry itself: the guardian forgets it. Idempotent; in a
  /// child process (not the one that made the ticket) it does nothing.
  void withdraw() noexcept;

  [[nodiscard]] bool active() const noexcept { return id_ != 0; }

 private:
  [[nodiscard]] Errno guard(guardian::MessageKind kind, const char* absolute_path, int fd,
                            const EntryIdentity& identity) noexcept;

  std::uint64_t id_ = 0;  // the entry the guardian knows it by; 0: none (yet)
  bool counted_ = false;  // counted in the process's tickets (reserved or guarding)
  CreatingProcess created_by_;
};

/// What the tests and the cost measurements look at: this process's guardian, if one runs.
struct GuardianStatus {
  pid_t pid = -1;           // -1: no guardian (no ticket alive in this process)
  bool uses_pidfd = false;  // false: death is seen through the connection's end of file
  std::uint64_t tickets = 0;
  std::uint64_t starts = 0;  // guardians started by this process so far
};
[[nodiscard]] GuardianStatus guardian_status() noexcept;

/// Test seam: false makes the next guardians watch the connection instead of a pidfd, as on a
/// kernel without pidfd_open. Default true.
void guardian_prefer_pidfd(bool prefer) noexcept;

}  // namespace tempfile::os
