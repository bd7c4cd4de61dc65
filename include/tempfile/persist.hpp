// SPDX-License-Identifier: MIT
// persist()'s options and its one error of its own: how a temporary file gets its final name.
#pragma once

#include "tempfile/error.hpp"
#include "tempfile/export.hpp"

namespace tempfile {

/// What persist(target, options) does (docs/persist.md). An aggregate: write it with designated
/// initializers, {.overwrite = false, .durable = true}; fields added later come after these.
struct PersistOptions {
  /// true: an existing `target` (not a directory) is replaced atomically (rename()); readers see
  /// the old file or the new one, never a mix. false: `target` must name nothing, not even a
  /// dangling symbolic link, or persist fails with EEXIST and changes nothing.
  bool overwrite = true;
  /// true: the file's data are synced (fsync) before it gets its name, and the target's
  /// directory after, so that after a crash the target is there with this content, or the old
  /// state is. false: as fast as rename(); a crash may lose the new name or its data.
  bool durable = false;
};

/// Thrown by persist() with `durable` when the file did get its name but the sync of the
/// target's directory that follows failed: the file IS at the target (name() says so for a
/// named file), and the object no longer removes anything, but the name may not survive a
/// crash. Every other persist() failure is a plain tempfile::error and changes nothing.
class TEMPFILE_API persisted_not_durable_error : public error {
 public:
  using error::error;
  persisted_not_durable_error(const persisted_not_durable_error&) = default;
  persisted_not_durable_error& operator=(const persisted_not_durable_error&) = default;
  ~persisted_not_durable_error() override;
};

}  // namespace tempfile
