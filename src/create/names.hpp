// SPDX-License-Identifier: MIT
// Where candidate names come from: random by default, a fixed list in tests (Python's tests
// replace _get_candidate_names the same way to force collisions).
#pragma once

#include <string_view>

#include "os/random.hpp"

namespace tempfile::create {

class NameSource {
 public:
  NameSource() = default;
  NameSource(const NameSource&) = delete;
  NameSource& operator=(const NameSource&) = delete;
  NameSource(NameSource&&) = delete;
  NameSource& operator=(NameSource&&) = delete;
  virtual ~NameSource() = default;
  /// The next candidate; the view stays valid until the next call.
  virtual std::string_view next() = 0;
};

/// Python's _RandomNameSequence: 8 characters of [a-z0-9_] per name.
class RandomNames final : public NameSource {
 public:
  std::string_view next() override {
    os::random_name(name_);
    return {name_, os::name_length};
  }

 private:
  char name_[os::name_length] = {};
};

}  // namespace tempfile::create
