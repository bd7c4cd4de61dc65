// SPDX-License-Identifier: MIT
/// Where temporary files go: TMP_MAX, gettempprefix(), gettempdir() and the tempdir override.
/// @file
#pragma once

#include <cstdio>  // so that stdio's TMP_MAX macro is defined, then removed, before ours
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "tempfile/export.hpp"

// <stdio.h> defines TMP_MAX as a macro (238328 on glibc), which would turn the declaration
// below into "inline constexpr int 238328". We include <cstdio> first and undefine the macro so
// that tempfile::TMP_MAX always names our constant; code that wants C's value can use
// tempfile::c_tmp_max.
#ifdef TMP_MAX
namespace tempfile {
/// The value of C's TMP_MAX macro, saved before the macro is removed.
inline constexpr long long c_tmp_max = TMP_MAX;
}  // namespace tempfile
#  undef TMP_MAX
#endif

namespace tempfile {

/// How many names mkstemp/mkdtemp/mktemp try before giving up with EEXIST. Python: TMP_MAX
/// (os.TMP_MAX on 3.11, 20 on 3.13+); we use 10000 on every platform.
inline constexpr int TMP_MAX = 10000;

/// Python: gettempprefix() / gettempprefixb(). The default prefix of generated names: "tmp".
[[nodiscard]] TEMPFILE_API std::string gettempprefix();

/// Python: gettempdir(). The directory temporary files go to when no `dir` is given.
///
/// Searched on first use, then cached for the life of the process (thread-safe): $TMPDIR,
/// $TEMP, $TMP (each only if set and non-empty; ignored in set-user-ID programs, as glibc's
/// secure_getenv does), then /tmp, /var/tmp, /usr/tmp, then the current directory. A candidate
/// is accepted only after a file was really created, written and removed in it, as CPython
/// does. The result is absolute and lexically normal (symbolic links are not resolved).
///
/// Errors: when no candidate is usable, tempfile::error with ENOENT whose message lists every
/// candidate and why it was rejected.
[[nodiscard]] TEMPFILE_API std::filesystem::path gettempdir();
/// As gettempdir(), reporting failure through `ec` (cleared on success) instead of throwing;
/// returns an empty path on failure.
[[nodiscard]] TEMPFILE_API std::filesystem::path gettempdir(std::error_code& ec) noexcept;

/// Python: the module variable `tempfile.tempdir`. nullopt until gettempdir() first searches
/// (or after set_tempdir(std::nullopt)); then the directory in use.
[[nodiscard]] TEMPFILE_API std::optional<std::filesystem::path> tempdir();

/// Python: assigning `tempfile.tempdir`. A path is used by gettempdir() from now on without
/// being checked, as in Python; a relative path is made absolute against the current
/// directory now. std::nullopt makes the next gettempdir() search again.
TEMPFILE_API void set_tempdir(std::optional<std::filesystem::path> dir);

}  // namespace tempfile
