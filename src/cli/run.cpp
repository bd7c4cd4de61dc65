// SPDX-License-Identifier: MIT
// tempfile-cli run: runs a command with a scratch directory of its own as TMPDIR, TEMP and TMP,
// and removes that directory however the command or the tool itself ends.
//
// How each way of ending is covered:
//   - the command exits or dies of a signal: the tool waits for it, then removes the tree;
//   - the tool gets SIGINT, SIGTERM or SIGHUP: those signals are blocked and taken with
//     sigwaitinfo, forwarded to the command's process group, and once the command has ended
//     the tree is removed and the tool dies of the same signal;
//   - the tool is SIGKILLed (or crashes): the directory is a PseudoTemporaryDirectory, whose
//     guardian process removes it when the tool's process ends.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX, not <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "os/fd.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::cli {
namespace {

constexpr std::array<int, 3> forwarded_signals = {SIGINT, SIGTERM, SIGHUP};

void say(std::string_view program, const std::string& message) {
  const std::string line = std::string(program) + ": " + message + "\n";
  static_cast<void>(std::fputs(line.c_str(), stderr));
}

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

// Blocks the signals the tool takes with sigwaitinfo, from before the directory exists until
// the tool ends; restores the previous mask when the scope ends (the command gets that one).
class BlockedSignals {
 public:
  explicit BlockedSignals(const sigset_t& set) : set_(set) {
    // pthread_sigmask: sigprocmask is unspecified once a process has threads.
    error_ = ::pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;
  BlockedSignals(BlockedSignals&&) = delete;
  BlockedSignals& operator=(BlockedSignals&&) = delete;
  ~BlockedSignals() {
    if (error_ == 0) {
      static_cast<void>(::pthread_sigmask(SIG_SETMASK, &previous_, nullptr));
    }
  }
  [[nodiscard]] int error() const { return error_; }
  [[nodiscard]] const sigset_t& set() const { return set_; }
  [[nodiscard]] const sigset_t& previous() const { return previous_; }

 private:
  sigset_t set_;
  sigset_t previous_{};
  int error_ = 0;
};

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
  os::FileDescriptor reader(ends[0]);
  os::FileDescriptor writer(ends[1]);
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
  return status_tool_failed;
}

struct Outcome {
  int wait_status = 0;
  int signal_received = 0;  // the last forwarded signal, 0 if none came
  int error = 0;            // waiting failed (errno)
};

// Waits for the command, forwarding every SIGINT/SIGTERM/SIGHUP to its group meanwhile.
Outcome wait_for(pid_t pid, const sigset_t& set) {
  Outcome outcome;
  for (;;) {
    siginfo_t info{};
    const int signal_number = ::sigwaitinfo(&set, &info);
    if (signal_number < 0) {
      if (errno == EINTR) {
        continue;  // a stop and continue of the tool
      }
      outcome.error = errno;
      return outcome;
    }
    if (signal_number != SIGCHLD) {
      outcome.signal_received = signal_number;
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
      outcome.wait_status = wait_status;
      return outcome;
    }
    if (ended < 0) {
      outcome.error = errno;
      return outcome;
    }
  }
}

// Dies of `signal_number` as the tool would have without its handling (so a shell sees a
// process killed by SIGINT and stops a script), or exits 128 + n if that somehow does not.
[[noreturn]] void die_of(int signal_number) {
  static_cast<void>(std::fflush(nullptr));
  static_cast<void>(::signal(signal_number, SIG_DFL));
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal_number);
  static_cast<void>(::raise(signal_number));
  static_cast<void>(::pthread_sigmask(SIG_UNBLOCK, &only, nullptr));
  std::_Exit(status_signal_base + signal_number);
}

}  // namespace

int run_main(std::string_view program, const RunArguments& arguments) {
  // A SIGCHLD the tool was started with ignored would make the kernel reap the command itself,
  // and waitpid could never report its status.
  static_cast<void>(::signal(SIGCHLD, SIG_DFL));
  const BlockedSignals blocked(signals_to_wait_for());
  if (blocked.error() != 0) {
    say(program, "cannot block signals: " + error_text(blocked.error()));
    return status_tool_failed;
  }

  std::optional<PseudoTemporaryDirectory> directory;
  try {
    directory.emplace(PseudoTemporaryDirectoryOptions{.prefix = arguments.prefix});
  } catch (const std::exception& e) {
    say(program, std::string("cannot create the scratch directory: ") + e.what());
    return status_tool_failed;
  }
  const std::string path = directory->path().string();
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    if (::setenv(name, path.c_str(), 1) != 0) {  // NOLINT(concurrency-mt-unsafe): one thread
      say(program, std::string("cannot set ") + name + ": " + error_text(errno));
      return status_tool_failed;  // the directory's destructor removes it
    }
  }

  const Launch launched = launch(arguments.command, blocked.previous());
  int status = 0;
  int signal_received = 0;
  if (launched.fork_error != 0) {
    say(program, "cannot start " + gnu_quote(arguments.command.front()) + ": " +
                     error_text(launched.fork_error));
    status = status_tool_failed;
  } else {
    const Outcome outcome = wait_for(launched.pid, blocked.set());
    signal_received = outcome.signal_received;
    if (outcome.error != 0) {
      say(program, "cannot wait for the command: " + error_text(outcome.error));
      status = status_tool_failed;
    } else if (launched.exec_error != 0) {
      say(program, gnu_quote(arguments.command.front()) + ": " + error_text(launched.exec_error));
      status = launched.exec_error == ENOENT ? status_not_found : status_cannot_execute;
    } else {
      status = status_of(outcome.wait_status);
    }
  }

  // An interrupted run is removed even with --keep-on-failure: the signal asked the tool to
  // stop, and a directory kept then would be one nobody asked for.
  const bool command_failed = status != 0 && launched.exec_error == 0 && launched.fork_error == 0;
  const bool keep = arguments.keep_on_failure && command_failed && signal_received == 0;
  if (keep) {
    try {
      static_cast<void>(directory->keep());
      say(program, "the command failed (status " + std::to_string(status) + "); kept " + path);
    } catch (const std::exception& e) {
      say(program, std::string("cannot keep the scratch directory: ") + e.what());
      status = status_tool_failed;
    }
  } else {
    try {
      directory->cleanup();
    } catch (const std::exception& e) {
      // What is left is listed; the guardian and the exit handler will not retry what the
      // tree remover could not do, so this is the tool's own failure.
      say(program, "the command's status was " + std::to_string(status) +
                       ", but the scratch directory could not be removed: " + e.what());
      status = status_tool_failed;
    }
  }
  directory.reset();

  if (arguments.json) {
    // JSON text is Unicode: bytes of a path that are not UTF-8 become U+FFFD.
    const nlohmann::ordered_json report = {{"path", path}, {"status", status}, {"kept", keep}};
    const std::string line =
        report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    static_cast<void>(std::fputs(line.c_str(), stdout));
  }
  if (signal_received != 0) {
    die_of(signal_received);
  }
  return status;
}

}  // namespace tempfile::cli
