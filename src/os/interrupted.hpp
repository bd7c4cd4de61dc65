// SPDX-License-Identifier: MIT
// The one EINTR loop of the OS layer: a system call is repeated while a signal interrupts it.
#pragma once

#include <cerrno>

namespace tempfile::os {

/// Runs `call` (a system call returning >= 0 on success, -1 with errno on failure) until it is
/// not interrupted; returns its last result, with errno set when that is negative. Not for
/// close(): on Linux the descriptor is gone whatever close returns (os/fd.hpp).
template <class Call>
auto retry_interrupted(Call call) noexcept {
  for (;;) {
    const auto result = call();
    if (result >= 0 || errno != EINTR) {
      return result;
    }
  }
}

}  // namespace tempfile::os
