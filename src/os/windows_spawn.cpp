// SPDX-License-Identifier: MIT
// os/spawn.hpp on Windows: the command started with CreateProcessW (its arguments quoted as the
// C runtime parses them back) inside a job object, so that the command's own children end with
// it; the console's interrupts shared with it; and its exit code passed through.
//
// Console events: Ctrl+C and Ctrl+Break reach every process attached to the console, the
// command's included, so the tool lets the command decide and only notes that one came (its
// handler returns TRUE: the tool itself is not ended) and then waits for the command. Closing
// the console, logging off and shutting down end the tool soon after its handler returns: the
// handler ends the job's processes, so that the wait returns and the directory can be removed,
// and gives the main thread a few seconds to do it.
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "os/spawn.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"
#include "os/windows_handle.hpp"

namespace tempfile::os {
namespace {

// The exit code of a process ended by the console's Ctrl+C (STATUS_CONTROL_C_EXIT), which the
// job's processes are given when the console goes away.
constexpr UINT interrupted_exit_code = 0xC000013AU;
// How long the handler of a closing console waits for the main thread's cleanup: Windows ends
// the process 5 seconds after a close event in any case.
constexpr DWORD close_grace_ms = 4000;

// The runner's state, shared with the console handler (which runs on a thread of its own).
std::atomic<int> received{0};      // the last console event plus one, 0 if none came
std::atomic<HANDLE> job{nullptr};  // the job of the running command
// Set when the tool is done (a manual-reset event). Never closed: a close event's handler may be
// waiting on it on another thread until the process ends.
HANDLE finished = nullptr;

BOOL WINAPI on_console_event(DWORD event) noexcept {
  received.store(static_cast<int>(event) + 1);
  if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT) {
    return TRUE;  // the command has the event too; the tool waits for it to end
  }
  if (HANDLE running = job.load(); running != nullptr) {
    ::TerminateJobObject(running, interrupted_exit_code);
  }
  if (finished != nullptr) {
    ::WaitForSingleObject(finished, close_grace_ms);
  }
  return TRUE;
}

// Appends `argument` as CommandLineToArgvW and the C runtime parse it back: as it is when it
// has no blank and no quote (and is not empty), else in quotes with each quote escaped and the
// backslashes before a quote (or before the closing one) doubled.
void append_quoted(std::wstring& line, const std::wstring& argument) {
  if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += argument;
    return;
  }
  line += L'"';
  std::size_t backslashes = 0;
  for (const wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') {
      line.append(backslashes * 2 + 1, L'\\');
    } else {
      line.append(backslashes, L'\\');
    }
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');
  line += L'"';
}

// What a refused CreateProcessW means for the exit status: not found (127) or not executable.
Errno start_error(DWORD error) noexcept {
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_DIRECTORY:
      return ENOENT;
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
      return ENOEXEC;
    default: {
      const Errno err = windows::errno_from_win32(error);
      return err == ENOENT ? ENOENT : (err == EIO ? EACCES : err);
    }
  }
}

}  // namespace

CommandRunner::CommandRunner() {
  windows::OwnedHandle made(::CreateJobObjectW(nullptr, nullptr));
  if (made.get() == nullptr) {
    static_cast<void>(made.release());  // nothing to close: the call failed
    error_ = windows::errno_from_win32(::GetLastError());
    return;
  }
  // The job's processes end when its last handle closes: when the tool ends, however it ends,
  // the command and everything it started end with it.
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (::SetInformationJobObject(made.get(), JobObjectExtendedLimitInformation, &limits,
                                sizeof limits) == 0) {
    error_ = windows::errno_from_win32(::GetLastError());
    return;
  }
  windows::OwnedHandle done(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (done.get() == nullptr) {
    static_cast<void>(done.release());
    error_ = windows::errno_from_win32(::GetLastError());
    return;
  }
  // Handed to the handler's state; the destructor closes both.
  finished = done.release();
  job.store(made.release());
  if (::SetConsoleCtrlHandler(on_console_event, TRUE) == 0) {
    error_ = windows::errno_from_win32(::GetLastError());
  }
}

CommandRunner::~CommandRunner() {
  ::SetConsoleCtrlHandler(on_console_event, FALSE);
  const windows::OwnedHandle made(job.exchange(nullptr));  // closing it ends what still runs
  if (finished != nullptr) {
    ::SetEvent(finished);  // a close event's handler waiting on it goes on
  }
}

CommandEnd CommandRunner::run(const std::vector<std::string>& command) {
  CommandEnd end;
  std::wstring line;
  for (const std::string& argument : command) {
    std::wstring wide;
    if (const Errno err = windows::widen(argument, wide); err != 0) {
      end.exec_error = err;
      return end;
    }
    if (!line.empty()) {
      line += L' ';
    }
    append_quoted(line, wide);
  }
  // The standard handles are the tool's own, passed on as they are (inheritable, as the tool got
  // them); the library's handles are never inheritable, so nothing else leaks into the command.
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = ::GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = ::GetStdHandle(STD_OUTPUT_HANDLE);
  startup.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION started{};
  // Suspended until it is in the job, so that nothing it starts can escape it. The program is
  // searched for as CreateProcessW does (".exe" added, the PATH searched).
  static_cast<void>(std::fflush(nullptr));
  if (::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE,
                       CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT, nullptr, nullptr, &startup,
                       &started) == 0) {
    end.exec_error = start_error(::GetLastError());
    return end;
  }
  const windows::OwnedHandle process(started.hProcess);
  const windows::OwnedHandle thread(started.hThread);
  if (::AssignProcessToJobObject(job.load(), process.get()) == 0) {
    end.start_error = windows::errno_from_win32(::GetLastError());
    ::TerminateProcess(process.get(), interrupted_exit_code);
    return end;
  }
  if (::ResumeThread(thread.get()) == static_cast<DWORD>(-1)) {
    end.start_error = windows::errno_from_win32(::GetLastError());
    ::TerminateProcess(process.get(), interrupted_exit_code);
    return end;
  }
  if (::WaitForSingleObject(process.get(), INFINITE) != WAIT_OBJECT_0) {
    end.wait_error = windows::errno_from_win32(::GetLastError());
    return end;
  }
  DWORD code = 0;
  if (::GetExitCodeProcess(process.get(), &code) == 0) {
    end.wait_error = windows::errno_from_win32(::GetLastError());
    return end;
  }
  end.status = static_cast<int>(code);
  // What the command started and left running would hold the scratch directory open: it ends
  // with the command, as its children end with a job on POSIX's process group signal.
  ::TerminateJobObject(job.load(), interrupted_exit_code);
  end.interrupt = received.load();
  return end;
}

void CommandRunner::end_interrupted(int /*interrupt*/, int status) {
  // The command has ended and the directory is gone: the tool ends with the command's status
  // (STATUS_CONTROL_C_EXIT for a command Ctrl+C ended), as a console program ended by the
  // event would.
  static_cast<void>(std::fflush(nullptr));
  if (finished != nullptr) {
    ::SetEvent(finished);
  }
  std::_Exit(status);
}

Errno set_environment(const char* name, const std::string& value) noexcept {
  try {
    std::wstring wide_name;
    std::wstring wide_value;
    if (const Errno err = windows::widen(name, wide_name); err != 0) {
      return err;
    }
    if (const Errno err = windows::widen(value, wide_value); err != 0) {
      return err;
    }
    // The process environment block, which CreateProcessW hands the command.
    return ::SetEnvironmentVariableW(wide_name.c_str(), wide_value.c_str()) != 0
               ? 0
               : windows::errno_from_win32(::GetLastError());
  } catch (...) {  // std::bad_alloc
    return ENOMEM;
  }
}

}  // namespace tempfile::os
