// SPDX-License-Identifier: MIT
// Starting a Windows guardian process: this program started again with the guardian's role in
// its command line (windows_guardian_entry.cpp takes over there), inheriting exactly three
// handles (the pipe's reading end, this process's handle, the answer event), outside the
// owner's console and, where the owner's job allows it, outside its job.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <new>
#include <string>

#include "os/sys.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"
#include "os/windows_guardian_protocol.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os::guardian {
namespace {

// How long a new guardian may take to say it is ready.
constexpr DWORD ready_timeout_ms = 10'000;

// Names tried for the pipe before giving up (another process holding a name is the only reason
// to try again, and 64 random bits make that all but impossible).
constexpr int pipe_name_attempts = 8;

Errno last_errno() noexcept {
  return windows::errno_from_win32(::GetLastError());
}

// This program's path, as the system loaded it. Only when the library is part of the program
// itself: started again, the program then runs the takeover (windows_guardian_entry.cpp) before
// its own code. Linked into a DLL, the library cannot know that the program would load that
// DLL again at its start (a plugin, an extension module loaded later), and the program would run
// as itself with an argument it does not know: ENOTSUP, rather than start someone else's code.
Errno program_path(std::wstring& out) noexcept {
  HMODULE library = nullptr;
  if (::GetModuleHandleExW(
          GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
          command_line_marker, &library) == 0) {
    return last_errno();
  }
  if (library != ::GetModuleHandleW(nullptr)) {
    return ENOTSUP;
  }
  try {
    out.assign(MAX_PATH, L'\0');
    for (;;) {
      const DWORD length =
          ::GetModuleFileNameW(nullptr, out.data(), static_cast<DWORD>(out.size()));
      if (length == 0) {
        return last_errno();
      }
      if (length < out.size()) {
        out.resize(length);
        return 0;
      }
      out.resize(out.size() * 2);  // truncated
    }
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
}

// A pipe of this process alone: a new message-mode pipe under a random name, whose only
// instance this process connects to at once. `reading` is the guardian's end (overlapped, so
// that it can wait for a message and for the owner's end at once), `writing` the owner's. If
// anyone else connected first, the owner's connection fails (one instance) and another name is
// tried. Neither end is inheritable.
Errno make_pipe(windows::OwnedHandle& reading, windows::OwnedHandle& writing) noexcept {
  Errno err = EEXIST;
  for (int attempt = 0; attempt < pipe_name_attempts; ++attempt) {
    unsigned char random[8] = {};
    random_bytes(random, sizeof random);
    wchar_t name[80] = {};
    std::uint64_t bits = 0;
    for (const unsigned char byte : random) {
      bits = (bits << 8U) | byte;
    }
    std::swprintf(name, sizeof name / sizeof name[0], L"\\\\.\\pipe\\tempfile-guardian-%lu-%016llx",
                  static_cast<unsigned long>(::GetCurrentProcessId()),
                  static_cast<unsigned long long>(bits));
    reading.reset(::CreateNamedPipeW(
        name, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 0,
        static_cast<DWORD>(max_message), 0, nullptr));
    if (!reading.valid()) {
      err = last_errno();
      if (::GetLastError() == ERROR_ACCESS_DENIED || ::GetLastError() == ERROR_PIPE_BUSY) {
        continue;  // the name is someone else's pipe
      }
      return err;
    }
    writing.reset(::CreateFileW(name, GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                SECURITY_SQOS_PRESENT | SECURITY_ANONYMOUS, nullptr));
    if (!writing.valid()) {
      err = last_errno();
      if (::GetLastError() == ERROR_PIPE_BUSY) {
        continue;  // somebody connected first: that pipe is theirs to keep
      }
      return err;
    }
    ULONG client = 0;
    if (::GetNamedPipeClientProcessId(reading.get(), &client) != 0 &&
        client != ::GetCurrentProcessId()) {
      continue;  // cannot be (one instance, ours connected), but never write to a stranger
    }
    return 0;
  }
  return err;
}

// The inheritable copy of each handle the guardian gets exists only for the CreateProcessW call,
// which names them in PROC_THREAD_ATTRIBUTE_HANDLE_LIST: the guardian inherits them and nothing
// else. (Another thread's CreateProcessW that inherits every inheritable handle could take them
// too in that moment; what it would hold is harmless: the owner's handle, an event, the pipe's
// reading end.)
class InheritableForAMoment {
 public:
  InheritableForAMoment(HANDLE* handles, DWORD count) noexcept : handles_(handles), count_(count) {}
  InheritableForAMoment(const InheritableForAMoment&) = delete;
  InheritableForAMoment& operator=(const InheritableForAMoment&) = delete;
  InheritableForAMoment(InheritableForAMoment&&) = delete;
  InheritableForAMoment& operator=(InheritableForAMoment&&) = delete;
  ~InheritableForAMoment() {
    for (DWORD i = 0; i < count_; ++i) {
      ::SetHandleInformation(handles_[i], HANDLE_FLAG_INHERIT, 0);
    }
  }
  [[nodiscard]] Errno make() noexcept {
    for (DWORD i = 0; i < count_; ++i) {
      if (::SetHandleInformation(handles_[i], HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) == 0) {
        return last_errno();
      }
    }
    return 0;
  }

 private:
  HANDLE* handles_;
  DWORD count_;
};

// The attribute list naming the inherited handles.
class HandleList {
 public:
  HandleList() noexcept = default;
  HandleList(const HandleList&) = delete;
  HandleList& operator=(const HandleList&) = delete;
  HandleList(HandleList&&) = delete;
  HandleList& operator=(HandleList&&) = delete;
  ~HandleList() {
    if (initialized_) {
      ::DeleteProcThreadAttributeList(list());
    }
  }
  [[nodiscard]] Errno make(HANDLE* handles, DWORD count) noexcept {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    try {
      storage_.assign(size, '\0');
    } catch (...) {  // std::bad_alloc
      return ENOMEM;
    }
    if (::InitializeProcThreadAttributeList(list(), 1, 0, &size) == 0) {
      return last_errno();
    }
    initialized_ = true;
    if (::UpdateProcThreadAttribute(list(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles,
                                    count * sizeof(HANDLE), nullptr, nullptr) == 0) {
      return last_errno();
    }
    return 0;
  }
  [[nodiscard]] LPPROC_THREAD_ATTRIBUTE_LIST list() noexcept {
    return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
  }

 private:
  std::string storage_;
  bool initialized_ = false;
};

// The directory the guardian runs in: the system's, so that it never holds the owner's current
// directory (Windows refuses to remove a directory that is some process's current one).
Errno system_directory(std::wstring& out) noexcept {
  try {
    out.assign(MAX_PATH, L'\0');
    const UINT length = ::GetSystemDirectoryW(out.data(), static_cast<UINT>(out.size()));
    if (length == 0 || length >= out.size()) {
      return length == 0 ? last_errno() : ENAMETOOLONG;
    }
    out.resize(length);
    return 0;
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
}

Errno create_process(std::wstring& program, std::wstring& command, const std::wstring& directory,
                     LPPROC_THREAD_ATTRIBUTE_LIST attributes,
                     PROCESS_INFORMATION& started) noexcept {
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  // No standard handles: the guardian writes nothing, and must not keep the owner's console or
  // the pipes somebody reads the owner's output from.
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.lpAttributeList = attributes;
  // No console (so no Ctrl+C, Ctrl+Break or console close), a process group of its own, and
  // out of the owner's job where the job allows it: a job that kills its processes when it
  // closes (a terminal, a test runner) must not take the guardian with the owner.
  DWORD flags = EXTENDED_STARTUPINFO_PRESENT | DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP |
                CREATE_DEFAULT_ERROR_MODE;
  if (::CreateProcessW(program.c_str(), command.data(), nullptr, nullptr, TRUE,
                       flags | CREATE_BREAKAWAY_FROM_JOB, nullptr, directory.c_str(),
                       &startup.StartupInfo, &started) != 0) {
    return 0;
  }
  if (::GetLastError() != ERROR_ACCESS_DENIED) {
    return last_errno();
  }
  // A job that forbids breaking away: the guardian stays in it.
  if (::CreateProcessW(program.c_str(), command.data(), nullptr, nullptr, TRUE, flags, nullptr,
                       directory.c_str(), &startup.StartupInfo, &started) != 0) {
    return 0;
  }
  return last_errno();
}

}  // namespace

Errno start(Started& out) noexcept {
  std::wstring program;
  std::wstring directory;
  if (const Errno err = program_path(program); err != 0) {
    return err;
  }
  if (const Errno err = system_directory(directory); err != 0) {
    return err;
  }
  windows::OwnedHandle reading;
  windows::OwnedHandle writing;
  if (const Errno err = make_pipe(reading, writing); err != 0) {
    return err;
  }
  // This process, as the guardian will wait for it: a real handle (no pid to be reused).
  HANDLE self = nullptr;
  if (::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentProcess(), ::GetCurrentProcess(), &self,
                        SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0) == 0) {
    return last_errno();
  }
  const windows::OwnedHandle owner(self);
  windows::OwnedHandle answer(::CreateEventW(nullptr, FALSE, FALSE, nullptr));
  if (answer.get() == nullptr) {
    static_cast<void>(answer.release());
    return last_errno();
  }
  HANDLE given[3] = {reading.get(), owner.get(), answer.get()};
  std::wstring command;
  try {
    command = L"\"" + program + L"\" " + command_line_marker +
              std::to_wstring(reinterpret_cast<std::uintptr_t>(given[0])) + L":" +
              std::to_wstring(reinterpret_cast<std::uintptr_t>(given[1])) + L":" +
              std::to_wstring(reinterpret_cast<std::uintptr_t>(given[2]));
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
  HandleList list;
  if (const Errno err = list.make(given, 3); err != 0) {
    return err;
  }
  PROCESS_INFORMATION started{};
  {
    InheritableForAMoment inheritable(given, 3);
    if (const Errno err = inheritable.make(); err != 0) {
      return err;
    }
    if (const Errno err = create_process(program, command, directory, list.list(), started);
        err != 0) {
      return err;
    }
  }
  ::CloseHandle(started.hThread);
  windows::OwnedHandle process(started.hProcess);
  const HANDLE watched[2] = {answer.get(), process.get()};
  const DWORD woke = ::WaitForMultipleObjects(2, watched, FALSE, ready_timeout_ms);
  if (woke != WAIT_OBJECT_0) {
    // Ended without a word (ECHILD), or silent: it would end as the pipe closes; be sure.
    ::TerminateProcess(process.get(), 1);
    return woke == WAIT_OBJECT_0 + 1 ? ECHILD : woke == WAIT_TIMEOUT ? ETIMEDOUT : last_errno();
  }
  out.pipe = std::move(writing);
  out.process = std::move(process);
  out.answer = std::move(answer);
  out.pid = started.dwProcessId;
  return 0;
}

}  // namespace tempfile::os::guardian
