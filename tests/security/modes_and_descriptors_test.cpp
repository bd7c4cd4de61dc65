// SPDX-License-Identifier: MIT
// security.md A5 (permission bits under several umasks), A6 (descriptors do not survive
// exec, checked by a real fork+exec) and A10-lite (an unnamed file leaves no name behind).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "harness.hpp"
#include "os/sys.hpp"
#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

mode_t permission_bits(mode_t mode) {
  return mode & 07777;
}

struct UmaskCase {
  mode_t umask;
  mode_t file_mode;
  mode_t directory_mode;
};

class CreationModeTest : public ScratchTest, public ::testing::WithParamInterface<UmaskCase> {};

// The modes are 0600 and 0700 *less the umask*, as in CPython (os.open(..., 0o600) and
// os.mkdir(..., 0o700) both let the kernel apply the umask): so a umask that only removes
// group/other bits changes nothing, while umask 0277 really does give 0400 files and 0500
// directories (checked against python3: mkstemp -> 0o400, mkdtemp -> 0o500). A umask can never
// add bits, so group and other never get access whatever the umask.
TEST_P(CreationModeTest, A5_FilesAre0600AndDirectories0700LessTheUmask) {
  const UmaskCase expected = GetParam();
  const UmaskScope umask_scope(expected.umask);

  const auto [fd, file] = tempfile::mkstemp();
  ASSERT_GE(fd, 0);
  struct stat by_descriptor {};
  struct stat by_name {};
  ASSERT_EQ(::fstat(fd, &by_descriptor), 0);
  ASSERT_EQ(::lstat(file.c_str(), &by_name), 0);
  EXPECT_EQ(permission_bits(by_descriptor.st_mode), expected.file_mode)
      << std::oct << by_descriptor.st_mode;
  EXPECT_EQ(permission_bits(by_name.st_mode), expected.file_mode);
  EXPECT_TRUE(S_ISREG(by_name.st_mode));
  EXPECT_EQ(by_name.st_uid, ::geteuid());
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(::unlink(file.c_str()), 0);

  const fs::path dir = tempfile::mkdtemp();
  struct stat dir_info {};
  ASSERT_EQ(::lstat(dir.c_str(), &dir_info), 0);
  EXPECT_TRUE(S_ISDIR(dir_info.st_mode));
  EXPECT_EQ(permission_bits(dir_info.st_mode), expected.directory_mode)
      << std::oct << dir_info.st_mode;
  EXPECT_EQ(::rmdir(dir.c_str()), 0);
}

INSTANTIATE_TEST_SUITE_P(Umasks, CreationModeTest,
                         ::testing::Values(UmaskCase{0022, 0600, 0700}, UmaskCase{0077, 0600, 0700},
                                           UmaskCase{0000, 0600, 0700},
                                           UmaskCase{0277, 0400, 0500}),
                         [](const ::testing::TestParamInfo<UmaskCase>& param_info) {
                           return "Umask0" + std::to_string(param_info.param.umask / 64) +
                                  std::to_string(param_info.param.umask / 8 % 8) +
                                  std::to_string(param_info.param.umask % 8);
                         });

class DescriptorInheritanceTest : public ScratchTest {
 protected:
  // Runs /bin/sh after a real fork+exec and asks it about descriptor `fd`. The exit status
  // is a bit set: 1 = /proc/self/fd/N exists in the shell, 2 = writing to N succeeded.
  static ChildRun probe_descriptor_after_exec(int fd) {
    const std::string number = std::to_string(fd);
    return run_child([&](std::string& out) {
      ::execl("/bin/sh", "sh", "-c",
              "r=0; [ -e /proc/self/fd/$1 ] && r=1; (printf x >&\"$1\") 2>/dev/null && "
              "r=$((r+2)); exit $r",
              "sh", number.c_str(), static_cast<char*>(nullptr));
      out = std::string("execl /bin/sh failed: ") + std::strerror(errno);
      return 127;
    });
  }

  static off_t size_of(int fd) {
    struct stat info {};
    return ::fstat(fd, &info) == 0 ? info.st_size : -1;
  }
};

TEST_F(DescriptorInheritanceTest, A6_MkstempDescriptorsAreCloseOnExec) {
  const auto [fd, path] = tempfile::mkstemp();
  ASSERT_GE(fd, 0);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  std::error_code ec;
  const auto [fd2, path2] = tempfile::mkstemp({}, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(::fcntl(fd2, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(::close(fd2), 0);
  EXPECT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(::unlink(path2.c_str()), 0);
}

TEST_F(DescriptorInheritanceTest, A6_MkstempDescriptorDoesNotSurviveExec) {
  const auto [fd, path] = tempfile::mkstemp();
  ASSERT_GE(fd, 0);
  const ChildRun shell = probe_descriptor_after_exec(fd);
  EXPECT_EQ(shell.status, 0) << "descriptor " << fd
                             << " reached the exec'd shell (status bits: " << shell.status << ") "
                             << shell.output;
  EXPECT_EQ(size_of(fd), 0) << "the exec'd shell wrote to the temporary file";
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(::unlink(path.c_str()), 0);
}

// Positive control: the same probe must see a descriptor that lacks FD_CLOEXEC.
TEST_F(DescriptorInheritanceTest, A6_ProbeSeesAnInheritableDuplicate) {
  const auto [fd, path] = tempfile::mkstemp();
  ASSERT_GE(fd, 0);
  const int inheritable = ::fcntl(fd, F_DUPFD, 0);  // F_DUPFD never sets FD_CLOEXEC
  ASSERT_GE(inheritable, 0);
  const ChildRun shell = probe_descriptor_after_exec(inheritable);
  EXPECT_EQ(shell.status, 3) << shell.output;
  EXPECT_EQ(size_of(fd), 1);
  EXPECT_EQ(::close(inheritable), 0);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(::unlink(path.c_str()), 0);
}

class UnnamedFileTest : public ScratchTest {};

TEST_F(UnnamedFileTest, A10_LeavesTheListingUnchangedAndHasNoLinks) {
  const fs::path dir = make_subdir("dir");
  write_file(dir / "existing", "x");
  const auto listing_before = list_dir(dir);

  os::FileDescriptor fd;
  const os::Errno err =
      os::open_unnamed_file(os::current_directory_fd, dir.c_str(), os::file_mode, fd);
  if (!os::features().o_tmpfile) {
    // The portable build (and kernels without O_TMPFILE) must say so, for callers to fall
    // back to create-and-unlink, and must not have created anything meanwhile.
    EXPECT_EQ(err, EOPNOTSUPP);
    EXPECT_FALSE(fd.valid());
  } else {
    ASSERT_EQ(err, 0) << std::strerror(err);
    struct stat info {};
    ASSERT_EQ(::fstat(fd.get(), &info), 0);
    EXPECT_EQ(info.st_nlink, 0U);
    EXPECT_TRUE(S_ISREG(info.st_mode));
    EXPECT_EQ(permission_bits(info.st_mode) & 0077, 0U);
    EXPECT_NE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, 0);
    static constexpr char payload[] = "never visible by name";
    EXPECT_EQ(os::write_all(fd.get(), payload, sizeof payload - 1), 0);
    EXPECT_EQ(list_dir(dir), listing_before);
    // The kernel's own name for it says it has no directory entry.
    const fs::path link = "/proc/self/fd/" + std::to_string(fd.get());
    EXPECT_THAT(fs::read_symlink(link).native(), ::testing::EndsWith(" (deleted)"));
    EXPECT_EQ(fd.close(), 0);
  }
  EXPECT_EQ(list_dir(dir), listing_before);
  EXPECT_TRUE(fs::remove(dir / "existing"));
  EXPECT_TRUE(fs::remove(dir));
}

}  // namespace
}  // namespace tempfile::test
