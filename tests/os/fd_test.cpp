// SPDX-License-Identifier: MIT
// FileDescriptor: ownership, move, release and close-once.
#include "os/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "support/scratch.hpp"

namespace tempfile::os {
namespace {

class FileDescriptorTest : public test::ScratchTest {};

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int open_null() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

TEST_F(FileDescriptorTest, DefaultOwnsNothing) {
  const FileDescriptor fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(static_cast<bool>(fd));
  EXPECT_EQ(fd.get(), -1);
}

TEST_F(FileDescriptorTest, DestructorCloses) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  {
    const FileDescriptor fd(raw);
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST_F(FileDescriptorTest, MoveTransfersOwnership) {
  const int raw = open_null();
  FileDescriptor first(raw);
  FileDescriptor second(std::move(first));
  EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is API
  EXPECT_EQ(second.get(), raw);
  FileDescriptor third;
  third = std::move(second);
  EXPECT_EQ(third.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST_F(FileDescriptorTest, MoveAssignmentClosesWhatItHeld) {
  const int a = open_null();
  const int b = open_null();
  FileDescriptor left(a);
  FileDescriptor right(b);
  left = std::move(right);
  EXPECT_FALSE(is_open(a));
  EXPECT_TRUE(is_open(b));
}

TEST_F(FileDescriptorTest, ReleaseGivesUpOwnership) {
  const int raw = open_null();
  int released = -1;
  {
    FileDescriptor fd(raw);
    released = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_EQ(released, raw);
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST_F(FileDescriptorTest, CloseIsOnceAndReportsSuccess) {
  const int raw = open_null();
  FileDescriptor fd(raw);
  EXPECT_EQ(fd.close(), 0);
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(is_open(raw));
  EXPECT_EQ(fd.close(), 0);  // nothing owned: nothing to do
}

TEST_F(FileDescriptorTest, CloseReportsEbadf) {
  const int raw = open_null();
  ::close(raw);
  FileDescriptor fd(raw);  // a stale number, as after a double close elsewhere
  EXPECT_EQ(fd.close(), EBADF);
}

}  // namespace
}  // namespace tempfile::os
