// SPDX-License-Identifier: MIT
// The buffered layer's no-loss rule for a flush the system refuses, with a real RLIMIT_FSIZE in
// a child process (POSIX only: Windows has no file-size limit to set).
#include <gmock/gmock.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "io/buffered_file.hpp"
#include "os/sys.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

class BufferedFileLimitTest : public test::ScratchTest {
 protected:
  static BufferedFile open_unlinked(const char* mode, std::size_t buffer_size) {
    os::FileDescriptor fd;
    EXPECT_EQ(os::create_file_exclusive(os::current_directory_fd, "f", os::file_mode, fd), 0);
    EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
    return {RawFile(std::move(fd), parse_mode(mode)), buffer_size};
  }
};

// A flush that fails (a real RLIMIT_FSIZE) keeps the unwritten bytes, so nothing accepted by
// write() is lost and a later flush, once the limit is lifted, writes them.
TEST_F(BufferedFileLimitTest, FailedFlushKeepsTheBytes) {
  const int status = test::run_in_child([] {
    std::signal(SIGXFSZ, SIG_IGN);
    BufferedFile f = open_unlinked("w+b", 64);
    static_cast<void>(f.write(std::as_bytes(std::span(std::string_view("0123456789")))));
    rlimit lim{};
    ::getrlimit(RLIMIT_FSIZE, &lim);
    rlimit tiny = lim;
    tiny.rlim_cur = 4;
    ::setrlimit(RLIMIT_FSIZE, &tiny);
    try {
      f.flush();
      return 1;  // the limit should have stopped it
    } catch (const error& failure) {
      if (failure.code() != std::errc::file_too_large) {
        return 2;
      }
    }
    ::setrlimit(RLIMIT_FSIZE, &lim);
    f.flush();
    f.seek(0, SEEK_SET);
    const bool intact = f.read() == "0123456789";
    f.close();
    return intact ? 0 : 3;
  });
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace tempfile::io
