// SPDX-License-Identifier: MIT
// The Windows guardian process itself: keeps the entries its owner registers and removes them
// when the owner's process ends without withdrawing them, with the tree remover's rules (a
// directory through its duplicated root handle, only while that is still the directory
// recorded; a file only while its name still refers to the file recorded).
#include "os/windows_api.hpp"
// windows.h first: io.h and fcntl.h need nothing of it, but keep one order.
#include <fcntl.h>
#include <io.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "os/cleanup.hpp"
#include "os/entry_identity.hpp"
#include "os/remove_tree.hpp"
#include "os/windows_guardian_protocol.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os::guardian {
namespace {

// How long the guardian waits, once its owner has ended, for the messages the owner wrote
// before it ended (they are queued in the pipe, whose end broke with the owner's handles).
constexpr DWORD drain_timeout_ms = 2000;

// One registered entry.
struct Guarded {
  std::uint64_t id = 0;
  MessageKind kind{};
  windows::OwnedHandle root;  // a directory's root handle (the owner's, duplicated); else none
  EntryIdentity identity{};
  std::string path;
};

// A directory of the ended owner, through the handle it gave: remove_held_directory checks that
// the handle is still the directory recorded (else nothing is touched), empties it through that
// handle, and removes the root only while its path still names it.
void remove_directory(Guarded& entry) noexcept {
  // The tree remover takes C-runtime descriptors; the descriptor owns the handle from here.
  FileDescriptor root;
  if (windows::adopt_as_descriptor(entry.root, _O_RDONLY, root) != 0) {
    return;  // the handle is closed with the entry
  }
  std::vector<RemovalFailure> ignored;  // nobody to report to
  static_cast<void>(remove_held_directory(entry.path.c_str(), root.get(), entry.identity, ignored));
}

void remove_everything(std::vector<Guarded>& table) noexcept {
  for (Guarded& entry : table) {
    if (entry.kind == MessageKind::guard_directory) {
      remove_directory(entry);
    } else {
      static_cast<void>(remove_file_if_same(entry.path.c_str(), entry.identity));
    }
  }
  table.clear();
}

// Takes one message. A malformed one is dropped (a directory's handle with it), as is a guard
// message the guardian cannot keep for want of memory: that entry is then unguarded.
void handle(std::vector<Guarded>& table, const char* bytes, DWORD size, HANDLE answer) noexcept {
  MessageHeader header;
  if (size < sizeof header) {
    return;
  }
  std::memcpy(&header, bytes, sizeof header);
  // A directory's handle is ours from the moment the owner duplicated it, whatever follows.
  windows::OwnedHandle root;
  if (header.kind == MessageKind::guard_directory && header.handle != 0) {
    root.reset(reinterpret_cast<HANDLE>(  // NOLINT(performance-no-int-to-ptr): a handle value
        static_cast<std::uintptr_t>(header.handle)));
  }
  if (header.path_length > max_path || size != sizeof header + header.path_length) {
    return;
  }
  if (header.kind == MessageKind::withdraw) {
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (table[i].id == header.id) {
        table[i] = std::move(table.back());  // its handle, if any, is closed here
        table.pop_back();
        break;
      }
    }
    ::SetEvent(answer);  // the owner waits for this: the entry is forgotten, its handle closed
    return;
  }
  if ((header.kind != MessageKind::guard_directory && header.kind != MessageKind::guard_file) ||
      (header.kind == MessageKind::guard_directory && !root.valid())) {
    return;
  }
  try {
    Guarded entry;
    entry.id = header.id;
    entry.kind = header.kind;
    entry.root = std::move(root);
    entry.identity = header.identity;
    entry.path.assign(bytes + sizeof header, header.path_length);
    table.push_back(std::move(entry));
  } catch (...) {  // NOLINT(bugprone-empty-catch): std::bad_alloc; see above
  }
}

// Reads the pipe, one message at a time, with an overlapped read so that the wait can also
// watch the owner's process handle.
class Reader {
 public:
  enum class Result { message, closed, timeout };

  Reader(HANDLE pipe, char* buffer) noexcept : pipe_(pipe), buffer_(buffer) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Reader(Reader&&) = delete;
  Reader& operator=(Reader&&) = delete;
  ~Reader() { cancel(); }

  [[nodiscard]] bool ready() const noexcept { return event_.valid(); }

  /// Starts a read unless one is under way; the event is signalled when it completes.
  /// Returns false when the pipe is closed (or broken: nothing more will come).
  bool start() noexcept {
    if (pending_) {
      return true;
    }
    overlapped_ = OVERLAPPED{};
    overlapped_.hEvent = event_.get();
    if (::ReadFile(pipe_, buffer_, static_cast<DWORD>(max_message), nullptr, &overlapped_) != 0) {
      pending_ = true;  // done at once; the event is set all the same
      return true;
    }
    const DWORD error = ::GetLastError();
    if (error == ERROR_IO_PENDING || error == ERROR_MORE_DATA) {
      pending_ = true;
      return true;
    }
    return false;
  }

  [[nodiscard]] HANDLE event() const noexcept { return event_.get(); }

  /// The started read's outcome, waiting at most `timeout_ms` for it.
  Result finish(DWORD timeout_ms, DWORD& size) noexcept {
    if (::WaitForSingleObject(event_.get(), timeout_ms) != WAIT_OBJECT_0) {
      return Result::timeout;
    }
    pending_ = false;
    size = 0;
    if (::GetOverlappedResult(pipe_, &overlapped_, &size, FALSE) != 0) {
      return Result::message;
    }
    if (::GetLastError() == ERROR_MORE_DATA) {
      // Longer than any message the owner sends: not ours. Drop it and what is left of it.
      size = 0;
      return Result::message;
    }
    return Result::closed;  // ERROR_BROKEN_PIPE: the owner's end is closed
  }

 private:
  void cancel() noexcept {
    if (pending_) {
      ::CancelIoEx(pipe_, &overlapped_);
      DWORD ignored = 0;
      static_cast<void>(::GetOverlappedResult(pipe_, &overlapped_, &ignored, TRUE));
      pending_ = false;
    }
  }

  HANDLE pipe_;
  char* buffer_;
  windows::OwnedHandle event_{::CreateEventW(nullptr, TRUE, FALSE, nullptr)};
  OVERLAPPED overlapped_{};
  bool pending_ = false;
};

// The loop: messages until the owner ends or closes its end, then what was queued before it
// ended. Returns when nothing more will come.
void serve(std::vector<Guarded>& table, HANDLE pipe, HANDLE owner, HANDLE answer,
           char* buffer) noexcept {
  Reader reader(pipe, buffer);
  if (!reader.ready()) {
    return;
  }
  bool owner_ended = false;
  for (;;) {
    if (!reader.start()) {
      return;
    }
    if (!owner_ended) {
      const HANDLE watched[2] = {reader.event(), owner};
      const DWORD woke = ::WaitForMultipleObjects(2, watched, FALSE, INFINITE);
      if (woke == WAIT_OBJECT_0 + 1) {
        // Its handles are closed: what it wrote is queued, then the pipe reports its end.
        owner_ended = true;
        continue;
      }
      if (woke != WAIT_OBJECT_0) {
        return;  // WAIT_FAILED: the handles are unusable; act on what is known
      }
    }
    DWORD size = 0;
    const Reader::Result result = reader.finish(owner_ended ? drain_timeout_ms : 0, size);
    if (result == Reader::Result::message) {
      handle(table, buffer, size, answer);
    } else if (result == Reader::Result::closed ||
               (result == Reader::Result::timeout && owner_ended)) {
      return;
    }
  }
}

}  // namespace

void run(HANDLE pipe, HANDLE owner, HANDLE answer) noexcept {
  // No dialog box for a missing drive or a crash: nobody would answer it. No console is
  // attached (DETACHED_PROCESS), so no Ctrl+C or console close reaches this process.
  ::SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
  // Only what the owner gave, as the owner's start makes sure; anything else is not the
  // owner's guardian (a command line typed by someone): end at once.
  if (::GetFileType(pipe) != FILE_TYPE_PIPE || ::GetProcessId(owner) == 0 ||
      ::SetEvent(answer) == 0) {  // the answer to the start: ready
    ::ExitProcess(2);
  }
  std::vector<Guarded> table;
  std::unique_ptr<char[]> buffer(new (std::nothrow) char[max_message]);
  if (buffer != nullptr) {
    serve(table, pipe, owner, answer, buffer.get());
  }
  remove_everything(table);
  ::ExitProcess(0);
}

}  // namespace tempfile::os::guardian
