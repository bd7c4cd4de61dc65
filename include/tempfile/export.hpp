// SPDX-License-Identifier: MIT
// Symbol visibility for the tempfile library: TEMPFILE_API marks what a shared build exports.
#pragma once

// Every public header with declarations includes this one, so the language check lives here:
// below C++20 the first error is this one, not a missing std::span or a designated initializer.
// (g++ before 14 defaults to gnu++17; pkg-config's tempfile.pc leaves the standard to the user.)
#if __cplusplus < 202002L
#  error "tempfile needs C++20 or later: compile with -std=c++20 (or gnu++20, or newer)"
#endif

#if defined(TEMPFILE_SHARED) && defined(TEMPFILE_BUILDING)
#  define TEMPFILE_API __attribute__((visibility("default")))
#else
#  define TEMPFILE_API
#endif
