// SPDX-License-Identifier: MIT
// os/console_text.hpp on Windows: the console's output code page, and the arguments from the
// UTF-16 command line (CommandLineToArgvW, the rules the C runtime parses argv with).
#include "os/windows_api.hpp"
// windows.h first: shellapi.h needs its types.
#include <shellapi.h>

#include <clocale>
#include <string>
#include <vector>

#include "os/console_text.hpp"
#include "os/windows_error.hpp"

namespace tempfile::os {

bool use_environment_locale() noexcept {
  // The C runtime's locale from the environment, for the texts it gives; the bytes written go
  // to the console as its output code page reads them.
  static_cast<void>(std::setlocale(LC_ALL, ""));  // NOLINT(concurrency-mt-unsafe): before threads
  return ::GetConsoleOutputCP() == CP_UTF8;
}

std::vector<std::string> program_arguments(int argc, char** argv) {
  int count = 0;
  LPWSTR* wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (wide == nullptr) {
    return std::vector<std::string>(argv, argv + argc);  // the ANSI ones: better than none
  }
  std::vector<std::string> out;
  try {
    out.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      out.push_back(windows::narrow(wide[i]));
    }
  } catch (...) {
    ::LocalFree(wide);
    throw;
  }
  ::LocalFree(wide);
  return out;
}

}  // namespace tempfile::os
