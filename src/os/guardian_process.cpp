// SPDX-License-Identifier: MIT
// The guardian process itself: a fork of its owner that keeps the entries the owner registers
// and removes them if the owner dies or execs. In the Linux build it makes only async-signal-safe
// calls on memory it maps itself, for its whole life: it may be the fork of a multi-threaded
// program, whose locks (malloc's among them) may be held by threads that do not exist here.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX, not <csignal>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <vector>

#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/guardian_protocol.hpp"
#include "os/platform.hpp"
#include "os/remove_tree.hpp"
#include "os/remove_tree_signal.hpp"

#if TEMPFILE_LINUX_FAST_PATHS
#  include <sys/prctl.h>
#  include <sys/syscall.h>
#endif

namespace tempfile::os::guardian {
namespace {

// How deep the guardian's walk goes (one descriptor and about 8 KiB per level, mapped only when
// a directory has to be removed). Deeper entries are left.
constexpr std::size_t walk_depth = 256;

// One registered entry. The path is kept whole (no allocation), so the table is mapped memory.
struct Guarded {
  std::uint64_t id = 0;
  MessageKind kind{};
  int fd = -1;  // the directory's root descriptor; -1 for a file
  EntryIdentity identity{};
  std::array<char, max_path + 1> path{};
};

// The registered entries: a table in anonymous memory that doubles when full.
struct Table {
  Guarded* entries = nullptr;
  std::size_t count = 0;
  std::size_t capacity = 0;

  bool grow() noexcept {
    const std::size_t wanted = capacity == 0 ? 16 : capacity * 2;
    void* memory = ::mmap(nullptr, wanted * sizeof(Guarded), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      return false;
    }
    auto* grown = static_cast<Guarded*>(memory);
    for (std::size_t i = 0; i < count; ++i) {
      new (&grown[i]) Guarded(entries[i]);
    }
    if (entries != nullptr) {
      ::munmap(entries, capacity * sizeof(Guarded));
    }
    entries = grown;
    capacity = wanted;
    return true;
  }
};

void close_quietly(int fd) noexcept {
  if (fd >= 0) {
    ::close(fd);
  }
}

// Closes every descriptor in [first, last]: close_range where the kernel has it, else one by
// one up to the descriptor limit.
void close_descriptors(unsigned first, unsigned last) noexcept {
  if (first > last) {
    return;
  }
#if TEMPFILE_LINUX_FAST_PATHS && defined(SYS_close_range)
  if (::syscall(SYS_close_range, first, last, 0) == 0) {
    return;
  }
#endif
  struct rlimit limit {};
  unsigned end = 65536;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < end) {
    end = static_cast<unsigned>(limit.rlim_cur);
  }
  for (unsigned fd = first; fd <= last && fd < end; ++fd) {
    ::close(static_cast<int>(fd));
  }
}

// Keeps `a` and `b` (either may be -1) and closes every other descriptor, 0 to 2 included,
// which then refer to /dev/null: the guardian holds nothing of its owner's (a terminal, the
// write end of a pipe somebody waits on, a lock).
void keep_only(int a, int b) noexcept {
  const auto low = static_cast<unsigned>(a < b ? a : b);
  const auto high = static_cast<unsigned>(a < b ? b : a);
  if (a < 0 || b < 0) {
    const auto only = static_cast<unsigned>(a < 0 ? b : a);
    close_descriptors(0, only - 1);
    close_descriptors(only + 1, UINT_MAX);
  } else {
    close_descriptors(0, low - 1);
    close_descriptors(low + 1, high - 1);
    close_descriptors(high + 1, UINT_MAX);
  }
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    for (int standard = 0; standard <= 2; ++standard) {
      if (standard != null) {
        ::dup2(null, standard);
      }
    }
    if (null > 2) {
      ::close(null);
    }
  }
}

// Moves `fd` to a number above the standard descriptors, so that /dev/null can take 0 to 2.
int above_standard(int fd) noexcept {
  if (fd < 0 || fd > 2) {
    return fd;
  }
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  return moved >= 0 ? moved : fd;
}

// Signals: the terminal's (SIGINT, SIGHUP, SIGQUIT, job control) and SIGPIPE are ignored; every
// other one gets its default action (the owner's handlers are not ours to run), and none is
// blocked. A new session (made by the middle process of the double fork) keeps the terminal's
// signals away too; ignoring them also covers a kill() aimed at the old process group.
void reset_signals() noexcept {
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number == SIGKILL || signal_number == SIGSTOP) {
      continue;
    }
    struct sigaction action {};
    sigemptyset(&action.sa_mask);
    const bool ignored = signal_number == SIGINT || signal_number == SIGHUP ||
                         signal_number == SIGQUIT || signal_number == SIGTSTP ||
                         signal_number == SIGTTIN || signal_number == SIGTTOU ||
                         signal_number == SIGPIPE;
    action.sa_handler = ignored ? SIG_IGN : SIG_DFL;
    static_cast<void>(::sigaction(signal_number, &action, nullptr));  // EINVAL for reserved ones
  }
  sigset_t none;
  sigemptyset(&none);
  // The guardian has one thread: sigprocmask is its whole mask.
  static_cast<void>(::sigprocmask(SIG_SETMASK, &none, nullptr));  // NOLINT(concurrency-mt-unsafe)
}

// The guardian holds one descriptor per directory it guards, and its walk needs one per level
// on top of those. Its soft limit is the owner's at the start, which the owner may raise later
// (a directory whose descriptor the guardian cannot receive would go unguarded while its owner
// believes it guarded), and registrations must not eat the walk's depth: take the hard limit,
// or at least what a walk of walk_depth levels needs.
void allow_many_descriptors() noexcept {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur == limit.rlim_max) {
    return;
  }
  const rlim_t soft = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    return;
  }
  // An infinite hard limit is more than the kernel takes as a soft one.
  constexpr rlim_t wanted = walk_depth + 16;
  if (soft < wanted) {
    limit.rlim_cur = wanted;
    static_cast<void>(::setrlimit(RLIMIT_NOFILE, &limit));
  }
}

void name_the_process() noexcept {
#if TEMPFILE_LINUX_FAST_PATHS
  // What ps and /proc/<pid>/comm show (15 characters at most).
  static_cast<void>(::prctl(PR_SET_NAME, "tempfile-guard", 0, 0, 0));
#endif
}

bool say_hello(int connection) noexcept {
  Message hello;
  hello.kind = MessageKind::hello;
  hello.pid = ::getpid();
  return ::send(connection, &hello, hello.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(hello.size());
}

// Receives one message (and the descriptor that came with it, or -1). Returns the message's
// size, 0 at the connection's end, -1 for "nothing to read now" or an error worth retrying.
ssize_t receive(int connection, Message& message, int& fd, int flags) noexcept {
  fd = -1;
  iovec io{&message, sizeof(Message)};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = control.data();
  header.msg_controllen = control.size();
  const ssize_t got = ::recvmsg(connection, &header, flags | MSG_CMSG_CLOEXEC);
  if (got <= 0) {
    return got;
  }
  for (cmsghdr* part = CMSG_FIRSTHDR(&header); part != nullptr; part = CMSG_NXTHDR(&header, part)) {
    if (part->cmsg_level == SOL_SOCKET && part->cmsg_type == SCM_RIGHTS &&
        part->cmsg_len >= CMSG_LEN(sizeof(int))) {
      std::memcpy(&fd, CMSG_DATA(part), sizeof(int));
    }
  }
  const bool malformed = (header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
                         static_cast<std::size_t>(got) < offsetof(Message, path) ||
                         message.path_length > max_path ||
                         static_cast<std::size_t>(got) != message.size();
  if (malformed) {
    close_quietly(fd);
    fd = -1;
    message.kind = MessageKind{};  // ignored
  }
  return got;
}

void withdraw(Table& table, std::uint64_t id) noexcept {
  for (std::size_t i = 0; i < table.count; ++i) {
    if (table.entries[i].id == id) {
      close_quietly(table.entries[i].fd);
      table.entries[i] = table.entries[table.count - 1];
      --table.count;
      return;
    }
  }
}

void handle(Table& table, const Message& message, int fd) noexcept {
  const bool guard =
      message.kind == MessageKind::guard_directory || message.kind == MessageKind::guard_file;
  if (message.kind == MessageKind::withdraw) {
    withdraw(table, message.id);
  }
  if (!guard || (message.kind == MessageKind::guard_directory && fd < 0) ||
      (table.count == table.capacity && !table.grow())) {
    close_quietly(fd);  // nothing this guardian can keep (out of memory: the owner is unguarded)
    return;
  }
  Guarded& entry = table.entries[table.count++];
  entry.id = message.id;
  entry.kind = message.kind;
  entry.fd = message.kind == MessageKind::guard_directory ? fd : -1;
  if (message.kind != MessageKind::guard_directory) {
    close_quietly(fd);
  }
  entry.identity = message.identity;
  std::memcpy(entry.path.data(), message.path.data(), message.path_length);
  entry.path[message.path_length] = '\0';
}

// A directory of the dead owner, through the descriptor it gave: only while that descriptor is
// still the directory it registered and the directory still has a name (the owner may have
// removed it just before dying, and another directory may have its name now: that one is never
// touched). No "rmdir the name first" shortcut for the same reason.
void remove_directory(const Guarded& entry, std::span<WalkLevel>& levels) noexcept {
  EntryIdentity now;
  std::uint64_t links = 0;
  if (identify_fd(entry.fd, now, links) != 0 || !(now == entry.identity) || links == 0) {
    return;
  }
#if TEMPFILE_LINUX_FAST_PATHS
  if (levels.empty()) {
    void* memory = ::mmap(nullptr, walk_depth * sizeof(WalkLevel), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      return;
    }
    auto* first = static_cast<WalkLevel*>(memory);
    for (std::size_t i = 0; i < walk_depth; ++i) {
      new (&first[i]) WalkLevel();
    }
    levels = std::span<WalkLevel>(first, walk_depth);
  }
  static_cast<void>(walk_and_remove_with(levels, entry.path.data(), entry.fd, entry.identity));
#else
  // The portable build has no allocation-free way to list a directory (readdir allocates), so
  // its guardian uses the library's tree remover. Its guardian was started with fork(), which
  // makes malloc usable in the child on the C libraries it targets (guardian_client.cpp).
  static_cast<void>(levels);
  try {
    std::vector<RemovalFailure> ignored;
    static_cast<void>(
        remove_tree_at(AT_FDCWD, entry.path.data(), entry.fd, entry.identity, ignored));
  } catch (...) {  // NOLINT(bugprone-empty-catch): nobody to report to
  }
#endif
}

void remove_everything(Table& table) noexcept {
  std::span<WalkLevel> levels;
  for (std::size_t i = 0; i < table.count; ++i) {
    const Guarded& entry = table.entries[i];
    if (entry.kind == MessageKind::guard_directory) {
      remove_directory(entry, levels);
    } else {
      static_cast<void>(remove_file_if_same(entry.path.data(), entry.identity));
    }
    close_quietly(entry.fd);
  }
  table.count = 0;
}

}  // namespace

void run(int connection, int owner_pidfd) noexcept {
  reset_signals();
  static_cast<void>(::chdir("/"));  // holds no mount busy
  name_the_process();
  connection = above_standard(connection);
  owner_pidfd = above_standard(owner_pidfd);
  keep_only(connection, owner_pidfd);
  allow_many_descriptors();
  if (!say_hello(connection)) {
    ::_exit(1);
  }
  Table table;
  Message message;
  for (;;) {
    std::array<pollfd, 2> watched{};
    watched[0] = {connection, POLLIN, 0};
    watched[1] = {owner_pidfd, POLLIN, 0};
    const nfds_t count = owner_pidfd >= 0 ? 2 : 1;
    if (::poll(watched.data(), count, -1) < 0) {
      continue;  // EINTR; nothing else can fail here
    }
    if (count == 2 && watched[1].revents != 0) {
      // The owner is dead. Whatever it sent before dying is queued: take it all, then act.
      int fd = -1;
      while (receive(connection, message, fd, MSG_DONTWAIT) > 0) {
        handle(table, message, fd);
      }
      break;
    }
    if (watched[0].revents == 0) {
      continue;
    }
    int fd = -1;
    const ssize_t got = receive(connection, message, fd, MSG_DONTWAIT);
    if (got == 0) {
      break;  // every holder of the owner's end closed it: exec, death, or no ticket left
    }
    if (got > 0) {
      handle(table, message, fd);
    } else if (errno != EAGAIN && errno != EINTR) {  // EWOULDBLOCK is EAGAIN where it matters
      break;  // the connection is broken: nothing more will come
    }
  }
  remove_everything(table);
  ::_exit(0);
}

}  // namespace tempfile::os::guardian
