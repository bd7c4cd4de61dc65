// SPDX-License-Identifier: MIT
// Real child processes for tests: fork, run a body (with lower limits, another user...),
// and report its exit status to the parent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>

namespace tempfile::test {

/// Forks; the child runs `body` and _exits with its return value (or 100 if it threw).
/// Returns the child's exit status, or 128 + signal if it was killed.
int run_in_child(const std::function<int()>& body);

/// In a child: lowers RLIMIT_NOFILE (a real `ulimit -n`). Returns false on failure.
bool limit_open_files(unsigned long limit);

/// In a child: lowers RLIMIT_FSIZE (a real `ulimit -f`): a write past `bytes` fails with EFBIG
/// (once SIGXFSZ is ignored). Returns false on failure.
bool limit_file_size(unsigned long bytes);

/// In a child: drops to uid/gid 65534 (nobody) with no supplementary groups, so permission
/// checks apply even when the tests run as root. A process that is not root already has them
/// and stays as it is (true). Returns false on failure.
bool become_unprivileged();

/// Polls `done` (every few milliseconds) until it holds or `limit` passes; true if it held. For
/// what another process does in its own time (a guardian, a killed owner's kernel cleanup): no
/// fixed sleeps.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

/// Whether process `pid` has ended: gone, or a zombie nobody reaped yet. Read from /proc, so it
/// works for processes that are not our children (a guardian, adopted by init).
bool process_ended(pid_t pid);

}  // namespace tempfile::test
