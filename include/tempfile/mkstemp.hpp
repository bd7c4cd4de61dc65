// SPDX-License-Identifier: MIT
/// The low-level creation functions: mkstemp, mkdtemp and the deprecated mktemp.
/// @file
#pragma once

#include <filesystem>
#include <system_error>

#include "tempfile/dirs.hpp"
#include "tempfile/export.hpp"
#include "tempfile/options.hpp"

namespace tempfile {

/// What mkstemp returns; unpacks as `auto [fd, path] = tempfile::mkstemp();`.
struct MkstempResult {
  /// An open O_RDWR descriptor at offset 0, close-on-exec. The caller must close it.
  int fd = -1;
  /// The absolute path of the new file. The caller must remove it.
  std::filesystem::path path;
};

/// Python: mkstemp(suffix, prefix, dir, text). Creates a new file named
/// dir / (prefix + 8 random characters of [a-z0-9_] + suffix), with
/// O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and mode 0600 (less the umask, as in Python).
///
/// Security: the name comes from the OS's random source and the file is created exclusively,
/// so nothing that existed before (a file, a symbolic link, a FIFO) is ever opened. A prefix or
/// suffix containing '/' or NUL is rejected, so the file is always directly inside `dir`
/// (Python would create it elsewhere).
///
/// Errors: std::invalid_argument for a bad prefix or suffix; tempfile::error for OS failures,
/// with path1() = the directory and path2() = the name tried. Only EEXIST is retried, at most
/// TMP_MAX times; every other errno is reported at once.
[[nodiscard]] TEMPFILE_API MkstempResult mkstemp(const MkstempOptions& options = {});
/// As mkstemp(options), reporting every failure (bad arguments included, as EINVAL) through
/// `ec` instead of throwing; on failure returns {-1, {}}.
[[nodiscard]] TEMPFILE_API MkstempResult mkstemp(const MkstempOptions& options,
                                                 std::error_code& ec) noexcept;
/// mkstemp(options, ec) with the default options.
[[nodiscard]] TEMPFILE_API MkstempResult mkstemp(std::error_code& ec) noexcept;

/// Python: mkdtemp(suffix, prefix, dir). Creates a new directory with mode 0700 (less the
/// umask) and returns its absolute path (Python 3.12+). The caller must remove it.
/// Errors as mkstemp.
[[nodiscard]] TEMPFILE_API std::filesystem::path mkdtemp(const MkdtempOptions& options = {});
/// As mkdtemp(options), reporting every failure (bad arguments included, as EINVAL) through
/// `ec` instead of throwing; on failure returns an empty path.
[[nodiscard]] TEMPFILE_API std::filesystem::path mkdtemp(const MkdtempOptions& options,
                                                         std::error_code& ec) noexcept;
/// mkdtemp(options, ec) with the default options.
[[nodiscard]] TEMPFILE_API std::filesystem::path mkdtemp(std::error_code& ec) noexcept;

/// Python: mktemp(suffix, prefix, dir). Returns an absolute path that did not exist when it was
/// checked, creating nothing.
///
/// @deprecated Unsafe, as in Python: another process can create the name between the check and
/// its use. Use mkstemp(), mkdtemp() or NamedTemporaryFile instead.
[[deprecated(
    "tempfile::mktemp is unsafe: another process can create the name between the check and "
    "your use of it. Use mkstemp, mkdtemp or NamedTemporaryFile "
    "instead.")]] [[nodiscard]] TEMPFILE_API std::filesystem::path
mktemp(const MktempOptions& options = {});

}  // namespace tempfile
