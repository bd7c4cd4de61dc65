// SPDX-License-Identifier: MIT
// run_to_end: fork, exec with pipes for stdout and stderr, drain both with poll, wait.
#include "cli_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace tempfile::test {
namespace {

std::vector<std::string> make_environment(const std::vector<std::string>& changes) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    result.emplace_back(*entry);
  }
  std::vector<std::string> all = {"LC_ALL=C", "LANGUAGE"};
  all.insert(all.end(), changes.begin(), changes.end());
  for (const std::string& change : all) {
    const std::string name = change.substr(0, change.find('='));
    std::erase_if(result, [&](const std::string& e) { return e.substr(0, e.find('=')) == name; });
    if (change.find('=') != std::string::npos) {
      result.push_back(change);
    }
  }
  return result;
}

}  // namespace

Finished run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::filesystem::path& cwd) {
  std::vector<std::string> environment = make_environment(env);
  std::vector<std::string> arguments = argv;
  std::vector<char*> argp;
  for (std::string& a : arguments) {
    argp.push_back(a.data());
  }
  argp.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : environment) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  const std::string dir = cwd.string();
  // execvpe searches the caller's PATH, not the one in envp: look argv[0] up in the new one,
  // keeping argv[0] itself as given (it is the program's name in its messages).
  std::string executable = argv.at(0);
  if (executable.find('/') == std::string::npos) {
    std::string path_value;
    for (const std::string& e : environment) {
      if (e.rfind("PATH=", 0) == 0) {
        path_value = e.substr(5);
      }
    }
    for (std::size_t start = 0; start <= path_value.size();) {
      const std::size_t end = std::min(path_value.find(':', start), path_value.size());
      const std::string candidate = path_value.substr(start, end - start) + "/" + argv.at(0);
      if (::access(candidate.c_str(), X_OK) == 0) {
        executable = candidate;
        break;
      }
      start = end + 1;
    }
  }

  std::array<int, 2> out{};
  std::array<int, 2> err{};
  if (::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    for (int s = 1; s < NSIG; ++s) {
      ::signal(s, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0 ||
        ::chdir(dir.c_str()) != 0) {
      ::_exit(99);
    }
    ::execve(executable.c_str(), argp.data(), envp.data());
    ::_exit(98);
  }
  ::close(out[1]);
  ::close(err[1]);
  Finished finished;
  std::array<pollfd, 2> fds = {{{out[0], POLLIN, 0}, {err[0], POLLIN, 0}}};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int open_count = 2;
  while (open_count > 0 && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) {
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds.at(i).fd < 0 || fds.at(i).revents == 0) {
        continue;
      }
      std::array<char, 4096> buffer{};
      const ssize_t n = ::read(fds.at(i).fd, buffer.data(), buffer.size());
      if (n > 0) {
        (i == 0 ? finished.out : finished.err).append(buffer.data(), static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds.at(i).fd);
        fds.at(i).fd = -1;
        --open_count;
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) {
      ::close(p.fd);
    }
  }
  int wait_status = 0;
  if (::waitpid(pid, &wait_status, WNOHANG) == 0) {
    if (open_count > 0) {
      ::kill(pid, SIGKILL);
    }
    ::waitpid(pid, &wait_status, 0);
  }
  finished.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  return finished;
}

}  // namespace tempfile::test
