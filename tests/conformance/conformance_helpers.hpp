// SPDX-License-Identifier: MIT
// Helpers shared by the ports of CPython's tempfile tests (and the creation-layer unit tests):
// nameCheck, injectable name sources, and guards that restore process-wide state.
#pragma once

#include <gmock/gmock.h>  // EXPECT_TEMPFILE_ERROR (support/scratch.hpp) expands to matchers
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "create/names.hpp"
#include "os/random.hpp"
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
      : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str()); old != nullptr) {
      saved_ = old;
    }
    assign(value);
  }
  ScopedEnvironmentVariable(const ScopedEnvironmentVariable&) = delete;
  ScopedEnvironmentVariable& operator=(const ScopedEnvironmentVariable&) = delete;
  ScopedEnvironmentVariable(ScopedEnvironmentVariable&&) = delete;
  ScopedEnvironmentVariable& operator=(ScopedEnvironmentVariable&&) = delete;
  ~ScopedEnvironmentVariable() { assign(saved_); }

 private:
  void assign(const std::optional<std::string>& value) const {
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

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

/// Sets the umask for one scope: modes are checked against 0600/0700, which only a umask that
/// clears no owner bit leaves intact.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : saved_(::umask(mask)) {}
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;
  ScopedUmask(ScopedUmask&&) = delete;
  ScopedUmask& operator=(ScopedUmask&&) = delete;
  ~ScopedUmask() { ::umask(saved_); }

 private:
  mode_t saved_;
};

/// In a child: no file may grow past 0 bytes (RLIMIT_FSIZE 0) and SIGXFSZ is ignored, so every
/// write to a regular file fails with EFBIG: a real fault that, unlike a descriptor limit,
/// leaves the sanitizers' own machinery working. Returns false on failure.
inline bool forbid_file_growth() {
  const rlimit no_growth{0, 0};
  return std::signal(SIGXFSZ, SIG_IGN) != SIG_ERR && ::setrlimit(RLIMIT_FSIZE, &no_growth) == 0;
}

/// For bodies run in a forked child, whose gtest assertions never reach the parent: returns 0
/// when `body` throws tempfile::error with `expected` and a what() containing `text`, and
/// otherwise prints why to stderr and returns a nonzero exit code.
template <class Body>
int child_expects_error(Body&& body, std::errc expected, std::string_view text) {
  try {
    std::forward<Body>(body)();
  } catch (const tempfile::error& failure) {
    const std::string_view what = failure.what();
    if (failure.code() != std::make_error_code(expected)) {
      static_cast<void>(std::fprintf(stderr, "child: wrong error code %d in: %s\n",
                                     failure.code().value(), failure.what()));
      return 2;
    }
    if (what.find(text) == std::string_view::npos) {
      static_cast<void>(std::fprintf(stderr, "child: '%.*s' not found in: %s\n",
                                     static_cast<int>(text.size()), text.data(), failure.what()));
      return 3;
    }
    return 0;
  } catch (const std::exception& failure) {
    static_cast<void>(std::fprintf(stderr, "child: unexpected exception: %s\n", failure.what()));
    return 4;
  }
  static_cast<void>(std::fprintf(stderr, "child: nothing was thrown\n"));
  return 1;
}

}  // namespace tempfile::test
