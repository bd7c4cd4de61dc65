// SPDX-License-Identifier: MIT
// The one empty path and the one empty string that accessors of moved-from and nameless objects
// return by reference: alive for the whole process, exit included.
#pragma once

#include <filesystem>
#include <string>

namespace tempfile::os {

/// An empty path, never destroyed. Made on first use under std::call_once, not as a
/// function-local static: a fork() while another thread makes it would leave the static's guard
/// locked in the child forever (glibc's pthread_once starts over there instead).
[[nodiscard]] const std::filesystem::path& no_path() noexcept;

/// An empty string, the same way (not every compiler can constant-initialize a std::string).
[[nodiscard]] const std::string& no_text() noexcept;

}  // namespace tempfile::os
