// SPDX-License-Identifier: MIT
// os/console_text.hpp on POSIX: the locale's character set from nl_langinfo, the arguments as
// the bytes they are.
#include <langinfo.h>

#include <clocale>
#include <cstring>
#include <string>
#include <vector>

#include "os/console_text.hpp"

namespace tempfile::os {

bool use_environment_locale() noexcept {
  // As coreutils: the whole locale from the environment (it also translates strerror's text).
  if (std::setlocale(LC_ALL, "") == nullptr) {  // NOLINT(concurrency-mt-unsafe): before threads
    return false;
  }
  const char* codeset = ::nl_langinfo(CODESET);  // NOLINT(concurrency-mt-unsafe): idem
  return codeset != nullptr && std::strcmp(codeset, "UTF-8") == 0;
}

std::vector<std::string> program_arguments(int argc, char** argv) {
  return {argv, argv + argc};
}

}  // namespace tempfile::os
