// SPDX-License-Identifier: MIT
// Running catalogue_driver (and strace around it) from the catalogue tests: a real fork+exec
// with the output collected, and the driver's "key=value" lines read back.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace tempfile::test::catalogue {

// The build's programs, unless the environment names others: the unprivileged CI run works on a
// copy of the build, whose paths differ from the ones compiled in here.
inline const char* built_or_overridden(const char* variable, const char* built) {
  const char* overridden = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe): read-only
  return overridden != nullptr && *overridden != '\0' ? overridden : built;
}
inline const char* driver() {
  return built_or_overridden("TEMPFILE_CATALOGUE_DRIVER", TEMPFILE_CATALOGUE_DRIVER);
}
inline const char* no_tmpfile_shim() {
  return built_or_overridden("TEMPFILE_NO_TMPFILE_SHIM", TEMPFILE_NO_TMPFILE_SHIM);
}

/// What a program run did: its wait status as run_child reports it (128 + signal when killed)
/// and everything it wrote to stdout (stderr goes to the test's stderr).
struct ProgramRun {
  int status = -1;
  std::string output;
};

/// fork+exec of argv[0] with `extra_environment` ("NAME=value") added, stdout collected;
/// killed by SIGALRM after `deadline_seconds`.
inline ProgramRun run_program(const std::vector<std::string>& argv,
                              const std::vector<std::string>& extra_environment = {},
                              unsigned deadline_seconds = 30) {
  ProgramRun run;
  std::array<int, 2> out{-1, -1};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) {
    return run;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    for (const std::string& assignment : extra_environment) {
      ::putenv(const_cast<char*>(assignment.c_str()));  // NOLINT: the child execs at once
    }
    std::vector<char*> args;
    for (const std::string& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));  // NOLINT: execvp's signature
    }
    args.push_back(nullptr);
    ::alarm(deadline_seconds);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out[1]);
  if (pid < 0) {
    ::close(out[0]);
    return run;
  }
  run.output = read_to_end(out[0]);
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return run;
    }
  }
  run.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return run;
}

/// The value of the first "key=..." line of `output`.
inline std::optional<std::string> value_of(const std::string& output, const std::string& key) {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) {
      return line.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

/// Every "key=..." line's value, in order.
inline std::vector<std::string> values_of(const std::string& output, const std::string& key) {
  std::vector<std::string> values;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) {
      values.push_back(line.substr(key.size() + 1));
    }
  }
  return values;
}

/// Sanitizer runtimes check their own link order and leaks at exit; neither is what the
/// catalogue's process tests measure (LeakSanitizer cannot run under ptrace at all).
inline std::vector<std::string> sanitizer_environment() {
  return {"ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:handle_abort=0"};
}

}  // namespace tempfile::test::catalogue
