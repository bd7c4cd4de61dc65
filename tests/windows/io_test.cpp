// SPDX-License-Identifier: MIT
// The io layer's system calls on Windows (run under wine in CI): reads and writes through the
// HANDLE under a C-runtime descriptor, positioned ones that leave the file pointer alone (as
// pread/pwrite), seek and truncate, duplicates, the read-only attribute as the mode, and the
// bytes a tempfile::File writes as another reader of the descriptor sees them.
#include "os/windows_api.hpp"
// windows.h first: the others assume its types.
#include <gtest/gtest.h>
#include <io.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "io/file_state.hpp"
#include "io/open_file.hpp"
#include "os/persist.hpp"
#include "os/sys.hpp"
#include "support/descriptor.hpp"
#include "support/scratch.hpp"
#include "tempfile/file.hpp"

namespace tempfile {
namespace {

class WindowsIoTest : public test::ScratchTest {
 protected:
  // A new file "f" in the scratch directory, open for reading and writing.
  static os::FileDescriptor make_file(const char* name = "f") {
    os::FileDescriptor fd;
    EXPECT_EQ(os::create_file_exclusive(os::current_directory_fd, name, os::file_mode, fd), 0);
    return fd;
  }

  // The file pointer of the HANDLE under `fd`, asked of Windows itself.
  static std::int64_t pointer_of(int fd) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the C runtime stores the HANDLE as an intptr_t
    HANDLE handle = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
    LARGE_INTEGER now{};
    EXPECT_NE(::SetFilePointerEx(handle, LARGE_INTEGER{}, &now, FILE_CURRENT), 0);
    return now.QuadPart;
  }

  static DWORD attributes_of(const char* name) { return ::GetFileAttributesA(name); }
};

TEST_F(WindowsIoTest, ReadAndWriteMoveThePointer) {
  os::FileDescriptor fd = make_file();
  std::size_t written = 0;
  ASSERT_EQ(os::write_some(fd.get(), "hello", 5, written), 0);
  EXPECT_EQ(written, 5U);
  EXPECT_EQ(pointer_of(fd.get()), 5);
  std::int64_t position = -1;
  ASSERT_EQ(os::seek(fd.get(), 1, SEEK_SET, position), 0);
  EXPECT_EQ(position, 1);
  char buffer[8] = {};
  std::size_t got = 0;
  ASSERT_EQ(os::read_some(fd.get(), buffer, sizeof buffer, got), 0);
  EXPECT_EQ(std::string(buffer, got), "ello");
  ASSERT_EQ(os::read_some(fd.get(), buffer, sizeof buffer, got), 0);
  EXPECT_EQ(got, 0U);  // end of file: no error, nothing read
  EXPECT_EQ(fd.close(), 0);
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
}

// pread/pwrite's promise: the positioned forms leave the descriptor's offset where it was, and a
// read past the end is end of file, not an error.
TEST_F(WindowsIoTest, PositionedReadAndWriteLeaveThePointer) {
  os::FileDescriptor fd = make_file();
  ASSERT_EQ(os::write_all(fd.get(), "abcdef", 6), 0);
  std::int64_t position = -1;
  ASSERT_EQ(os::seek(fd.get(), 2, SEEK_SET, position), 0);
  std::size_t written = 0;
  ASSERT_EQ(os::write_at(fd.get(), "XY", 2, 4, written), 0);
  EXPECT_EQ(written, 2U);
  EXPECT_EQ(pointer_of(fd.get()), 2);
  char buffer[8] = {};
  std::size_t got = 0;
  ASSERT_EQ(os::read_at(fd.get(), buffer, sizeof buffer, 3, got), 0);
  EXPECT_EQ(std::string(buffer, got), "dXY");
  EXPECT_EQ(pointer_of(fd.get()), 2);
  ASSERT_EQ(os::read_at(fd.get(), buffer, sizeof buffer, 100, got), 0);
  EXPECT_EQ(got, 0U);
  EXPECT_EQ(os::read_at(fd.get(), buffer, sizeof buffer, -1, got), EINVAL);
  EXPECT_EQ(test::descriptor_contents(fd.get()), "abcdXY");
  EXPECT_EQ(fd.close(), 0);
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
}

TEST_F(WindowsIoTest, SeekAndTruncateAsPosix) {
  os::FileDescriptor fd = make_file();
  ASSERT_EQ(os::write_all(fd.get(), "0123456789", 10), 0);
  std::int64_t position = -1;
  EXPECT_EQ(os::seek(fd.get(), -3, SEEK_END, position), 0);
  EXPECT_EQ(position, 7);
  EXPECT_EQ(os::seek(fd.get(), -1, SEEK_CUR, position), 0);
  EXPECT_EQ(position, 6);
  EXPECT_EQ(os::seek(fd.get(), -1, SEEK_SET, position), EINVAL);
  EXPECT_EQ(os::seek(fd.get(), 0, os::seek_data, position), EINVAL);
  // Past the end is allowed; a write there leaves a gap that reads as zero bytes.
  EXPECT_EQ(os::seek(fd.get(), 12, SEEK_SET, position), 0);
  ASSERT_EQ(os::write_all(fd.get(), "Z", 1), 0);
  EXPECT_EQ(test::descriptor_contents(fd.get()), std::string("0123456789\0\0Z", 13));
  // truncate never moves the pointer (ftruncate), shrinking or growing.
  EXPECT_EQ(os::truncate(fd.get(), 4), 0);
  EXPECT_EQ(pointer_of(fd.get()), 13);
  EXPECT_EQ(test::descriptor_contents(fd.get()), "0123");
  EXPECT_EQ(os::truncate(fd.get(), 6), 0);
  EXPECT_EQ(test::descriptor_contents(fd.get()), std::string("0123\0\0", 6));
  EXPECT_EQ(os::truncate(fd.get(), -1), EINVAL);
  EXPECT_EQ(os::sync_file(fd.get()), 0);
  EXPECT_FALSE(os::is_terminal(fd.get()));
  EXPECT_EQ(fd.close(), 0);
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
}

TEST_F(WindowsIoTest, SeekOnAPipeIsEspipe) {
  int ends[2] = {-1, -1};
  ASSERT_EQ(::_pipe(ends, 64, 0x8000 /* _O_BINARY */), 0);
  os::FileDescriptor reader(ends[0]);
  os::FileDescriptor writer(ends[1]);
  std::int64_t position = -1;
  EXPECT_EQ(os::seek(reader.get(), 0, SEEK_CUR, position), ESPIPE);
  ASSERT_EQ(os::write_all(writer.get(), "ab", 2), 0);
  EXPECT_EQ(writer.close(), 0);
  char buffer[4] = {};
  std::size_t got = 0;
  ASSERT_EQ(os::read_some(reader.get(), buffer, sizeof buffer, got), 0);
  EXPECT_EQ(std::string(buffer, got), "ab");
  ASSERT_EQ(os::read_some(reader.get(), buffer, sizeof buffer, got), 0);
  EXPECT_EQ(got, 0U);  // the writer closed: end of file, as read(2) on a pipe
}

// A duplicate shares the offset (one file object) and is not inheritable; replace_descriptor
// makes a number refer to another file, still not inheritable.
TEST_F(WindowsIoTest, DuplicatesShareTheOffsetAndAreNotInherited) {
  os::FileDescriptor fd = make_file();
  os::FileDescriptor copy;
  ASSERT_EQ(os::duplicate(fd.get(), copy), 0);
  ASSERT_EQ(os::write_all(fd.get(), "abc", 3), 0);
  EXPECT_EQ(pointer_of(copy.get()), 3);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the C runtime stores the HANDLE as an intptr_t
  HANDLE handle = reinterpret_cast<HANDLE>(::_get_osfhandle(copy.get()));
  DWORD flags = 0;
  ASSERT_NE(::GetHandleInformation(handle, &flags), 0);
  EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, 0U);

  os::FileDescriptor other = make_file("g");
  ASSERT_EQ(os::write_all(other.get(), "other", 5), 0);
  ASSERT_EQ(os::replace_descriptor(other.get(), copy.get()), 0);
  EXPECT_EQ(test::descriptor_contents(copy.get()), "other");
  // NOLINTNEXTLINE(performance-no-int-to-ptr): as above
  handle = reinterpret_cast<HANDLE>(::_get_osfhandle(copy.get()));
  ASSERT_NE(::GetHandleInformation(handle, &flags), 0);
  EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, 0U);
  EXPECT_EQ(copy.close(), 0);
  EXPECT_EQ(other.close(), 0);
  EXPECT_EQ(fd.close(), 0);
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "g"), 0);
}

// Python's os.chmod on Windows: the owner's write bit is the read-only attribute.
TEST_F(WindowsIoTest, ModeIsTheReadOnlyAttribute) {
  os::FileDescriptor fd = make_file();
  ASSERT_EQ(os::change_mode(fd.get(), 0400), 0);
  EXPECT_NE(attributes_of("f") & FILE_ATTRIBUTE_READONLY, 0U);
  // The handle opened for writing keeps writing.
  EXPECT_EQ(os::write_all(fd.get(), "x", 1), 0);
  ASSERT_EQ(os::change_mode(fd.get(), 0600), 0);
  EXPECT_EQ(attributes_of("f") & FILE_ATTRIBUTE_READONLY, 0U);
  EXPECT_EQ(fd.close(), 0);
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
}

// A File over a descriptor, as the library's own file classes make one (the constructor is
// theirs).
class FileOverDescriptor : public File {
 public:
  explicit FileOverDescriptor(std::unique_ptr<detail::FileState> state) noexcept
      : File(std::move(state)) {}
};

// What a tempfile::File writes is what another reader of its descriptor finds, byte for byte:
// the descriptor is binary, so the C runtime's text mode never turns "\n" into "\r\n" nor stops
// at a Ctrl-Z.
TEST_F(WindowsIoTest, FileBytesThroughFilenoMatch) {
  io::PlanRoom own_plan;
  const io::OpenPlan& plan =
      io::plan_open({"w+b", -1, std::nullopt, std::nullopt, std::nullopt}, own_plan);
  FileOverDescriptor file(io::open_file(make_file(), plan, "f"));
  const std::string payload("a\nb\r\nc\x1a\0d", 9);
  file.write(payload);
  file.flush();
  EXPECT_EQ(test::descriptor_contents(file.fileno()), payload);
  file.seek(0, SEEK_SET);
  EXPECT_EQ(file.read(), payload);
  file.truncate(3);
  file.seek(0, SEEK_SET);
  EXPECT_EQ(file.read(), "a\nb");
  EXPECT_EQ(test::descriptor_contents(file.fileno()), "a\nb");
  file.close();
  EXPECT_EQ(os::remove_file(os::current_directory_fd, "f"), 0);
}

}  // namespace
}  // namespace tempfile
