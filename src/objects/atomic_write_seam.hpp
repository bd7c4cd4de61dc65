// SPDX-License-Identifier: MIT
// A test seam of atomic_write(): makes it use a named temporary file, as on a file system
// without unnamed files, so that both of its ways are tested on every system. The library
// never sets it.
#pragma once

namespace tempfile::objects {

/// true: the next atomic_write() calls skip O_TMPFILE and use a named ".tmp" file. Default
/// false.
void atomic_write_named_only(bool value) noexcept;

}  // namespace tempfile::objects
