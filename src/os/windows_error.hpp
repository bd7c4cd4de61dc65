// SPDX-License-Identifier: MIT
// Windows-only helpers of the OS layer: Win32 error codes as errno values, and UTF-8 <-> UTF-16
// for the wide-character ("W") API every Windows call here uses.
#pragma once

#include <string>
#include <string_view>

#include "os/errno.hpp"

namespace tempfile::os::windows {

/// The errno value closest to a Win32 error (GetLastError()): ERROR_FILE_EXISTS and
/// ERROR_ALREADY_EXISTS give EEXIST, ERROR_FILE_NOT_FOUND and ERROR_PATH_NOT_FOUND ENOENT,
/// ERROR_ACCESS_DENIED EACCES, and so on; an error with no errno of its own gives EIO.
[[nodiscard]] Errno errno_from_win32(unsigned long error) noexcept;

/// What a refused creation of `path` means: Windows answers ERROR_ACCESS_DENIED (EACCES), not
/// ERROR_FILE_EXISTS, when the name is an existing directory or a file pending deletion, so
/// EACCES is a collision (EEXIST, try another name) when something is under the name, and
/// stays EACCES otherwise (a directory this user may not write: CPython gh-66305 retried that
/// too and spun through 2^31 names). Any other errno is returned as it is.
[[nodiscard]] Errno collision_or_refusal(const std::wstring& path, Errno err) noexcept;

/// UTF-8 to UTF-16. Returns EILSEQ for ill-formed UTF-8 (a path must not silently name
/// another file). Throws std::bad_alloc.
[[nodiscard]] Errno widen(std::string_view utf8, std::wstring& out);

/// UTF-16 to UTF-8; an unpaired surrogate becomes U+FFFD. Throws std::bad_alloc.
[[nodiscard]] std::string narrow(std::wstring_view wide);

}  // namespace tempfile::os::windows
