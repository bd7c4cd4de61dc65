// SPDX-License-Identifier: MIT
// Port of CPython's TestGetDefaultTempdir: the directory search leaves no probe file behind,
// whether the probe succeeds, cannot be opened, or cannot be written. CPython mocks os.open
// and os.write; here the faults are real (resource limits, permissions) in a child process.
#include <string>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "conformance/conformance_posix.hpp"
#include "create/names.hpp"
#include "create/tempdir.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::create {
namespace {

class GetDefaultTempdirTest : public test::ScratchTest {};

// The rejection the search must report: ENOENT overall, naming the directory and its reason.
int search_is_rejected(const std::string& dir, const std::string& reason) {
  RandomNames names;
  return test::child_expects_error([&] { static_cast<void>(find_usable_tempdir({dir}, names)); },
                                   std::errc::no_such_file_or_directory,
                                   "'" + dir + "' (" + reason + ")");
}

TEST_F(GetDefaultTempdirTest, NoFilesLeftBehind) {
  const auto dir = make_subdir("empty");
  RandomNames names;
  EXPECT_EQ(find_usable_tempdir({dir.string()}, names), dir.string());
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::remove(dir);
}

// CPython: os.open raising OSError. Here: the probe's open gets EMFILE, because the child may
// not open any more descriptors.
TEST_F(GetDefaultTempdirTest, NoFilesLeftBehindWhenOpenFailsWithEmfile) {
  const auto dir = make_subdir("empty");
  const int status = test::run_in_child([&] {
    // UBSan's vptr check (sanitized builds) reads memory through a pipe the first time it meets
    // a type, which a process without descriptors cannot make: the same search, failing the
    // same way for a missing directory, is run first so the checks are done before the limit.
    if (search_is_rejected(dir.string() + "/missing", "No such file or directory") != 0) {
      return 11;
    }
    if (!test::limit_open_files(0)) {
      return 10;
    }
    return search_is_rejected(dir.string(), "Too many open files");
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::remove(dir);
}

// CPython: os.open raising PermissionError. Here: a directory the unprivileged child cannot
// write to.
TEST_F(GetDefaultTempdirTest, NoFilesLeftBehindWhenOpenFailsWithEacces) {
  const auto dir = make_subdir("locked");
  std::filesystem::permissions(scratch(), std::filesystem::perms(0755));
  std::filesystem::permissions(dir, std::filesystem::perms(0555));
  const int status = test::run_in_child([&] {
    if (!test::become_unprivileged()) {
      return 10;
    }
    return search_is_rejected(dir.string(), "Permission denied");
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::remove(dir);
}

// CPython: os.write raising OSError. Here: the child may not grow any file (RLIMIT_FSIZE 0,
// SIGXFSZ ignored), so the probe is created but its 4-byte write fails with EFBIG; the search
// must still remove the probe.
TEST_F(GetDefaultTempdirTest, NoFilesLeftBehindWhenWriteFails) {
  const auto dir = make_subdir("empty");
  const int status = test::run_in_child([&] {
    if (!test::forbid_file_growth()) {
      return 10;
    }
    return search_is_rejected(dir.string(), "File too large");
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(test::list_dir(dir).empty());
  std::filesystem::remove(dir);
}

}  // namespace
}  // namespace tempfile::create
