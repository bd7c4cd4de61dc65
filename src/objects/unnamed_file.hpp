// SPDX-License-Identifier: MIT
// TemporaryFile's file creation, shared with SpooledTemporaryFile's rollover.
#pragma once

#include <string>

#include "os/fd.hpp"
#include "tempfile/options.hpp"

namespace tempfile::objects {

/// A file no name reaches, the directory it is in (for messages), and whether it was made with
/// O_TMPFILE (a name can be linked to it later) or created and unlinked.
struct UnnamedFile {
  os::FileDescriptor fd;
  std::string dir;
  bool linkable = false;
};

/// A file no name reaches, in options.dir (or gettempdir()): O_TMPFILE, else created with
/// mkstemp's rules and unlinked at once. Throws std::invalid_argument for a bad prefix/suffix,
/// tempfile::error for OS failures.
[[nodiscard]] UnnamedFile create_unnamed(const TemporaryFileOptions& options);

}  // namespace tempfile::objects
