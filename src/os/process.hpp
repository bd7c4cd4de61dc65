// SPDX-License-Identifier: MIT
// Which process this is: the id an object records when it creates an entry, so that only the
// creating process ever removes it (never a child made by fork(), syscall(SYS_fork) or clone()).
#pragma once

#include <sys/types.h>

namespace tempfile::os {

/// This process's id, usually without a system call. On Linux it is cached on a page the kernel
/// zeroes in every child that does not share our memory (MADV_WIPEONFORK): a child made by
/// fork(), by syscall(SYS_fork) or by clone() without CLONE_VM finds the page empty and asks
/// getpid() once. Where that page cannot be had (kernels before 4.14) every call is a getpid();
/// on other systems the cache is refreshed in the child by a pthread_atfork handler, which only
/// fork() runs. A child sharing our memory (vfork, CLONE_VM) sees our id: it may only exec or
/// _exit. The first call maps the page: not for signal handlers (they call getpid()).
[[nodiscard]] pid_t process_id() noexcept;

/// The process an object was created in, recorded at construction.
class CreatingProcess {
 public:
  CreatingProcess() noexcept : id_(process_id()) {}
  /// False in any child of the process that made this object.
  [[nodiscard]] bool is_current() const noexcept { return process_id() == id_; }
  [[nodiscard]] pid_t id() const noexcept { return id_; }

 private:
  pid_t id_;
};

}  // namespace tempfile::os
