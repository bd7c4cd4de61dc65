// SPDX-License-Identifier: MIT
// The OS layer's error convention: functions return 0 or an errno value, never throw.
#pragma once

#include <system_error>

namespace tempfile::os {

/// 0 on success, otherwise the errno value the failing call set.
using Errno = int;

[[nodiscard]] inline std::error_code to_error_code(Errno err) noexcept {
  return {err, std::generic_category()};
}

}  // namespace tempfile::os
