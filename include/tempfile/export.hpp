// SPDX-License-Identifier: MIT
/// Included by every public header: the C++20 check, and TEMPFILE_API, which marks what a shared
/// build exports.
/// @file
#pragma once

// Every public header with declarations includes this one, so the language check lives here:
// below C++20 the first error is this one, not a missing std::default_sentinel_t. g++ 12
// (Debian 12's) defaults to gnu++17, and tempfile.pc leaves the standard to the user. 201709L,
// not 202002L: g++ 10 reports its -std=c++20 as 201709L, and C++17 is 201703L.
#if __cplusplus < 201709L
#  error "tempfile needs C++20 or later: compile with -std=c++20 (or gnu++20, or newer)"
#endif

/// @def TEMPFILE_API
/// Marks a declaration of the library's API: default visibility while tempfile itself is built
/// as a shared library (whose other symbols are hidden), empty everywhere else, in a program that
/// includes the headers too. Not meant for a program's own declarations.
#if defined(TEMPFILE_SHARED) && defined(TEMPFILE_BUILDING)
#  define TEMPFILE_API __attribute__((visibility("default")))
#else
#  define TEMPFILE_API
#endif

/// @def TEMPFILE_LOCAL
/// Marks a member of an exported class that is the library's own business (one whose signature
/// names an internal type): hidden while tempfile itself is built as a shared library, empty
/// everywhere else. Not meant for a program's own declarations.
#if defined(TEMPFILE_SHARED) && defined(TEMPFILE_BUILDING)
#  define TEMPFILE_LOCAL __attribute__((visibility("hidden")))
#else
#  define TEMPFILE_LOCAL
#endif
