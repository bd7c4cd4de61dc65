// Which process this is, as far as fork() goes: a generation counter bumped in every forked
// child, so objects can tell "the process that created me" from a child that inherited me.
#pragma once

namespace tempfile::os {

/// Counts the forks this process descends from (0 in the original process, bumped in every
/// forked child by a pthread_atfork handler, the same one that makes a child discard its
/// inherited random-name buffer). An object records it at creation and removes its entry only
/// while it is unchanged: a forked child's destructors then never remove their parent's
/// entries, without a getpid() per object. The first call installs the handler; forks before
/// that are not counted, so callers ask at creation time, before they could fork.
[[nodiscard]] unsigned process_generation() noexcept;

/// The process generation an object was created in, recorded at construction.
class CreatingProcess {
 public:
  CreatingProcess() noexcept : generation_(process_generation()) {}
  /// False in a fork()ed child of the process that made this object.
  [[nodiscard]] bool is_current() const noexcept { return process_generation() == generation_; }

 private:
  unsigned generation_;
};

}  // namespace tempfile::os
