// SPDX-License-Identifier: MIT
// ChildProgram: a test's real child program, its pipes and its end (child_program.hpp).
#include "support/child_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): not in every <unistd.h>

namespace tempfile::test {
namespace {

std::string name_of(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

ChildProgram::ChildProgram(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env) {
  int to_child[2] = {-1, -1};
  int from_child[2] = {-1, -1};
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    why = std::string("pipe2: ") + std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
    for (const int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    return;
  }
  // Everything the child needs is made before fork(): it only makes async-signal-safe calls
  // before execvpe.
  std::vector<std::string> arguments = argv;
  std::vector<char*> args;
  args.reserve(arguments.size() + 1);
  for (std::string& a : arguments) {
    args.push_back(a.data());
  }
  args.push_back(nullptr);
  std::vector<std::string> environment(extra_env);
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    bool replaced = false;
    for (const std::string& extra : extra_env) {
      replaced = replaced || name_of(extra) == name_of(entry);
    }
    if (!replaced) {
      environment.push_back(entry);
    }
  }
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (std::string& e : environment) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  static_cast<void>(std::fflush(nullptr));
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(to_child[0], STDIN_FILENO);
    ::dup2(from_child[1], STDOUT_FILENO);
    for (const int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
      struct sigaction action {};
      action.sa_handler = SIG_DFL;
      ::sigaction(s, &action, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): one thread
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  to_ = to_child[1];
  from_ = from_child[0];
  if (pid_ < 0) {
    why = std::string("fork: ") + std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
  }
}

ChildProgram::~ChildProgram() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  close_input();
  if (from_ >= 0) {
    ::close(from_);
  }
}

std::string ChildProgram::line(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (const auto nl = buffered_.find('\n'); nl != std::string::npos) {
      std::string result = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return result;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || from_ < 0) {
      return {};
    }
    pollfd p{from_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return {};
    }
    char chunk[4096];
    const ssize_t n = ::read(from_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return {};
    }
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool ChildProgram::send(const std::string& text) {
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  const std::string line_text = text + "\n";
  const bool written = to_ >= 0 && ::write(to_, line_text.data(), line_text.size()) ==
                                       static_cast<ssize_t>(line_text.size());
  ::sigaction(SIGPIPE, &previous, nullptr);
  return written;
}

void ChildProgram::close_input() {
  if (to_ >= 0) {
    ::close(to_);
    to_ = -1;
  }
}

bool ChildProgram::kill(int signal_number) const {
  return ::kill(pid_, signal_number) == 0;
}

int ChildProgram::wait(std::chrono::milliseconds limit) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      return status;
    }
    if (done < 0 && errno != EINTR) {
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string ChildProgram::rest() {
  std::string all;
  for (std::string l = line(); !l.empty(); l = line()) {
    all += l + "\n";
  }
  return all;
}

}  // namespace tempfile::test
