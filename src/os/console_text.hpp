// SPDX-License-Identifier: MIT
// The text a command-line tool gets and gives: its arguments as UTF-8 and whether the user's
// locale writes UTF-8 (tempfile-cli's quoting). POSIX: console_text_posix.cpp; Windows:
// windows_console_text.cpp. Built into the tool only, not the library.
#pragma once

#include <string>
#include <vector>

namespace tempfile::os {

/// Takes the user's locale from the environment (setlocale(LC_ALL, ""), which also translates
/// strerror's texts) and says whether it writes UTF-8: POSIX asks nl_langinfo(CODESET); Windows
/// asks whether the console's output code page is UTF-8 (65001). Call before any thread starts.
[[nodiscard]] bool use_environment_locale() noexcept;

/// The program's arguments as UTF-8: POSIX: argv's bytes as they are; Windows: the command line
/// as the system has it in UTF-16 (argv is in the ANSI code page, which cannot hold every
/// path). Throws std::bad_alloc.
[[nodiscard]] std::vector<std::string> program_arguments(int argc, char** argv);

}  // namespace tempfile::os
