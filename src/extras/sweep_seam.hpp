// SPDX-License-Identifier: MIT
// A test seam of sweep(): told between the steps of each entry's visit, so that a race test can
// swap the entry's name at exactly that point (no timing). The library never sets it.
#pragma once

namespace tempfile::extras {

enum class SweepStep {
  examined,  // lstat done: an old enough file or directory; the open comes next
  opened,    // opened; the exclusive lock comes next
  locked,    // locked; the checks under the lock come next
  checked,   // checked: the name referred to the locked entry; the removal (or dry run) is next
  remove,    // right before the removal: a file's name moved away, a directory's tree removed
  moved,     // a file: its name moved to a private one; what arrived there is identified next
  unlink,    // a file: the private name identified as the locked file; its unlink is next
};

/// `name` is the entry's name in the swept directory, as matched.
using SweepStepHook = void (*)(SweepStep step, const char* name) noexcept;

/// Installs `hook` (nullptr: none) for every later sweep() in this process.
void set_sweep_step_hook(SweepStepHook hook) noexcept;

}  // namespace tempfile::extras
