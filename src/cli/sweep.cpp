// SPDX-License-Identifier: MIT
// tempfile-cli sweep: tempfile::sweep() on one directory, with a line per matching entry saying
// what was removed, what was left and why.
#include "tempfile/sweep.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>

#include "cli/cli.hpp"
#include "os/path.hpp"

namespace tempfile::cli {
namespace {

std::string reason_text(const LeftEntry& entry, std::int64_t min_age_seconds) {
  switch (entry.reason) {
    case SweepReason::in_use:
      return "in use (a live owner holds its lock)";
    case SweepReason::too_young:
      return "too young (modified less than " + std::to_string(min_age_seconds) + " seconds ago)";
    case SweepReason::not_ours:
      return "not a regular file or directory (never touched)";
    case SweepReason::hard_linked:
      return "hard linked (another name still refers to it)";
    case SweepReason::replaced:
      return "replaced while it was being removed";
    case SweepReason::other_mount:
      return "a mount point (never entered)";
    case SweepReason::failed:
      break;
  }
  return "could not be removed: " + entry.error.message();
}

}  // namespace

int sweep_main(std::string_view program, const SweepArguments& arguments) {
  SweepOptions options;
  options.prefix = arguments.prefix;
  options.suffix = arguments.suffix;
  options.min_age = std::chrono::seconds(arguments.min_age_seconds);
  options.dry_run = arguments.dry_run;
  std::error_code error;
  const SweepResult result = sweep(arguments.directory, options, error);
  if (error) {
    const std::string line = std::string(program) + ": cannot read " +
                             gnu_quote(arguments.directory) + ": " + error.message() + "\n";
    static_cast<void>(std::fputs(line.c_str(), stderr));
    return 1;
  }
  std::string out;
  for (const SweptEntry& entry : result.removed) {
    out += arguments.dry_run ? "would remove " : "removed ";
    out += entry.directory ? "directory " : "file ";
    out += os::from_path(entry.path);
    out += '\n';
  }
  bool failed = false;
  for (const LeftEntry& entry : result.left) {
    failed = failed || entry.reason == SweepReason::failed;
    out +=
        "left " + os::from_path(entry.path) + ": " + reason_text(entry, arguments.min_age_seconds);
    out += '\n';
  }
  static_cast<void>(std::fputs(out.c_str(), stdout));
  return failed ? 1 : 0;
}

}  // namespace tempfile::cli
