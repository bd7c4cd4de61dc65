// SPDX-License-Identifier: MIT
// Running a command to its end for tempfile-cli run: started in a group of its own (a POSIX
// process group, a Windows job object), the tool's interrupts forwarded to it or shared with it,
// and the way it ended told as a shell tells it. POSIX: spawn_posix.cpp; Windows:
// windows_spawn.cpp. Built into the tool only, not the library.
#pragma once

#include <string>
#include <vector>

#include "os/errno.hpp"

namespace tempfile::os {

/// How a command ended.
struct CommandEnd {
  /// The command's exit status; 128 + N if it died of signal N (POSIX); its exit code (Windows,
  /// all 32 bits: a process ended by Ctrl+C exits with 0xC000013A).
  int status = 0;
  /// The command could not be started at all (fork, pipe, job object): the errno.
  Errno start_error = 0;
  /// The command was not found (ENOENT) or could not be executed (EACCES, ENOEXEC...).
  Errno exec_error = 0;
  /// Waiting for it failed: the errno.
  Errno wait_error = 0;
  /// The last interrupt the tool received while the command ran, 0 if none: the signal number
  /// (SIGINT, SIGTERM, SIGHUP) on POSIX, the console event plus one on Windows.
  int interrupt = 0;
};

/// Set up before anything is created and kept until the tool ends: POSIX blocks SIGINT,
/// SIGTERM, SIGHUP (those the tool was not started with ignored) and SIGCHLD, to take them with
/// sigwaitinfo; Windows makes the job object and installs the console handler. One runner per
/// process at a time: what it sets up is the process's own (signal mask, console handler).
class CommandRunner {
 public:
  CommandRunner();
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;
  CommandRunner(CommandRunner&&) = delete;
  CommandRunner& operator=(CommandRunner&&) = delete;
  ~CommandRunner();

  /// 0, or why the runner could not be set up.
  [[nodiscard]] Errno error() const noexcept { return error_; }

  /// Runs `command` (argv[0] found on the PATH) to its end, forwarding the tool's interrupts.
  /// Throws std::bad_alloc.
  [[nodiscard]] CommandEnd run(const std::vector<std::string>& command);

  /// Ends the tool as the interrupt `interrupt` would have ended it without the runner (POSIX:
  /// dies of the signal, so that a shell stops its script), or with `status` where it cannot
  /// (Windows: exits with the command's status).
  [[noreturn]] void end_interrupted(int interrupt, int status);

 private:
  Errno error_ = 0;
};

/// Sets environment variable `name` of this process (and so of the commands it runs) to the
/// UTF-8 `value`.
[[nodiscard]] Errno set_environment(const char* name, const std::string& value) noexcept;

}  // namespace tempfile::os
