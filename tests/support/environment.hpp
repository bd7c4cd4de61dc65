// SPDX-License-Identifier: MIT
// Reading and setting the process's environment from tests, the same way on every system: the
// library reads it through the OS layer (on Windows the process environment, not the C
// runtime's copy), so a test must change what the library will see.
#pragma once

#include <optional>
#include <string>

namespace tempfile::test {

/// The variable's value (UTF-8), or nullopt when it is not set.
[[nodiscard]] std::optional<std::string> environment_value(const std::string& name);

/// Sets the variable to `value` (UTF-8), or removes it with nullopt. Throws std::system_error.
void set_environment_value(const std::string& name, const std::optional<std::string>& value);

}  // namespace tempfile::test
