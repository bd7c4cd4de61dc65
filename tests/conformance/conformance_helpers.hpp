// SPDX-License-Identifier: MIT
// Helpers shared by the ports of CPython's tempfile tests (and the creation-layer unit tests):
// nameCheck, injectable name sources, and guards that restore process-wide state.
#pragma once

#include <gmock/gmock.h>  // EXPECT_TEMPFILE_ERROR (support/scratch.hpp) expands to matchers
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "create/names.hpp"
#include "os/random.hpp"
#include "support/environment.hpp"
#include "support/name_sources.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

namespace tempfile::test {

/// CPython's nameCheck: `path` is directly inside `dir` (made absolute and normal, as
/// os.path.abspath does), and its file name is prefix + 8 characters of [a-z0-9_] + suffix.
inline ::testing::AssertionResult name_check(const std::filesystem::path& path,
                                             const std::filesystem::path& dir,
                                             std::string_view prefix, std::string_view suffix) {
  std::filesystem::path absolute_dir = std::filesystem::absolute(dir).lexically_normal();
  if (!absolute_dir.has_filename() && absolute_dir != absolute_dir.root_path()) {
    absolute_dir = absolute_dir.parent_path();  // "/x/" from a trailing "." or "/"
  }
  if (path.parent_path() != absolute_dir) {
    return ::testing::AssertionFailure()
           << path << " is not directly inside " << absolute_dir << " (dir " << dir << ")";
  }
  const std::string name = path.filename().string();
  if (name.size() != prefix.size() + os::name_length + suffix.size() ||
      name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return ::testing::AssertionFailure() << "file name '" << name << "' is not '" << prefix
                                         << "' + 8 characters + '" << suffix << "'";
  }
  const std::string middle = name.substr(prefix.size(), os::name_length);
  if (middle.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return ::testing::AssertionFailure()
           << "random part '" << middle << "' of '" << name << "' is not [a-z0-9_]{8}";
  }
  return ::testing::AssertionSuccess();
}

/// The SCOPED_TRACE of a prefix/suffix combination in the basic tests.
inline std::string describe_affixes(std::string_view prefix, std::string_view suffix) {
  std::string text = "prefix '";
  text += prefix;
  text += "', suffix '";
  text += suffix;
  text += "'";
  return text;
}

/// Sets (or, with nullopt, unsets) an environment variable for one scope, then puts back what
/// was there: the fixture itself reads TMPDIR, and later tests must see the original value.
class ScopedEnvironmentVariable {
 public:
  ScopedEnvironmentVariable(std::string name, const std::optional<std::string>& value)
      : name_(std::move(name)), saved_(environment_value(name_)) {
    set_environment_value(name_, value);
  }
  ScopedEnvironmentVariable(const ScopedEnvironmentVariable&) = delete;
  ScopedEnvironmentVariable& operator=(const ScopedEnvironmentVariable&) = delete;
  ScopedEnvironmentVariable(ScopedEnvironmentVariable&&) = delete;
  ScopedEnvironmentVariable& operator=(ScopedEnvironmentVariable&&) = delete;
  ~ScopedEnvironmentVariable() {
    try {
      set_environment_value(name_, saved_);
    } catch (...) {  // a destructor must not throw; the next test sees what it sees
    }
  }

 private:
  std::string name_;
  std::optional<std::string> saved_;
};

/// Restores tempfile::tempdir() (the fixture's scratch directory) when the scope ends.
class ScopedTempdir {
 public:
  ScopedTempdir() : saved_(tempfile::tempdir()) {}
  explicit ScopedTempdir(std::optional<std::filesystem::path> dir) : ScopedTempdir() {
    tempfile::set_tempdir(std::move(dir));
  }
  ScopedTempdir(const ScopedTempdir&) = delete;
  ScopedTempdir& operator=(const ScopedTempdir&) = delete;
  ScopedTempdir(ScopedTempdir&&) = delete;
  ScopedTempdir& operator=(ScopedTempdir&&) = delete;
  ~ScopedTempdir() { tempfile::set_tempdir(saved_); }

 private:
  std::optional<std::filesystem::path> saved_;
};

}  // namespace tempfile::test
