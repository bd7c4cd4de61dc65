// SPDX-License-Identifier: MIT
// The two ways a temporary file gets its final name, shared by every object that persists:
// renaming a named file, linking an unnamed one into place.
#pragma once

#include <string>
#include <string_view>

#include "tempfile/persist.hpp"

namespace tempfile::detail {
struct FileState;
}  // namespace tempfile::detail

namespace tempfile::objects {

/// A file with a name: renamed to `target` after checking that its name is still its own;
/// then it owes no removal any more. `function` names the caller in argument errors.
void persist_named(detail::FileState& s, const std::string& target, const PersistOptions& options,
                   const char* function);

/// A file with no name (O_TMPFILE): linked into place, never visible under a half-written
/// name (overwrite: linked to a random ".tmp" name beside `target`, then renamed over it).
/// `has_umask_mode`: it was created with mode 0666, so the kernel already gave it what
/// PersistMode::umask_default() asks for (no umask to learn, no chmod).
void persist_unnamed(detail::FileState& s, const std::string& target, const PersistOptions& options,
                     const char* function, bool has_umask_mode = false);

/// The same for a bare descriptor of an O_TMPFILE file that holds every byte already (no file
/// object around it): atomic_write's fast path. `absolute_target` must be absolute and
/// normal (create::absolute_path's result).
void persist_unnamed_descriptor(int fd, const std::string& absolute_target,
                                const PersistOptions& options, bool has_umask_mode);

}  // namespace tempfile::objects
