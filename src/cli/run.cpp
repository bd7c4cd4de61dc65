// SPDX-License-Identifier: MIT
// tempfile-cli run: runs a command with a scratch directory of its own as TMPDIR, TEMP and TMP,
// and removes that directory however the command or the tool itself ends.
//
// How each way of ending is covered:
//   - the command exits or dies of a signal: the tool waits for it, then removes the tree;
//   - the tool is interrupted (POSIX: SIGINT, SIGTERM or SIGHUP, forwarded to the command's
//     process group; Windows: a console event, which the command gets from the console too):
//     once the command has ended the tree is removed and the tool ends as interrupted;
//   - the tool is killed (or crashes): the directory is a PseudoTemporaryDirectory, whose
//     guardian process removes it when the tool's process ends (where the system has no guardian
//     yet, a TemporaryDirectory: removed in every case above but this one).
// Starting, waiting and interrupts are the OS layer's (os/spawn.hpp).
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cli/cli.hpp"
#include "os/path.hpp"
#include "os/spawn.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::cli {
namespace {

void say(std::string_view program, const std::string& message) {
  const std::string line = std::string(program) + ": " + message + "\n";
  static_cast<void>(std::fputs(line.c_str(), stderr));
}

// The scratch directory: a PseudoTemporaryDirectory, whose guardian removes it even if the tool
// is killed; a TemporaryDirectory where the system has no guardian (ENOSYS).
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& prefix) {
    try {
      pseudo_.emplace(PseudoTemporaryDirectoryOptions{.prefix = prefix});
    } catch (const error& e) {
      if (e.code() != std::errc::function_not_supported) {
        throw;
      }
      plain_.emplace(TemporaryDirectoryOptions{.prefix = prefix});
    }
  }
  [[nodiscard]] std::string path() const {
    return os::from_path(pseudo_ ? pseudo_->path() : plain_->path());
  }
  void keep() {
    if (pseudo_) {
      static_cast<void>(pseudo_->keep());
    } else {
      static_cast<void>(plain_->keep());
    }
  }
  void cleanup() {
    if (pseudo_) {
      pseudo_->cleanup();
    } else {
      plain_->cleanup();
    }
  }

 private:
  std::optional<PseudoTemporaryDirectory> pseudo_;
  std::optional<TemporaryDirectory> plain_;
};

}  // namespace

int run_main(std::string_view program, const RunArguments& arguments) {
  os::CommandRunner runner;
  if (runner.error() != 0) {
    say(program, "cannot set up the command's run: " + error_text(runner.error()));
    return status_tool_failed;
  }

  std::optional<ScratchDirectory> directory;
  try {
    directory.emplace(arguments.prefix);
  } catch (const std::exception& e) {
    say(program, std::string("cannot create the scratch directory: ") + e.what());
    return status_tool_failed;
  }
  const std::string path = directory->path();
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    if (const os::Errno err = os::set_environment(name, path); err != 0) {
      say(program, std::string("cannot set ") + name + ": " + error_text(err));
      return status_tool_failed;  // the directory's destructor removes it
    }
  }

  const os::CommandEnd ended = runner.run(arguments.command);
  int status = 0;
  const int signal_received = ended.interrupt;
  if (ended.start_error != 0) {
    say(program, "cannot start " + gnu_quote(arguments.command.front()) + ": " +
                     error_text(ended.start_error));
    status = status_tool_failed;
  } else if (ended.wait_error != 0) {
    say(program, "cannot wait for the command: " + error_text(ended.wait_error));
    status = status_tool_failed;
  } else if (ended.exec_error != 0) {
    say(program, gnu_quote(arguments.command.front()) + ": " + error_text(ended.exec_error));
    status = ended.exec_error == ENOENT ? status_not_found : status_cannot_execute;
  } else {
    status = ended.status;
  }

  // An interrupted run is removed even with --keep-on-failure: the signal asked the tool to
  // stop, and a directory kept then would be one nobody asked for.
  const bool command_failed = status != 0 && ended.exec_error == 0 && ended.start_error == 0;
  const bool keep = arguments.keep_on_failure && command_failed && signal_received == 0;
  if (keep) {
    try {
      directory->keep();
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
    runner.end_interrupted(signal_received, status);
  }
  return status;
}

}  // namespace tempfile::cli
