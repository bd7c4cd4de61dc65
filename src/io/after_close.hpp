// SPDX-License-Identifier: MIT
// The one thing io lets a layer above attach to a file: what happens once its layers are
// closed. The objects layer implements it (NamedTemporaryFile removes its entry); io knows
// nothing of names on disk, registries or removal.
#pragma once

#include <string>

namespace tempfile::io {

class AfterClose {
 public:
  /// Who closed the file: File::close() (an error may be thrown to its caller), or the
  /// destructor (errors are swallowed: nobody to report to).
  enum class Why : unsigned char { close, destroy };

  AfterClose() = default;
  AfterClose(const AfterClose&) = delete;
  AfterClose& operator=(const AfterClose&) = delete;
  AfterClose(AfterClose&&) = delete;
  AfterClose& operator=(AfterClose&&) = delete;
  virtual ~AfterClose() = default;

  /// Called after the layers were closed (even if closing them failed). A fork()ed child's
  /// destructor only closes and never calls it; an explicit close() in a child does, and the
  /// hook decides what a child may do. May be called more than once (close() and then the
  /// destructor). `name` is the file's name, for messages.
  virtual void closed(Why why, const std::string& name) = 0;
};

}  // namespace tempfile::io
