// SPDX-License-Identifier: MIT
// TemporaryFile's file creation, shared with SpooledTemporaryFile's rollover.
#pragma once

#include "create/create.hpp"
#include "os/fd.hpp"
#include "tempfile/options.hpp"

namespace tempfile::objects {

/// A file no name reaches, the directory it is in (for messages; it may borrow the options'
/// text, see create::ResolvedDirectory), and whether it was made with O_TMPFILE (a name can be
/// linked to it later) or created and unlinked.
struct UnnamedFile {
  os::FileDescriptor fd;
  create::ResolvedDirectory where;
  bool linkable = false;
};

/// A file no name reaches, in options.dir (or gettempdir()): O_TMPFILE, else created with
/// mkstemp's rules and unlinked at once. The result may borrow from `options`. Throws
/// std::invalid_argument for a bad prefix/suffix, tempfile::error for OS failures.
[[nodiscard]] UnnamedFile create_unnamed(const TemporaryFileOptions& options);

}  // namespace tempfile::objects
