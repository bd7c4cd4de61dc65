// SPDX-License-Identifier: MIT
// The syscall layer: exclusive creation never follows links, errno values, feature probes.
#include "os/sys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <span>
#include <string>
#include <thread>
#include <utility>

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

// The two-piece write_all (a rollover's spooled bytes and the write that triggered it): both
// pieces in order, either one empty, and across a pipe whose capacity forces short writevs.
TEST_F(SysTest, WriteAllOfTwoPiecesWritesBothInOrder) {
  const std::string first(100000, 'a');
  const std::string second = "tail";
  const auto bytes = [](const std::string& text) { return std::as_bytes(std::span(text)); };
  for (const auto& [one, two] : {std::pair{first, second}, std::pair{std::string(), second},
                                 std::pair{first, std::string()}}) {
    FileDescriptor fd;
    ASSERT_EQ(create_file_exclusive(current_directory_fd, "w", file_mode, fd), 0);
    EXPECT_EQ(write_all(fd.get(), bytes(one), bytes(two)), 0);
    std::string back(one.size() + two.size() + 1, '\0');
    const ssize_t got = ::pread(fd.get(), back.data(), back.size(), 0);
    ASSERT_EQ(got, static_cast<ssize_t>(one.size() + two.size()));
    back.resize(static_cast<std::size_t>(got));
    EXPECT_EQ(back, one + two);
    EXPECT_EQ(remove_file(current_directory_fd, "w"), 0);
  }
  // A pipe holds 64 KiB: the writer's writev comes back short while a reader drains it.
  std::array<int, 2> ends{};
  ASSERT_EQ(::pipe(ends.data()), 0);
  FileDescriptor read_end(ends[0]);
  FileDescriptor write_end(ends[1]);
  std::string drained;
  std::thread reader([&] {
    std::array<char, 4096> chunk{};
    ssize_t got = 0;
    while ((got = ::read(read_end.get(), chunk.data(), chunk.size())) > 0) {
      drained.append(chunk.data(), static_cast<std::size_t>(got));
    }
  });
  EXPECT_EQ(write_all(write_end.get(), bytes(first), bytes(second)), 0);
  EXPECT_EQ(write_end.close(), 0);
  reader.join();
  EXPECT_EQ(drained, first + second);
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

namespace tempfile::os {
namespace {

class SysIoTest : public test::ScratchTest {};

TEST_F(SysIoTest, ReadWriteSeekTruncateRoundTrip) {
  FileDescriptor fd;
  ASSERT_EQ(create_file_exclusive(current_directory_fd, "io", file_mode, fd), 0);
  std::size_t written = 0;
  ASSERT_EQ(write_some(fd.get(), "hello world", 11, written), 0);
  EXPECT_EQ(written, 11U);
  std::int64_t position = -1;
  ASSERT_EQ(seek(fd.get(), 6, SEEK_SET, position), 0);
  EXPECT_EQ(position, 6);
  char buffer[16] = {};
  std::size_t got = 0;
  ASSERT_EQ(read_some(fd.get(), buffer, sizeof buffer, got), 0);
  EXPECT_EQ(std::string(buffer, got), "world");
  ASSERT_EQ(read_some(fd.get(), buffer, sizeof buffer, got), 0);
  EXPECT_EQ(got, 0U);  // end of file
  ASSERT_EQ(truncate(fd.get(), 5), 0);
  ASSERT_EQ(seek(fd.get(), 0, SEEK_END, position), 0);
  EXPECT_EQ(position, 5);
  EXPECT_EQ(seek(fd.get(), -1, SEEK_SET, position), EINVAL);
  EXPECT_EQ(truncate(fd.get(), -1), EINVAL);
  EXPECT_EQ(remove_file(current_directory_fd, "io"), 0);
}

TEST_F(SysIoTest, ChangeModeAndTerminalAndDuplicate) {
  char buffer_of_one[1] = {};
  FileDescriptor fd;
  ASSERT_EQ(create_file_exclusive(current_directory_fd, "m", file_mode, fd), 0);
  ASSERT_EQ(change_mode(fd.get(), 0640), 0);
  struct stat info {};
  ASSERT_EQ(::fstat(fd.get(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640U);
  EXPECT_FALSE(is_terminal(fd.get()));
  FileDescriptor copy;
  ASSERT_EQ(duplicate(fd.get(), copy), 0);
  EXPECT_NE(copy.get(), fd.get());
  EXPECT_TRUE((::fcntl(copy.get(), F_GETFD) & FD_CLOEXEC) != 0);
  std::int64_t position = 0;
  ASSERT_EQ(seek(copy.get(), 3, SEEK_SET, position), 0);
  ASSERT_EQ(seek(fd.get(), 0, SEEK_CUR, position), 0);
  EXPECT_EQ(position, 3);  // one open file description, one offset
  std::size_t ignored = 0;
  EXPECT_EQ(read_some(-1, buffer_of_one, 1, ignored), EBADF);
  EXPECT_EQ(write_some(-1, "x", 1, ignored), EBADF);
  EXPECT_EQ(remove_file(current_directory_fd, "m"), 0);
}

}  // namespace
}  // namespace tempfile::os
