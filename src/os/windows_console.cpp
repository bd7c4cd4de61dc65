// SPDX-License-Identifier: MIT
// os/cleanup.hpp's event cleanup on Windows: a console control handler in place of the POSIX
// signal handlers. Ctrl+C, Ctrl+Break, closing the console, logoff and shutdown remove every
// registered entry, then the system's default action ends the process.
#include "os/windows_console.hpp"

#include <mutex>

#include "os/cleanup.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"

namespace tempfile::os {

namespace windows {

// Windows runs a console control handler on a thread of its own, made for the event, not on a
// thread it interrupts: unlike a POSIX signal handler it may take locks and allocate, and a
// thread that holds the registry's lock (mid-registration) is only waited for. The walk is the
// terminate handler's: the process ends when this returns FALSE, so the entries being removed
// by others are finished too.
int __stdcall console_cleanup_handler(unsigned long event) noexcept {
  switch (event) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      run_terminate_cleanup();
      break;
    default:
      break;
  }
  // Not handled: the handlers installed before this one run next, and the last, the system's
  // default, calls ExitProcess (STATUS_CONTROL_C_EXIT), as the re-raise does on POSIX.
  return FALSE;
}

}  // namespace windows

// Windows calls the handler installed last first. A handler the program installs after this
// one (SetConsoleCtrlHandler, or the C runtime's for signal(SIGINT)/signal(SIGBREAK)) runs
// before it and, by returning TRUE, keeps the process and its files; one installed before runs
// after the removal (docs/cleanup.md).
Errno install_signal_cleanup() noexcept {
  static std::mutex mutex;
  static bool installed = false;
  const std::lock_guard lock(mutex);
  if (installed) {
    return 0;
  }
  // Creations in progress are counted from now on, for the handler to wait for.
  count_cleanup_windows();
  if (::SetConsoleCtrlHandler(&windows::console_cleanup_handler, TRUE) == 0) {
    return windows::errno_from_win32(::GetLastError());
  }
  installed = true;
  return 0;
}

SignalCleanupText signal_cleanup_text() noexcept {
  return {"cannot install a console control handler for",
          "console events (Ctrl+C, Ctrl+Break, close, logoff, shutdown)"};
}

}  // namespace tempfile::os
