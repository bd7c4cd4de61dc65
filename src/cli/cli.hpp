// SPDX-License-Identifier: MIT
// tempfile-cli: what the subcommands take and the helpers they share. Each subcommand is one
// function returning the process's exit status; main.cpp parses the arguments and calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempfile::cli {

/// Exit statuses of `run`, as env(1) and timeout(1) give them.
inline constexpr int status_tool_failed = 125;
inline constexpr int status_cannot_execute = 126;
inline constexpr int status_not_found = 127;
/// A status of 128 + n means "died of signal n", as the shells report it.
inline constexpr int status_signal_base = 128;

/// GNU mktemp, options and all: `args` is everything after the program (or the subcommand)
/// name; `program` is the name messages start with ("mktemp" for a link named so,
/// "tempfile-cli mktemp" for the subcommand). Parses with getopt_long, as coreutils does, so
/// that even the option errors read the same.
int mktemp_main(std::string_view program, const std::vector<std::string>& args);

struct RunArguments {
  bool keep_on_failure = false;
  bool json = false;
  std::string prefix = "tempfile-run-";
  std::vector<std::string> command;
};
/// Runs `arguments.command` with a scratch directory as TMPDIR/TEMP/TMP and removes it
/// afterwards; returns the exit status (or dies of the signal it was sent).
int run_main(std::string_view program, const RunArguments& arguments);

struct SweepArguments {
  std::string directory;
  std::optional<std::string> prefix;
  std::optional<std::string> suffix;
  std::int64_t min_age_seconds = 86400;  // a day, as SweepOptions::min_age
  bool dry_run = false;
};
/// tempfile::sweep() with a report on stdout; 0, or 1 if a matching entry could not be removed
/// (or the directory could not be read).
int sweep_main(std::string_view program, const SweepArguments& arguments);

/// `text` quoted as coreutils' quote() does: 'text' with C escapes in the C locale, ‘text’ in a
/// UTF-8 one (set_quoting_locale() tells which).
std::string gnu_quote(std::string_view text);
/// Reads the locale from the environment (setlocale) and remembers whether its character set
/// is UTF-8, for gnu_quote().
void set_quoting_locale();

/// strerror(error), thread-safely (strerror_r).
std::string error_text(int error);

}  // namespace tempfile::cli
