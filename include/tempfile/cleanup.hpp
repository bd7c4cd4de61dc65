// What happens to live temporary entries when the process is ended by a signal: the opt-in
// switch that makes SIGINT, SIGTERM and SIGHUP remove them first (docs/cleanup.md).
#pragma once

#include "tempfile/export.hpp"

namespace tempfile {

/// Opt-in: from now on SIGINT, SIGTERM and SIGHUP first remove every live NamedTemporaryFile
/// (with delete_) and TemporaryDirectory (with delete_) this process created, then act as they
/// would have: a handler installed earlier is called (ours stays installed if it returns), a
/// default action ends the process as if unhandled (the wait status says "killed by SIGx"),
/// an ignored signal stays ignored. The handler only makes async-signal-safe calls on state
/// prepared in advance (no allocation, no lock). Calling it again does nothing. Throws
/// tempfile::error if sigaction fails.
///
/// Nothing can clean up after _exit(), std::quick_exit(), abort() or SIGKILL: the kernel frees
/// TemporaryFile and SpooledTemporaryFile storage, named entries stay (docs/cleanup.md).
TEMPFILE_API void cleanup_on_signals();

}  // namespace tempfile
