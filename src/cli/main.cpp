// SPDX-License-Identifier: MIT
// tempfile-cli's entry point and argument parsing: `mktemp` (also when the program is invoked
// under that name), `run` and `sweep`, their --help texts, and --version.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.hpp"
#include "os/console_text.hpp"
#include "os/path.hpp"
#include "tempfile/version.hpp"

namespace {

using tempfile::cli::RunArguments;
using tempfile::cli::SweepArguments;

// Usage errors: run's is env(1)'s 125 (so that it never looks like the command's own status);
// elsewhere the usual 2.
constexpr int run_usage_status = tempfile::cli::status_tool_failed;
constexpr int usage_status = 2;

constexpr const char* main_description =
    "tempfile-cli: temporary files and directories from the shell, made by the tempfile library.";
constexpr const char* main_footer = R"(
'tempfile-cli SUBCOMMAND --help' describes each subcommand; the manual page is tempfile-cli(1).
Invoked through a link named mktemp, this program is GNU mktemp: 'mktemp --help'.)";

constexpr const char* run_description =
    "run a command with a scratch TMPDIR, removed afterwards however the command or this tool "
    "ends";

constexpr const char* run_footer = R"(
DESCRIPTION
  Runs CMD with a fresh scratch directory (mode 0700, created in $TMPDIR, else /tmp) exported
  to it as TMPDIR, TEMP and TMP, and removes that directory and everything in it when CMD
  ends, without ever following a symbolic link out of it. Put -- before CMD.

REMOVAL
  The directory is removed when CMD exits or is killed by a signal. SIGINT, SIGTERM and SIGHUP
  sent to this tool are forwarded to CMD's process group (CMD runs in a group of its own); once
  CMD has ended the directory is removed and the tool dies of the same signal. If the tool
  itself is killed (SIGKILL, a crash), a guardian process removes the directory. Read-only
  subdirectories are removed too; symbolic links are removed, never followed. CMD should not
  read from the terminal: in its own process group it would be stopped, as under timeout(1).

EXIT STATUS
  CMD's own status; 128+N if CMD died of signal N; 125 if this tool failed (bad usage, no
  directory, a directory it could not remove); 126 if CMD was found but could not be run; 127
  if CMD was not found. When the tool is sent SIGINT, SIGTERM or SIGHUP it dies of it.

EXAMPLES
  tempfile-cli run -- make check
  tempfile-cli run --keep-on-failure --json -- sh -c 'echo hi > "$TMPDIR/x"; false')";

constexpr const char* sweep_description =
    "remove what killed processes left in a directory, saying what was removed and left, and why";

constexpr const char* sweep_footer = R"(
DESCRIPTION
  Removes from DIR (not below it) the files and directories that tempfile-made objects of dead
  processes left: names PREFIX + 8 characters of [a-z0-9_] + SUFFIX, not locked by a live
  owner, modified at least --min-age seconds ago. Never follows a symbolic link, never enters
  another mount.

OUTPUT
  One line per matching entry on stdout: "removed file|directory PATH" ("would remove" with
  --dry-run), or "left PATH: REASON" (in use, too young, not a regular file or directory, hard
  linked, replaced, a mount point, or could not be removed).

EXIT STATUS
  0; 1 if a matching entry could not be removed or DIR could not be read; 2 on bad usage.

EXAMPLE
  tempfile-cli sweep /tmp --prefix myjob- --min-age 3600 --dry-run)";

int parse_and_run(int argc, char** argv) {
  const std::string program = argv[0] != nullptr && argv[0][0] != '\0' ? argv[0] : "tempfile-cli";
  CLI::App app(main_description, program);
  app.set_version_flag("--version", std::string("tempfile-cli (tempfile) ") + tempfile::version,
                       "print the version and exit");
  app.footer(main_footer);
  app.require_subcommand(1);
  // Listed for --help only: main() hands `mktemp` to its own GNU-compatible parser first.
  app.add_subcommand("mktemp",
                     "GNU mktemp, option for option: create a temporary file or directory");

  RunArguments run_arguments;
  CLI::App* run = app.add_subcommand("run", run_description);
  run->add_flag("--keep-on-failure", run_arguments.keep_on_failure,
                "keep the directory when CMD fails (non-zero status or a signal) and print its "
                "path on stderr");
  run->add_flag("--json", run_arguments.json,
                "when CMD has ended, print {\"path\": ..., \"status\": N, \"kept\": bool} on a "
                "line of stdout");
  run->add_option("--prefix", run_arguments.prefix,
                  "the directory's name prefix (default tempfile-run-)");
  // A positional vector, not prefix_command(): CLI11 2.1.2 refuses `run -- ls -la` with the
  // latter.
  run->add_option("CMD", run_arguments.command, "the command and its arguments")->required();
  run->footer(run_footer);

  SweepArguments sweep_arguments;
  CLI::App* sweep = app.add_subcommand("sweep", sweep_description);
  sweep->add_option("DIR", sweep_arguments.directory, "the directory to sweep")->required();
  sweep->add_option("--prefix", sweep_arguments.prefix, "the names' prefix (default tmp)");
  sweep->add_option("--suffix", sweep_arguments.suffix, "the names' suffix (default none)");
  sweep
      ->add_option("--min-age", sweep_arguments.min_age_seconds,
                   "leave entries modified less than SECONDS ago (default 86400)")
      ->check(CLI::NonNegativeNumber);
  sweep->add_flag("--dry-run", sweep_arguments.dry_run, "decide everything, remove nothing");
  sweep->footer(sweep_footer);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    if (status == 0) {
      return 0;  // --help, --version
    }
    return run->parsed() || (argc > 1 && std::string_view(argv[1]) == "run") ? run_usage_status
                                                                             : usage_status;
  }
  if (run->parsed()) {
    return tempfile::cli::run_main(program + " run", run_arguments);
  }
  return tempfile::cli::sweep_main(program + " sweep", sweep_arguments);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tempfile::cli::set_quoting_locale();
    // UTF-8 on every system (on Windows, argv is in the ANSI code page): the parsers get these.
    std::vector<std::string> arguments = tempfile::os::program_arguments(argc, argv);
    std::vector<char*> utf8_argv;
    utf8_argv.reserve(arguments.size() + 1);
    for (std::string& argument : arguments) {
      utf8_argv.push_back(argument.data());
    }
    utf8_argv.push_back(nullptr);
    const int count = static_cast<int>(arguments.size());
    const std::string_view invoked =
        count > 0 ? std::string_view(arguments.front()) : std::string_view("tempfile-cli");
    std::string_view base = invoked;
    if (const std::size_t separator = tempfile::os::last_separator(invoked);
        separator != std::string_view::npos) {
      base = invoked.substr(separator + 1);
    }
    // Invoked as mktemp (a link, or a copy named mktemp.exe), or the mktemp subcommand: GNU's
    // parser, GNU's messages.
    if (base == "mktemp" || base == "mktemp.exe") {
      return tempfile::cli::mktemp_main(
          invoked, std::vector<std::string>(arguments.begin() + 1, arguments.end()));
    }
    if (count > 1 && arguments[1] == "mktemp") {
      return tempfile::cli::mktemp_main(
          std::string(invoked) + " mktemp",
          std::vector<std::string>(arguments.begin() + 2, arguments.end()));
    }
    return parse_and_run(count, utf8_argv.data());
  } catch (const std::exception& e) {
    static_cast<void>(std::fprintf(stderr, "tempfile-cli: %s\n", e.what()));
    return tempfile::cli::status_tool_failed;
  }
}
