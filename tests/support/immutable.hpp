// SPDX-License-Identifier: MIT
// A file made immutable (chattr +i) for one scope: nobody, root included, can unlink or rename
// it, which is how tests make an entry the library cannot remove.
#pragma once

#include <filesystem>
#include <string>

namespace tempfile::test {

class Immutable {
 public:
  /// Sets FS_IMMUTABLE_FL on `path`; refused() says why when the kernel or file system would not.
  explicit Immutable(const std::filesystem::path& path);
  Immutable(const Immutable&) = delete;
  Immutable& operator=(const Immutable&) = delete;
  Immutable(Immutable&&) = delete;
  Immutable& operator=(Immutable&&) = delete;
  ~Immutable();

  /// Restores the file's flags (once; the destructor does it otherwise).
  void unlock();
  [[nodiscard]] bool locked() const { return locked_; }
  /// Empty when the file is locked, else the failed step and its errno text.
  [[nodiscard]] const std::string& refused() const { return refused_; }

 private:
  int fd_;
  int original_ = 0;
  bool locked_ = false;
  std::string refused_;
};

}  // namespace tempfile::test
