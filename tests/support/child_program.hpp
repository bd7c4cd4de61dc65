// SPDX-License-Identifier: MIT
// A real program run by a test: fork/exec'd with default signal dispositions, with a pipe to its
// stdin and one from its stdout, read line by line with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace tempfile::test {

/// Starts `argv` (argv[0] looked up in PATH) with `extra_env` in front of this process's
/// environment (an entry there replaces this process's entry of the same name). In the child,
/// SIGINT, SIGTERM, SIGHUP and SIGPIPE get their default action and no signal is blocked,
/// whatever ctest or a shell gave the test: a signal inherited as SIG_IGN would make a signal
/// test measure nothing. Usable in a forked test child too: it makes no gtest assertion, and
/// `why` says what failed to start. Destroying it SIGKILLs a program still running.
class ChildProgram {
 public:
  ChildProgram(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env);
  ChildProgram(const ChildProgram&) = delete;
  ChildProgram& operator=(const ChildProgram&) = delete;
  ChildProgram(ChildProgram&&) = delete;
  ChildProgram& operator=(ChildProgram&&) = delete;
  ~ChildProgram();

  /// The next line it wrote; "" at end of file or once `limit` passed.
  std::string line(std::chrono::milliseconds limit = std::chrono::seconds(30));
  /// Writes `text` and a newline to its stdin; false if it could not (it ended: SIGPIPE is
  /// ignored for the write).
  bool send(const std::string& text);
  void close_input();
  bool kill(int signal_number) const;
  /// Its wait status, waiting at most `limit` (then SIGKILL); -1 if waitpid failed.
  int wait(std::chrono::milliseconds limit = std::chrono::seconds(30));
  /// Everything it wrote until it closed stdout (for failure messages).
  std::string rest();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool reaped() const { return reaped_; }
  std::string why;  // empty unless starting it failed

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  bool reaped_ = false;
  std::string buffered_;
};

}  // namespace tempfile::test
