// SPDX-License-Identifier: MIT
// Windows tests' child processes: this same test program started again to run one child test
// (a TEST named WindowsChildProcess.*), with the environment the caller set for it.
#pragma once

#include "os/windows_api.hpp"

namespace tempfile::test {

/// Starts this test program with --gtest_filter=WindowsChildProcess.<child_test>, inheriting
/// the current environment; `flags` and `startup` go to CreateProcessW as they are. Returns the
/// child's process handle (its thread handle closed), or nullptr after failing the running test.
[[nodiscard]] HANDLE start_child_test(const wchar_t* child_test, DWORD flags = 0,
                                      STARTUPINFOW* startup = nullptr);

}  // namespace tempfile::test
