// SPDX-License-Identifier: MIT
// NamedTemporaryFile's file and its removal duty, shared with atomic_write's fallback where a
// file system has no unnamed files.
#pragma once

#include <memory>

#include "tempfile/options.hpp"

namespace tempfile::detail {
struct FileState;
}  // namespace tempfile::detail

namespace tempfile::objects {

/// A file made with mkstemp's rules in options.dir (or gettempdir()), wrapped per the options'
/// mode, holding the shared lock (options.lock) and, with options.delete_, the duty to remove
/// it (close or destruction, per delete_on_close; never a file that replaced its name).
/// Throws std::invalid_argument for bad options, tempfile::error for OS failures.
[[nodiscard]] std::unique_ptr<detail::FileState> open_named_file(
    const NamedTemporaryFileOptions& options);

}  // namespace tempfile::objects
