// SPDX-License-Identifier: MIT
// std::at_quick_exit where the C library has quick_exit. MinGW-w64's msvcrt runtime has neither
// quick_exit nor at_quick_exit (only its UCRT runtime does): a program there cannot call
// quick_exit, so there is nothing to register a handler with.
#pragma once

#include <cstdlib>

namespace tempfile::os {

/// std::at_quick_exit(handler): 0, or nonzero when there is no room left. Where the C library
/// has no quick_exit (MinGW-w64 with msvcrt), 0 without doing anything.
[[nodiscard]] inline int at_quick_exit(void (*handler)()) noexcept {
#if defined(__MINGW32__) && !defined(_UCRT)
  static_cast<void>(handler);
  return 0;
#else
  return std::at_quick_exit(handler);
#endif
}

}  // namespace tempfile::os
