// SPDX-License-Identifier: MIT
// The environment helpers (support/environment.hpp) on POSIX systems: getenv, setenv, unsetenv.
#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "support/environment.hpp"

namespace tempfile::test {

std::optional<std::string> environment_value(const std::string& name) {
  if (const char* value = std::getenv(name.c_str()); value != nullptr) {
    return value;
  }
  return std::nullopt;
}

void set_environment_value(const std::string& name, const std::optional<std::string>& value) {
  const int result = value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
  if (result != 0) {
    throw std::system_error(errno, std::generic_category(), "setenv " + name);
  }
}

}  // namespace tempfile::test
