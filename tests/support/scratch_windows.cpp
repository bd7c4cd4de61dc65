// SPDX-License-Identifier: MIT
// The scratch-directory fixture (support/scratch.hpp) for the Windows build: the same contract
// with std::filesystem and the C runtime's descriptors in place of mkdtemp and /proc/self/fd.
#include <io.h>

#include <cstdint>
#include <string>
#include <system_error>

#include "os/random.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"

namespace tempfile::test {

std::set<int> open_descriptors() {
  // No /proc: every C-runtime descriptor that has a handle behind it.
  std::set<int> fds;
  for (int fd = 0; fd < 2048; ++fd) {
    if (::_get_osfhandle(fd) != -1) {
      fds.insert(fd);
    }
  }
  return fds;
}

std::set<std::string> list_dir(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

void force_remove_all(const std::filesystem::path& path) {
  // Read-only files are the Windows way a test makes an entry hard to remove.
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           path, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::filesystem::permissions(it->path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add, ec);
  }
  std::filesystem::remove_all(path, ec);
}

bool permissions_are_bypassed() {
  return false;  // the permission tests are POSIX tests, not built for Windows
}

void ScratchTest::SetUp() {
  fds_before_ = open_descriptors();
  const std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100 && scratch_.empty(); ++attempt) {
    char name[os::name_length];
    os::random_name(name);
    std::filesystem::path candidate = base / ("tempfile-test." + std::string(name, sizeof name));
    if (std::filesystem::create_directory(candidate)) {
      scratch_ = candidate;
    }
  }
  ASSERT_FALSE(scratch_.empty()) << "no scratch directory in " << base;
  previous_cwd_ = std::filesystem::current_path();
  std::filesystem::current_path(scratch_);
  tempfile::set_tempdir(scratch_);
}

void ScratchTest::TearDown() {
  const std::set<std::string> left = list_dir(scratch_);
  std::string names;
  for (const auto& name : left) {
    names += " " + name;
  }
  EXPECT_TRUE(left.empty()) << "the test left entries in its scratch directory " << scratch_ << ":"
                            << names;
  const std::set<int> fds_after = open_descriptors();
  std::string leaked;
  for (const int fd : fds_after) {
    if (fds_before_.count(fd) == 0) {
      leaked += " " + std::to_string(fd);
    }
  }
  EXPECT_TRUE(leaked.empty()) << "file descriptors leaked by the test:" << leaked;
  std::filesystem::current_path(previous_cwd_);
  tempfile::set_tempdir(std::nullopt);
  force_remove_all(scratch_);
}

std::filesystem::path ScratchTest::make_subdir(const std::string& name) const {
  std::filesystem::path dir = scratch_ / name;
  std::filesystem::create_directory(dir);
  return dir;
}

}  // namespace tempfile::test
