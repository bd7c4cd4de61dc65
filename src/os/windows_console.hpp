// SPDX-License-Identifier: MIT
// The console control handler of Windows' event cleanup (windows_console.cpp), named so that
// tests can call it as Windows does, for the events wine cannot deliver.
#pragma once

namespace tempfile::os::windows {

/// The routine install_signal_cleanup() passes to SetConsoleCtrlHandler, with its signature
/// (BOOL WINAPI (DWORD)): for CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT,
/// CTRL_LOGOFF_EVENT and CTRL_SHUTDOWN_EVENT it removes every registered entry of this process
/// (run_terminate_cleanup()); for any other value it does nothing. It always returns FALSE
/// ("not handled"), so the next handler, in the end the system's default (ExitProcess), acts.
int __stdcall console_cleanup_handler(unsigned long event) noexcept;

}  // namespace tempfile::os::windows
