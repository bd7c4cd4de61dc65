// SPDX-License-Identifier: MIT
// run_in_child and the limits a child can set on itself.
#include "support/process.hpp"

#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <thread>

namespace tempfile::test {

int run_in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    return -1;
  }
  if (pid == 0) {
    int code = 100;
    try {
      code = body();
    } catch (const std::exception& failure) {
      std::fprintf(stderr, "child threw: %s\n", failure.what());
    } catch (...) {
      std::fprintf(stderr, "child threw a non-std exception\n");
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}

bool limit_open_files(unsigned long limit) {
  rlimit lim{};
  lim.rlim_cur = limit;
  lim.rlim_max = limit;
  return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

bool limit_file_size(unsigned long bytes) {
  rlimit lim{};
  lim.rlim_cur = bytes;
  lim.rlim_max = bytes;
  return ::setrlimit(RLIMIT_FSIZE, &lim) == 0;
}

bool become_unprivileged() {
  if (::geteuid() != 0) {
    return true;  // already unprivileged (scripts/test-unprivileged.sh): checks apply as they are
  }
  return ::setgroups(0, nullptr) == 0 && ::setresgid(65534, 65534, 65534) == 0 &&
         ::setresuid(65534, 65534, 65534) == 0;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool process_ended(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!stat_file || !std::getline(stat_file, text)) {
    return true;
  }
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) {
    return true;
  }
  const char state = text[close + 2];
  return state == 'Z' || state == 'X';
}

}  // namespace tempfile::test
