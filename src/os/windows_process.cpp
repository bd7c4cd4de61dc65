// SPDX-License-Identifier: MIT
// os/process.hpp on Windows: the process id from the system, and no fork() to guard against.
#include "os/process.hpp"
#include "os/windows_api.hpp"

namespace tempfile::os {

pid_t process_id() noexcept {
  // A child process never shares our memory on Windows (there is no fork()), so the id cannot
  // go stale: the call reads it from the process environment block, no system call.
  return static_cast<pid_t>(::GetCurrentProcessId());
}

int hold_across_fork(void (* /*prepare*/)(), void (* /*after*/)()) noexcept {
  return 0;  // Windows has no fork(): nothing is ever copied half held.
}

}  // namespace tempfile::os
