// SPDX-License-Identifier: MIT
// What a DirOption refers to when it names a directory held open by descriptor.
#pragma once

#include <string_view>

#include "tempfile/options.hpp"

namespace tempfile::detail {

/// Kept by the object that holds the directory (Directory, TemporaryDirectory) in its heap state,
/// so that a DirOption's pointer to it survives moves of the object.
struct HeldDirectory {
  /// The open directory, or -1 once its owner closed it (cleanup(), destruction of the owner's
  /// descriptor): creating in it then fails with EBADF instead of using a reused number.
  int fd = -1;
  /// Its absolute path, normal (no "." or ".." components, no doubled '/'): the prefix of every
  /// name created in it. Views the owner's own copy.
  std::string_view path;
};

}  // namespace tempfile::detail
