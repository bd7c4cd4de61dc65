// SPDX-License-Identifier: MIT
// os/spawn.hpp on POSIX: the command forked and exec'd in a process group of its own, SIGINT,
// SIGTERM and SIGHUP taken with sigwaitinfo and forwarded to that group, and the tool dying of
// the same signal at the end.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX, not <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "os/fd.hpp"
#include "os/spawn.hpp"

namespace tempfile::os {
namespace {

// The statuses a child that could not exec exits with, as env(1) gives them.
constexpr int status_cannot_execute = 126;
constexpr int status_not_found = 127;
constexpr int status_signal_base = 128;
constexpr int status_unknown = 125;

constexpr std::array<int, 3> forwarded_signals = {SIGINT, SIGTERM, SIGHUP};

// The runner's state: the process's signal mask is the process's, so there is one runner.
sigset_t waited_for;
sigset_t previous_mask;

// The signals the tool waits for. One the tool was started with ignored (a `nohup`, or a
// background job of a non-interactive shell) stays ignored: the caller asked for that, and the
// command inherits the same disposition through exec.
sigset_t signals_to_wait_for() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (const int signal_number : forwarded_signals) {
    struct sigaction current {};
    if (::sigaction(signal_number, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) {
      continue;
    }
    sigaddset(&set, signal_number);
  }
  return set;
}

struct Launch {
  pid_t pid = -1;
  int exec_error = 0;  // the errno of a failed exec (the child then exited at once)
  int fork_error = 0;
};

// Forks and execs the command in a process group of its own, so that a signal the tool
// forwards reaches the command's children too, and a terminal's Ctrl-C, sent to the tool's
// group, reaches the command only through the tool (which therefore always knows). A failed
// exec's errno comes back through a close-on-exec pipe: no news means the exec succeeded.
Launch launch(const std::vector<std::string>& command, const sigset_t& child_mask) {
  Launch result;
  std::vector<std::string> storage(command);
  std::vector<char*> argv;
  argv.reserve(storage.size() + 1);
  for (std::string& arg : storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  std::array<int, 2> ends{};
  if (::pipe(ends.data()) != 0) {
    result.fork_error = errno;
    return result;
  }
  FileDescriptor reader(ends[0]);
  FileDescriptor writer(ends[1]);
  if (::fcntl(reader.get(), F_SETFD, FD_CLOEXEC) != 0 ||
      ::fcntl(writer.get(), F_SETFD, FD_CLOEXEC) != 0) {
    result.fork_error = errno;
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.fork_error = errno;
    return result;
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec (the parent may have threads of a
    // library's making). setpgid here and in the parent: whichever runs first wins the race.
    static_cast<void>(::setpgid(0, 0));
    static_cast<void>(::pthread_sigmask(SIG_SETMASK, &child_mask, nullptr));
    ::execvp(argv[0], argv.data());
    const int error = errno;
    static_cast<void>(::write(writer.get(), &error, sizeof error));
    ::_exit(error == ENOENT ? status_not_found : status_cannot_execute);
  }
  result.pid = pid;
  // EACCES: the child has already exec'd (and set its group itself); ESRCH: it has ended.
  static_cast<void>(::setpgid(pid, pid));
  static_cast<void>(writer.close());
  int error = 0;
  std::size_t got = 0;
  while (got < sizeof error) {
    const ssize_t n = ::read(reader.get(), reinterpret_cast<char*>(&error) + got,  // NOLINT
                             sizeof error - got);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  if (got == sizeof error) {
    result.exec_error = error;
  }
  return result;
}

// The exit status that tells how the command ended, as a shell reports it.
int status_of(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return status_signal_base + WTERMSIG(wait_status);
  }
  return status_unknown;
}

// Waits for the command, forwarding every SIGINT/SIGTERM/SIGHUP to its group meanwhile.
void wait_for(pid_t pid, const sigset_t& set, CommandEnd& end) {
  for (;;) {
    siginfo_t info{};
    const int signal_number = ::sigwaitinfo(&set, &info);
    if (signal_number < 0) {
      if (errno == EINTR) {
        continue;  // a stop and continue of the tool
      }
      end.wait_error = errno;
      return;
    }
    if (signal_number != SIGCHLD) {
      end.interrupt = signal_number;
      if (::kill(-pid, signal_number) != 0) {
        static_cast<void>(::kill(pid, signal_number));  // no group yet: the child alone
      }
      continue;
    }
    // Any child of ours may have changed state (the guardian's start makes one too): only the
    // command's end matters. SIGCHLD signals merge, so ask until the command is reaped.
    int wait_status = 0;
    pid_t ended = 0;
    do {
      ended = ::waitpid(pid, &wait_status, WNOHANG);
    } while (ended < 0 && errno == EINTR);
    if (ended == pid) {
      end.status = status_of(wait_status);
      return;
    }
    if (ended < 0) {
      end.wait_error = errno;
      return;
    }
  }
}

}  // namespace

CommandRunner::CommandRunner() {
  // A SIGCHLD the tool was started with ignored would make the kernel reap the command itself,
  // and waitpid could never report its status.
  static_cast<void>(::signal(SIGCHLD, SIG_DFL));
  waited_for = signals_to_wait_for();
  // Blocked from before the directory exists until the tool ends (pthread_sigmask:
  // sigprocmask is unspecified once a process has threads); the command gets the old mask.
  error_ = ::pthread_sigmask(SIG_BLOCK, &waited_for, &previous_mask);
}

CommandRunner::~CommandRunner() {
  if (error_ == 0) {
    static_cast<void>(::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr));
  }
}

CommandEnd CommandRunner::run(const std::vector<std::string>& command) {
  CommandEnd end;
  const Launch launched = launch(command, previous_mask);
  if (launched.fork_error != 0) {
    end.start_error = launched.fork_error;
    return end;
  }
  wait_for(launched.pid, waited_for, end);
  end.exec_error = launched.exec_error;
  return end;
}

// Dies of `interrupt` as the tool would have without its handling (so a shell sees a process
// killed by SIGINT and stops a script), or exits 128 + n if that somehow does not.
void CommandRunner::end_interrupted(int interrupt, int /*status*/) {
  static_cast<void>(std::fflush(nullptr));
  static_cast<void>(::signal(interrupt, SIG_DFL));
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, interrupt);
  static_cast<void>(::raise(interrupt));
  static_cast<void>(::pthread_sigmask(SIG_UNBLOCK, &only, nullptr));
  std::_Exit(status_signal_base + interrupt);
}

Errno set_environment(const char* name, const std::string& value) noexcept {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the tool sets its environment before any thread
  return ::setenv(name, value.c_str(), 1) != 0 ? errno : 0;
}

}  // namespace tempfile::os
