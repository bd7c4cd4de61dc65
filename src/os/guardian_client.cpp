// SPDX-License-Identifier: MIT
// The owner's side of the guardian on POSIX (os/guardian_connection.hpp): starting it (double
// fork, pidfd first), registering and withdrawing entries over the socket pair, and letting go
// of it in fork()ed children. The tickets are os/guardian_ticket.cpp.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX, not <csignal>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>  // NOLINT(modernize-deprecated-headers): nanosleep is POSIX, not <ctime>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "os/fd.hpp"
#include "os/fork_handlers.hpp"
#include "os/guardian.hpp"
#include "os/guardian_connection.hpp"
#include "os/guardian_protocol.hpp"
#include "os/never_destroyed.hpp"
#include "os/platform.hpp"
#include "os/process.hpp"
#include "os/process_lock.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <sys/syscall.h>
#endif

#if defined(__SANITIZE_THREAD__)
#  define TEMPFILE_THREAD_SANITIZER 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define TEMPFILE_THREAD_SANITIZER 1
#  endif
#endif
#ifndef TEMPFILE_THREAD_SANITIZER
#  define TEMPFILE_THREAD_SANITIZER 0
#endif

namespace tempfile::os {
namespace {

// How long a new guardian may take to say it is ready.
constexpr int hello_timeout_ms = 10'000;

// How long a registration waits for the guardian to take descriptors already in flight when the
// kernel's per-user cap on them is reached (see send_message).
constexpr long max_in_flight_wait_us = 5'000'000;

// This process's connection to its guardian. One per process by design: the guardian is shared
// by every ticket, and a fork()ed child starts from nothing (on_fork_in_child).
struct Connection {
  constexpr Connection() noexcept = default;
  ProcessLock lock;
  FileDescriptor socket;  // the owner's end; invalid: no guardian
  pid_t owner = -1;       // the process that started the guardian `socket` leads to
  pid_t guardian = -1;
  bool uses_pidfd = false;
  std::uint64_t tickets = 0;
  std::uint64_t starts = 0;
  std::uint64_t next_id = 1;
};

// Constant-initialized and never destroyed (os/never_destroyed.hpp). Not destroyed at exit:
// threads still running then may hold tickets, and closing the connection would make the
// guardian remove their directories under them.
constinit NeverDestroyed<Connection> the_connection;

Connection& connection() noexcept {
  return the_connection.value;
}

std::atomic<bool> prefer_pidfd{true};

// Set on the thread that forks a guardian: the fork handlers below leave the connection to it.
thread_local bool starting_guardian = false;

// Forgets a connection that is another process's: one whose lock this process took over (a
// fork() that ran no handlers copied it held, possibly half changed), or that a child made by
// syscall(SYS_fork) or clone() copied. Never closes the socket: its number may be stale in such a
// copy, or, after clone(CLONE_FILES), still the parent's own descriptor. The copy (close-on-exec)
// then stays open until this process execs or exits.
void forget_connection(Connection& c) noexcept {
  static_cast<void>(c.socket.release());
  c.owner = -1;
  c.guardian = -1;
  c.tickets = 0;
  c.uses_pidfd = false;
}

// Takes the lock, and forgets the connection if it is another process's.
void lock_as_this_process(Connection& c) noexcept {
  const bool taken_over = c.lock.lock_noting_takeover();
  if (taken_over || (c.socket.valid() && c.owner != process_id())) {
    forget_connection(c);
  }
}

// fork() in this process: the connection is locked across it, so a child never sees it half
// changed, and the child lets go of its copy: the parent's guardian is not the child's, and the
// child must not keep the parent's connection open (its end of file is what tells the guardian
// the parent exec()ed or died, where there is no pidfd). Children made without fork()
// (syscall(SYS_fork), clone()) keep the copy until they exec or exit, and never use it
// (lock_as_this_process).
void before_fork() noexcept {
  if (!starting_guardian) {
    lock_as_this_process(connection());
  }
}

void after_fork_in_parent() noexcept {
  if (!starting_guardian) {
    connection().lock.unlock();
  }
}

void after_fork_in_child() noexcept {
  if (starting_guardian) {
    return;  // the middle process of our own double fork, which only forks and exits
  }
  Connection& c = connection();
  static_cast<void>(c.socket.close());
  c.guardian = -1;
  c.owner = -1;
  c.tickets = 0;
  c.uses_pidfd = false;
  c.lock.unlock();
}

using ConnectionForkHandlers =
    ForkHandlers<&before_fork, &after_fork_in_parent, &after_fork_in_child>;

// The connection, locked, and this process's own. Its fork handlers come first, before the lock
// is ever taken: a lock taken before them would let another thread's fork() copy it held. A
// fork() already under way when they were registered runs none of them all the same; its child
// takes the lock over (os/process_lock.hpp).
[[nodiscard]] Errno lock_connection(std::unique_lock<ProcessLock>& held) noexcept {
  if (const int err = ConnectionForkHandlers::ensure_registered(); err != 0) {
    return err;
  }
  Connection& c = connection();
  lock_as_this_process(c);
  held = std::unique_lock<ProcessLock>(c.lock, std::adopt_lock);
  return 0;
}

// A pidfd of this very process: a guardian that inherits it sees this process die, and cannot
// be fooled by another process that gets the same pid later. ENOSYS where there is none.
Errno open_own_pidfd(FileDescriptor& out) noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && defined(SYS_pidfd_open)
  const long fd = ::syscall(SYS_pidfd_open, process_id(), 0);
  if (fd < 0) {
    return errno;
  }
  out = FileDescriptor(static_cast<int>(fd));
  return 0;
#else
  static_cast<void>(out);
  return ENOSYS;
#endif
}

// The fork that makes the guardian's processes. On Linux without sanitizers it is _Fork (glibc
// 2.34) or a raw clone: no fork handlers run in the child, which only makes system calls until
// it exits (the middle process) or for its whole life (the guardian). The portable build and
// ThreadSanitizer use fork(): the portable guardian allocates when it removes, which fork()
// makes safe on the C libraries it targets, and ThreadSanitizer must see the fork to keep its
// own locks consistent.
pid_t fork_quietly() noexcept {
#if TEMPFILE_LINUX_FAST_PATHS && !TEMPFILE_THREAD_SANITIZER
#  if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return ::_Fork();
#  else
  return static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
#  endif
#else
  return ::fork();
#endif
}

// Waits for the guardian's hello: it is ready (signals set, descriptors closed), and its pid.
Errno await_hello(int socket, pid_t& guardian) noexcept {
  pollfd watched{socket, POLLIN, 0};
  int ready = 0;
  do {
    ready = ::poll(&watched, 1, hello_timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) {
    return errno;
  }
  if (ready == 0) {
    return ETIMEDOUT;
  }
  guardian::Message hello;
  ssize_t got = 0;
  do {
    got = ::recv(socket, &hello, sizeof(hello), 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    return errno;
  }
  if (got == 0 || hello.kind != guardian::MessageKind::hello) {
    return ECHILD;  // it did not come up
  }
  guardian = static_cast<pid_t>(hello.pid);
  return 0;
}

// Starts this process's guardian. `c.lock` is held.
Errno start_guardian(Connection& c) noexcept {
  int ends[2] = {-1, -1};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    return errno;
  }
  FileDescriptor ours(ends[0]);
  FileDescriptor theirs(ends[1]);
  FileDescriptor pidfd;
  const bool uses_pidfd =
      prefer_pidfd.load(std::memory_order_relaxed) && open_own_pidfd(pidfd) == 0;

  // No signal handler of ours may run in the children before the guardian resets them.
  sigset_t all;
  sigset_t saved;
  sigfillset(&all);
  if (const int err = ::pthread_sigmask(SIG_SETMASK, &all, &saved); err != 0) {
    return err;
  }
  starting_guardian = true;
  const pid_t middle = fork_quietly();
  if (middle == 0) {
    // The middle process: a new session (no terminal, not in the owner's process group), then
    // the guardian, then gone, so the guardian is adopted and never the owner's zombie.
    static_cast<void>(::setsid());
    const pid_t guardian_pid = fork_quietly();
    if (guardian_pid == 0) {
      guardian::run(theirs.get(), pidfd.get());
    }
    ::_exit(guardian_pid < 0 ? 1 : 0);
  }
  const Errno fork_error = middle < 0 ? errno : 0;
  starting_guardian = false;
  static_cast<void>(::pthread_sigmask(SIG_SETMASK, &saved, nullptr));
  if (fork_error != 0) {
    return fork_error;
  }
  static_cast<void>(theirs.close());
  static_cast<void>(pidfd.close());
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  // ECHILD (SIGCHLD ignored, or reaped by the application's own handler) is fine: the middle
  // process is gone either way; the hello below says whether the guardian came up.
  pid_t guardian_pid = -1;
  if (const Errno err = await_hello(ours.get(), guardian_pid); err != 0) {
    return err;
  }
  c.socket = std::move(ours);
  c.owner = process_id();
  c.guardian = guardian_pid;
  c.uses_pidfd = uses_pidfd;
  ++c.starts;
  return 0;
}

// Sends `message` (with `fd`, unless -1). `c.lock` is held.
Errno send_message(Connection& c, const guardian::Message& message, int fd) noexcept {
  iovec io{const_cast<guardian::Message*>(&message), message.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  if (fd >= 0) {
    header.msg_control = control.data();
    header.msg_controllen = control.size();
    cmsghdr* part = CMSG_FIRSTHDR(&header);
    part->cmsg_level = SOL_SOCKET;
    part->cmsg_type = SCM_RIGHTS;
    part->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(part), &fd, sizeof(int));
  }
  ssize_t sent = 0;
  long waited_us = 0;
  long pause_us = 20;
  for (;;) {
    sent = ::sendmsg(c.socket.get(), &header, MSG_NOSIGNAL);
    if (sent >= 0) {
      break;
    }
    if (errno == EINTR) {
      continue;
    }
    // ETOOMANYREFS: the kernel caps the descriptors a user has in flight (sent, not yet received)
    // at the sender's soft descriptor limit. An owner registering entries faster than the
    // guardian takes them, or with a low limit, meets that cap; the guardian drains its queue in
    // microseconds, so wait for it, within a bound, rather than fail a registration.
    if (errno != ETOOMANYREFS || fd < 0 || waited_us >= max_in_flight_wait_us) {
      return errno;
    }
    const timespec pause{0, pause_us * 1000};
    static_cast<void>(::nanosleep(&pause, nullptr));
    waited_us += pause_us;
    pause_us = pause_us < 10'000 ? pause_us * 2 : pause_us;
  }
  return sent == static_cast<ssize_t>(message.size()) ? 0 : EMSGSIZE;
}

// The last ticket is gone: closing our end tells the guardian to exit (nothing is registered).
void let_go_if_unused(Connection& c) noexcept {
  if (c.tickets == 0 && c.socket.valid()) {
    static_cast<void>(c.socket.close());
    c.guardian = -1;
  }
}

// Starts the guardian if none runs. `c.lock` is held.
Errno ensure_started(Connection& c) noexcept {
  return c.socket.valid() ? 0 : start_guardian(c);
}

}  // namespace

namespace guardian {

Errno add_ticket() noexcept {
  std::unique_lock<ProcessLock> held;
  if (const Errno err = lock_connection(held); err != 0) {
    return err;
  }
  Connection& c = connection();
  if (const Errno err = ensure_started(c); err != 0) {
    return err;
  }
  ++c.tickets;
  return 0;
}

Errno send_guard(MessageKind kind, const char* absolute_path, int fd, const EntryIdentity& identity,
                 bool counted, std::uint64_t& id) noexcept {
  const std::size_t length = std::strlen(absolute_path);
  if (length > guardian::max_path) {
    return ENAMETOOLONG;
  }
  Message message;
  message.kind = kind;
  message.path_length = static_cast<std::uint32_t>(length);
  message.identity = identity;
  std::memcpy(message.path.data(), absolute_path, length);

  std::unique_lock<ProcessLock> held;
  if (const Errno err = lock_connection(held); err != 0) {
    return err;
  }
  Connection& c = connection();
  message.id = c.next_id++;
  // Two tries: a guardian that died (killed by someone) is replaced by a new one.
  Errno err = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (err = ensure_started(c); err != 0) {
      break;
    }
    err = send_message(c, message, fd);
    if (err == 0) {
      if (!counted) {
        ++c.tickets;
      }
      id = message.id;
      return 0;
    }
    if (err != EPIPE && err != ECONNRESET) {
      break;
    }
    static_cast<void>(c.socket.close());  // the old guardian is gone
    c.guardian = -1;
  }
  let_go_if_unused(c);
  return err;
}

void remove_ticket(std::uint64_t id) noexcept {
  std::unique_lock<ProcessLock> held;
  if (lock_connection(held) != 0) {
    return;  // no handlers, so no ticket was ever counted
  }
  Connection& c = connection();
  if (c.tickets == 0) {
    return;
  }
  if (id != 0 && c.socket.valid()) {
    Message message;
    message.kind = MessageKind::withdraw;
    message.id = id;
    // A failure means the guardian is gone, and with it everything it would have removed.
    static_cast<void>(send_message(c, message, -1));
  }
  --c.tickets;
  let_go_if_unused(c);
}

}  // namespace guardian

GuardianStatus guardian_status() noexcept {
  std::unique_lock<ProcessLock> held;
  if (lock_connection(held) != 0) {
    return {-1, false, 0, 0};  // no handlers, so no guardian was ever started
  }
  Connection& c = connection();
  return {c.socket.valid() ? c.guardian : -1, c.uses_pidfd, c.tickets, c.starts};
}

void guardian_prefer_pidfd(bool prefer) noexcept {
  prefer_pidfd.store(prefer, std::memory_order_relaxed);
}

}  // namespace tempfile::os
