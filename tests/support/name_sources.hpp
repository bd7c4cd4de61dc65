// SPDX-License-Identifier: MIT
// Name sources for tests, in place of the random one (CPython's tests replace
// _get_candidate_names the same way): scripted collisions, a name that always collides, and
// counted random names. Every source counts its calls, so a test can prove how many attempts
// a creation made (1: no retry; 2: one EEXIST retried).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "create/names.hpp"

namespace tempfile::test {

/// Serves the given names in order, then "spare0000", "spare0001"...
class ScriptedNames final : public create::NameSource {
 public:
  explicit ScriptedNames(std::vector<std::string> names) : names_(std::move(names)) {}

  std::string_view next() override {
    const auto index = static_cast<std::size_t>(calls_++);
    if (index < names_.size()) {
      return names_[index];
    }
    char spare[16] = {};
    std::snprintf(spare, sizeof spare, "spare%04zu", index - names_.size());
    current_ = spare;
    return current_;
  }
  [[nodiscard]] int calls() const noexcept { return calls_; }

 private:
  std::vector<std::string> names_;
  std::string current_;
  int calls_ = 0;
};

/// Always serves the same name: every attempt collides with whatever holds it.
class RepeatingName final : public create::NameSource {
 public:
  explicit RepeatingName(std::string name) : name_(std::move(name)) {}

  std::string_view next() override {
    ++calls_;
    return name_;
  }
  [[nodiscard]] int calls() const noexcept { return calls_; }

 private:
  std::string name_;
  int calls_ = 0;
};

/// Random names, counted: how many candidates a creation needed.
class CountingRandomNames final : public create::NameSource {
 public:
  std::string_view next() override {
    ++calls_;
    return random_.next();
  }
  [[nodiscard]] int calls() const noexcept { return calls_; }

 private:
  create::RandomNames random_;
  int calls_ = 0;
};

}  // namespace tempfile::test
