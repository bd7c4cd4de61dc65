// SPDX-License-Identifier: MIT
// os/process.hpp on Windows: the process id from the system.
#include "os/process.hpp"
#include "os/windows_api.hpp"

namespace tempfile::os {

pid_t process_id() noexcept {
  // A child process never shares our memory on Windows (there is no fork()), so the id cannot
  // go stale: the call reads it from the process environment block, no system call.
  return static_cast<pid_t>(::GetCurrentProcessId());
}

}  // namespace tempfile::os
