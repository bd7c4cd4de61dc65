// SPDX-License-Identifier: MIT
// TemporaryFile's file creation, shared with SpooledTemporaryFile's rollover.
#pragma once

#include <string>

#include "os/fd.hpp"
#include "tempfile/options.hpp"

namespace tempfile::objects {

/// A file no name reaches, in options.dir (or gettempdir()): O_TMPFILE, else created with
/// mkstemp's rules and unlinked at once. `dir_used` receives the directory, for messages.
/// Throws std::invalid_argument for a bad prefix/suffix, tempfile::error for OS failures.
[[nodiscard]] os::FileDescriptor create_unnamed(const TemporaryFileOptions& options,
                                                std::string& dir_used);

}  // namespace tempfile::objects
