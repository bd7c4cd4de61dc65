// SPDX-License-Identifier: MIT
// A test seam of persist(): told before each of its steps, so that a crash test can kill the
// process at exactly that point and check what is left. The library never sets it.
#pragma once

namespace tempfile::objects {

enum class PersistStep {
  sync_file,       // durable: fsync of the file, before any name reaches it
  check_name,      // named file: is its name still ours?
  rename,          // named file: rename / renameat2 / link+unlink to the target
  link,            // unnamed file, no clobber: linkat straight to the target
  link_staged,     // unnamed file, overwrite: linkat to a random name beside the target
  rename_staged,   // unnamed file, overwrite: rename of that name over the target
  withdraw,        // the name is the target's: the removal is withdrawn
  sync_directory,  // durable: fsync of the target's directory
  // Across file systems (cross_device, after rename or link gave EXDEV), in this order: copy,
  // sync_copy, then the final step again (rename for a named copy; link, or link_staged and
  // rename_staged, for an unnamed one), withdraw and sync_directory.
  copy,       // the copy beside the target was just created: its bytes are copied next
  sync_copy,  // durable: fsync of the copy, before any name reaches it
};

using PersistStepHook = void (*)(PersistStep step) noexcept;

/// Installs `hook` (nullptr: none) for every later persist() in this process.
void set_persist_step_hook(PersistStepHook hook) noexcept;

}  // namespace tempfile::objects
