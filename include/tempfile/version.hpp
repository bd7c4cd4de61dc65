// SPDX-License-Identifier: MIT
// The library's version, as numbers a program can test at compile time.
#pragma once

#define TEMPFILE_VERSION_MAJOR 0
#define TEMPFILE_VERSION_MINOR 1
#define TEMPFILE_VERSION_PATCH 0

namespace tempfile {
/// The version as "major.minor.patch".
inline constexpr const char* version = "0.1.0";
}  // namespace tempfile
