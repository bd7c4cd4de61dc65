// SPDX-License-Identifier: MIT
// ScratchTest: per-test scratch directory, leak checks on files and descriptors.
#include "support/scratch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "tempfile/dirs.hpp"

namespace tempfile::test {

std::set<int> open_descriptors() {
  std::set<int> fds;
  if (DIR* dir = ::opendir("/proc/self/fd"); dir != nullptr) {
    const int own = ::dirfd(dir);
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') {
        const int fd = std::atoi(entry->d_name);
        if (fd != own) {
          fds.insert(fd);
        }
      }
    }
    ::closedir(dir);
    return fds;
  }
  for (int fd = 0; fd < 4096; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) {
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
  std::error_code ec;
  // Give every directory u+rwx first (never through symbolic links), so removal can proceed.
  if (std::filesystem::is_directory(std::filesystem::symlink_status(path, ec))) {
    ::chmod(path.c_str(), 0700);
    for (auto it = std::filesystem::recursive_directory_iterator(
             path, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory() && !it->is_symlink()) {
        ::chmod(it->path().c_str(), 0700);
      }
    }
  }
  std::filesystem::remove_all(path, ec);
}

bool permissions_are_bypassed() {
  return ::geteuid() == 0;
}

void ScratchTest::SetUp() {
  fds_before_ = open_descriptors();
  std::string pattern = (std::filesystem::temp_directory_path() / "tempfile-test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
  scratch_ = pattern;
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
