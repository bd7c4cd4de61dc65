// SPDX-License-Identifier: MIT
// What the tempfile-cli tests share: running a program to its end with both output streams
// captured, in a chosen directory and environment.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tempfile::test {

/// The tempfile-cli binary under test.
inline const std::filesystem::path cli_program = TEMPFILE_CLI;

struct Finished {
  int status = -1;  // the exit status, or 128 + n if it died of signal n
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] looked up in PATH, or a path) in `cwd` with `env` applied to this
/// process's environment ("NAME=value" sets, "NAME" alone unsets) and LC_ALL=C unless `env`
/// says otherwise; stdin is /dev/null. Signal dispositions and mask are reset to the defaults
/// in the child. Waits for it (at most 30 seconds, then SIGKILL).
Finished run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::filesystem::path& cwd);

}  // namespace tempfile::test
