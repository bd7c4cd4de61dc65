// SPDX-License-Identifier: MIT
// os/guardian_connection.hpp on Windows, the owner's side: this process's one connection to its
// guardian (started with the first ticket, windows_guardian_start.cpp), and the messages that
// register and withdraw entries over the pipe. The tickets are os/guardian_ticket.cpp.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

#include "os/guardian.hpp"
#include "os/guardian_connection.hpp"
#include "os/never_destroyed.hpp"
#include "os/static_mutex.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"
#include "os/windows_guardian_protocol.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os {
namespace {

// How long a withdraw waits for the guardian to say it forgot the entry (and closed its handle
// of a directory: where the system deletes a directory only when its last handle closes, the
// name goes with the guardian's handle too). A guardian that does not answer in that time is
// stopped or hung; the owner goes on.
constexpr DWORD answer_timeout_ms = 5000;

// This process's connection to its guardian. Raw handles, so that it can be constant-initialized
// and never destroyed (os/never_destroyed.hpp): threads still running at exit may hold tickets,
// and closing the pipe would make the guardian remove their entries under them.
struct Connection {
  constexpr Connection() noexcept = default;
  StaticMutex lock;
  HANDLE pipe = nullptr;     // the owner's end; nullptr: no guardian
  HANDLE process = nullptr;  // the guardian's process
  HANDLE answer = nullptr;   // set by the guardian: each withdraw done
  DWORD pid = 0;
  std::uint64_t tickets = 0;
  std::uint64_t starts = 0;
  std::uint64_t next_id = 1;
};

constinit NeverDestroyed<Connection> the_connection;

Connection& connection() noexcept {
  return the_connection.value;
}

void close_connection(Connection& c) noexcept {
  for (HANDLE* handle : {&c.pipe, &c.process, &c.answer}) {
    if (*handle != nullptr) {
      ::CloseHandle(*handle);
      *handle = nullptr;
    }
  }
  c.pid = 0;
}

// Starts the guardian if none runs, or if the one that ran has ended (killed by someone): a
// new one takes the next entries. `c.lock` is held.
Errno ensure_started(Connection& c) noexcept {
  if (c.pipe != nullptr && ::WaitForSingleObject(c.process, 0) == WAIT_TIMEOUT) {
    return 0;
  }
  close_connection(c);
  guardian::Started started;
  if (const Errno err = guardian::start(started); err != 0) {
    return err;
  }
  c.pipe = started.pipe.release();
  c.process = started.process.release();
  c.answer = started.answer.release();
  c.pid = started.pid;
  ++c.starts;
  return 0;
}

// One message, whole (the pipe is in message mode: one write is one message). `c.lock` is held.
Errno write_message(const Connection& c, const void* message, std::size_t size) noexcept {
  DWORD written = 0;
  if (::WriteFile(c.pipe, message, static_cast<DWORD>(size), &written, nullptr) == 0) {
    const DWORD error = ::GetLastError();
    return error == ERROR_NO_DATA || error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED
               ? EPIPE
               : windows::errno_from_win32(error);
  }
  return written == size ? 0 : EMSGSIZE;
}

// The last ticket is gone: closing our end tells the guardian to end (nothing is registered).
void let_go_if_unused(Connection& c) noexcept {
  if (c.tickets == 0 && c.pipe != nullptr) {
    close_connection(c);
  }
}

// The root's handle, duplicated into the guardian process: the guardian's from that moment
// (`remote` is its value there), whatever becomes of the message.
Errno give_root(const Connection& c, int fd, std::uint64_t& remote) noexcept {
  HANDLE root = nullptr;
  if (const Errno err = windows::handle_of(fd, root); err != 0) {
    return err;
  }
  HANDLE theirs = nullptr;
  if (::DuplicateHandle(::GetCurrentProcess(), root, c.process, &theirs, 0, FALSE,
                        DUPLICATE_SAME_ACCESS) == 0) {
    return windows::errno_from_win32(::GetLastError());
  }
  remote = reinterpret_cast<std::uintptr_t>(theirs);
  return 0;
}

// A root handle given to a guardian that never took the message: closed in its process.
void take_back_root(const Connection& c, std::uint64_t remote) noexcept {
  if (remote != 0) {
    ::DuplicateHandle(c.process,
                      reinterpret_cast<HANDLE>(  // NOLINT(performance-no-int-to-ptr): a handle
                          static_cast<std::uintptr_t>(remote)),
                      nullptr, nullptr, 0, FALSE, DUPLICATE_CLOSE_SOURCE);
  }
}

}  // namespace

namespace guardian {

Errno add_ticket() noexcept {
  Connection& c = connection();
  const std::lock_guard<StaticMutex> held(c.lock);
  if (const Errno err = ensure_started(c); err != 0) {
    return err;
  }
  ++c.tickets;
  return 0;
}

Errno send_guard(MessageKind kind, const char* absolute_path, int fd, const EntryIdentity& identity,
                 bool counted, std::uint64_t& id) noexcept {
  const std::size_t length = std::strlen(absolute_path);
  if (length > max_path) {
    return ENAMETOOLONG;
  }
  MessageHeader header;
  header.kind = kind;
  header.path_length = static_cast<std::uint32_t>(length);
  header.identity = identity;
  std::string message;
  try {
    message.resize(sizeof header + length);
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
  std::memcpy(message.data() + sizeof header, absolute_path, length);

  Connection& c = connection();
  const std::lock_guard<StaticMutex> held(c.lock);
  header.id = c.next_id++;
  // Two tries: a guardian that ended (killed by someone) is replaced by a new one.
  Errno err = 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (err = ensure_started(c); err != 0) {
      break;
    }
    header.handle = 0;
    if (kind == MessageKind::guard_directory) {
      if (err = give_root(c, fd, header.handle); err != 0) {
        break;
      }
    }
    std::memcpy(message.data(), &header, sizeof header);
    err = write_message(c, message.data(), message.size());
    if (err == 0) {
      if (!counted) {
        ++c.tickets;
      }
      id = header.id;
      return 0;
    }
    take_back_root(c, header.handle);
    if (err != EPIPE) {
      break;
    }
    close_connection(c);  // the old guardian is gone
  }
  let_go_if_unused(c);
  return err;
}

void remove_ticket(std::uint64_t id) noexcept {
  Connection& c = connection();
  const std::lock_guard<StaticMutex> held(c.lock);
  if (c.tickets == 0) {
    return;
  }
  if (id != 0 && c.pipe != nullptr) {
    MessageHeader header;
    header.kind = MessageKind::withdraw;
    header.id = id;
    // A failure means the guardian is gone, and with it everything it would have removed.
    if (write_message(c, &header, sizeof header) == 0) {
      const HANDLE watched[2] = {c.answer, c.process};
      static_cast<void>(::WaitForMultipleObjects(2, watched, FALSE, answer_timeout_ms));
    }
  }
  --c.tickets;
  let_go_if_unused(c);
}

}  // namespace guardian

GuardianStatus guardian_status() noexcept {
  Connection& c = connection();
  const std::lock_guard<StaticMutex> held(c.lock);
  // Death is always seen through the owner's process handle (the field's "pidfd").
  return {c.pipe != nullptr ? static_cast<pid_t>(c.pid) : -1, true, c.tickets, c.starts};
}

void guardian_prefer_pidfd(bool /*prefer*/) noexcept {
  // Nothing to choose on Windows: the guardian always waits on the owner's process handle.
}

}  // namespace tempfile::os
