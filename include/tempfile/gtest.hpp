// SPDX-License-Identifier: MIT
/// `tempfile::gtest`: a fresh, lazily created directory per GoogleTest test, kept when the test
/// fails.
/// @file
#pragma once

// Not included by tempfile.hpp: this header needs GoogleTest, the rest of the library does not.
#include <gtest/gtest.h>

#include <filesystem>

/// The GoogleTest fixture (library tempfile::gtest, docs/gtest-fixture.md): tmp_path(), a
/// directory per test made on first use, removed when the test passes and kept when it fails.
namespace tempfile::gtest {

/// Which test directories survive their test. Artifact directories are always kept.
enum class Keep {
  failed,  ///< kept when the test did not pass (skipped counts as passed); the default
  all,     ///< always kept
  none,    ///< always removed
};

/// What set_retention() sets. The environment overrides it field by field:
/// `TEMPFILE_GTEST_KEEP=failed|all|none` and `TEMPFILE_GTEST_KEEP_RUNS=<N>`.
struct Retention {
  /// Which test directories are kept when their test ends (TEMPFILE_GTEST_KEEP).
  Keep keep = Keep::failed;
  /// How many run-N directories are left after this run's is made (this one included); older
  /// runs beyond it are removed, except those whose process is still alive. 0 counts as 1.
  int keep_runs = 3;
};

/// Sets the retention from the program (e.g. in main before RUN_ALL_TESTS). Precedence, highest
/// first: the environment variables, this call, the defaults (failed, 3). keep_runs is applied
/// when this process's run directory is made (on the first tmp_path() or artifact_dir()), so set
/// it before that.
void set_retention(const Retention& retention);

/// The retention in force now: set_retention()'s value overridden by the environment. Throws
/// std::invalid_argument for a malformed environment variable.
[[nodiscard]] Retention retention();

/// The directory of the running test: made on the first call in the test (0700), the same path
/// for every later call in the same test, removed or kept when the test ends. Named after the
/// sanitised "Suite.Test" under `<root>/tempfile-of-<user>/run-N`. Must be called while a test
/// runs (std::logic_error otherwise); tempfile::error if the directory cannot be made or the
/// root is unsafe (a symbolic link, not ours, or not 0700).
[[nodiscard]] std::filesystem::path tmp_path();

/// A further fresh directory for the running test: `<name>-001`, `<name>-002`... Retained and
/// removed with tmp_path().
[[nodiscard]] std::filesystem::path new_tmp_path();

/// The running test's artifact directory, `<run>/artifacts/<name>`: made on first call, never
/// removed by this library (whatever the retention), printed and recorded when the test ends.
[[nodiscard]] std::filesystem::path artifact_dir();

/// This process's run directory `<root>/tempfile-of-<user>/run-N` (made, with the pruning of old
/// runs, on first call).
[[nodiscard]] std::filesystem::path run_dir();

/// A fixture base for TEST_F: the same functions as members. Each test's directory is removed
/// (or kept) after TearDown and the fixture's destructor, when the test's result is final; a
/// removal that fails fails the test.
class TmpPathTest : public ::testing::Test {
 protected:
  /// The running test's directory: tempfile::gtest::tmp_path().
  [[nodiscard]] static std::filesystem::path tmp_path() { return gtest::tmp_path(); }
  /// A further fresh directory for the running test: tempfile::gtest::new_tmp_path().
  [[nodiscard]] static std::filesystem::path new_tmp_path() { return gtest::new_tmp_path(); }
  /// The running test's artifact directory: tempfile::gtest::artifact_dir().
  [[nodiscard]] static std::filesystem::path artifact_dir() { return gtest::artifact_dir(); }
};

}  // namespace tempfile::gtest
