// SPDX-License-Identifier: MIT
// tempfile::cleanup_on_signals(): the public switch for the OS layer's signal cleanup (which
// turns on the terminate cleanup too).
#include "os/cleanup.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/error.hpp"

namespace tempfile {

void cleanup_on_signals() {
  if (const os::Errno err = os::install_signal_cleanup(); err != 0) {
    const os::SignalCleanupText text = os::signal_cleanup_text();
    throw error(text.action, text.events, os::to_error_code(err));
  }
  cleanup_on_terminate();  // an uncaught exception ends the process too: the same promise
}

}  // namespace tempfile
