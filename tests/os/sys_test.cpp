// The syscall layer: exclusive creation never follows links, errno values, feature probes.
#include "os/sys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "support/scratch.hpp"

namespace tempfile::os {
namespace {

class SysTest : public test::ScratchTest {};

TEST_F(SysTest, CreateFileExclusiveIsCloexecAndRdwr) {
  FileDescriptor fd;
  ASSERT_EQ(create_file_exclusive(current_directory_fd, "f", file_mode, fd), 0);
  EXPECT_TRUE((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  EXPECT_EQ(::fcntl(fd.get(), F_GETFL) & O_ACCMODE, O_RDWR);
  EXPECT_EQ(create_file_exclusive(current_directory_fd, "f", file_mode, fd), EEXIST);
  EXPECT_EQ(remove_file(current_directory_fd, "f"), 0);
}

TEST_F(SysTest, CreateFileExclusiveNeverFollowsASymlink) {
  ASSERT_EQ(::symlink("target", "link"), 0);
  FileDescriptor fd;
  EXPECT_EQ(create_file_exclusive(current_directory_fd, "link", file_mode, fd), EEXIST);
  EXPECT_FALSE(std::filesystem::exists("target"));
  EXPECT_EQ(remove_file(current_directory_fd, "link"), 0);
}

TEST_F(SysTest, CreateFileRelativeToADirectoryDescriptor) {
  const auto sub = make_subdir("sub");
  FileDescriptor dir(::open(sub.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir.valid());
  FileDescriptor fd;
  ASSERT_EQ(create_file_exclusive(dir.get(), "inside", file_mode, fd), 0);
  EXPECT_TRUE(std::filesystem::exists(sub / "inside"));
  EXPECT_EQ(remove_file(dir.get(), "inside"), 0);
  EXPECT_EQ(remove_directory(current_directory_fd, "sub"), 0);
}

TEST_F(SysTest, CreateDirectoryReportsEexistAndEnoent) {
  EXPECT_EQ(create_directory(current_directory_fd, "d", directory_mode), 0);
  EXPECT_EQ(create_directory(current_directory_fd, "d", directory_mode), EEXIST);
  EXPECT_EQ(create_directory(current_directory_fd, "missing/d", directory_mode), ENOENT);
  EXPECT_EQ(remove_directory(current_directory_fd, "d"), 0);
  EXPECT_EQ(remove_directory(current_directory_fd, "d"), ENOENT);
}

TEST_F(SysTest, WriteAllWritesEverything) {
  FileDescriptor fd;
  ASSERT_EQ(create_file_exclusive(current_directory_fd, "w", file_mode, fd), 0);
  const std::string data(1 << 20, 'x');
  EXPECT_EQ(write_all(fd.get(), data.data(), data.size()), 0);
  struct stat info {};
  ASSERT_EQ(::fstat(fd.get(), &info), 0);
  EXPECT_EQ(info.st_size, static_cast<off_t>(data.size()));
  EXPECT_EQ(remove_file(current_directory_fd, "w"), 0);
}

TEST_F(SysTest, EntryExistsCountsDanglingSymlinks) {
  bool exists = true;
  EXPECT_EQ(entry_exists("nothing", exists), 0);
  EXPECT_FALSE(exists);
  ASSERT_EQ(::symlink("nowhere", "dangling"), 0);
  EXPECT_EQ(entry_exists("dangling", exists), 0);
  EXPECT_TRUE(exists);
  EXPECT_EQ(remove_file(current_directory_fd, "dangling"), 0);
}

TEST_F(SysTest, CurrentDirectoryIsTheScratch) {
  std::string cwd;
  ASSERT_EQ(current_directory(cwd), 0);
  EXPECT_EQ(std::filesystem::path(cwd), scratch());
}

TEST_F(SysTest, EnvironmentVariable) {
  ::setenv("TEMPFILE_TEST_VARIABLE", "value", 1);
  EXPECT_EQ(environment_variable("TEMPFILE_TEST_VARIABLE"), "value");
  ::unsetenv("TEMPFILE_TEST_VARIABLE");
  EXPECT_EQ(environment_variable("TEMPFILE_TEST_VARIABLE"), std::nullopt);
}

TEST_F(SysTest, FeaturesMatchTheBuild) {
  const Features& found = features();
  EXPECT_EQ(&found, &features());  // probed once
  // Every kernel this project targets has all of them; the portable build must use none.
  EXPECT_EQ(found.getrandom, linux_fast_paths);
  EXPECT_EQ(found.o_tmpfile, linux_fast_paths);
  EXPECT_EQ(found.renameat2, linux_fast_paths);
  EXPECT_EQ(found.secure_getenv, linux_fast_paths);
}

TEST_F(SysTest, UnnamedFileLeavesNoNameOrReportsUnsupported) {
  FileDescriptor fd;
  const Errno err = open_unnamed_file(current_directory_fd, ".", file_mode, fd);
  if (!features().o_tmpfile) {
    EXPECT_EQ(err, EOPNOTSUPP);
    return;
  }
  ASSERT_EQ(err, 0);
  struct stat info {};
  ASSERT_EQ(::fstat(fd.get(), &info), 0);
  EXPECT_EQ(info.st_nlink, 0U);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

}  // namespace
}  // namespace tempfile::os
