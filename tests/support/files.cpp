// SPDX-License-Identifier: MIT
// Whole-file reads and writes for tests (support/files.hpp).
#include "support/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

namespace tempfile::test {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::filesystem::filesystem_error("open", path,
                                            std::error_code(errno, std::generic_category()));
  }
  std::size_t sent = 0;
  while (sent < content.size()) {
    const ssize_t wrote = ::write(fd, content.data() + sent, content.size() - sent);
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      const int err = wrote < 0 ? errno : EIO;
      ::close(fd);
      throw std::filesystem::filesystem_error("write", path,
                                              std::error_code(err, std::generic_category()));
    }
    sent += static_cast<std::size_t>(wrote);
  }
  ::close(fd);
}

bool exists_no_follow(const std::filesystem::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

}  // namespace tempfile::test
