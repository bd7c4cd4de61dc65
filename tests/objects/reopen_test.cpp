// SPDX-License-Identifier: MIT
// NamedTemporaryFile::reopen(): a second, independent file object on the same file, never a
// truncation, and never another file that took the name (security.md B1).
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

class NamedTemporaryFileReopenTest : public test::ScratchTest {
 protected:
  // Another file, made by "someone else", with `content`.
  [[nodiscard]] fs::path make_other_file(const std::string& content) const {
    const fs::path other = scratch() / "other";
    std::ofstream(other) << content;
    return other;
  }
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(NamedTemporaryFileReopenTest, ReopenedObjectHasItsOwnPosition) {
  NamedTemporaryFile f;
  f.write(std::string_view("hello"));  // still in f's buffer: reopen() flushes it
  NamedTemporaryFile g = f.reopen();
  EXPECT_EQ(g.tell(), 0);
  EXPECT_EQ(g.name(), f.name());
  EXPECT_EQ(g.path(), f.path());
  EXPECT_EQ(g.read(2), "he");
  EXPECT_EQ(f.tell(), 5);  // untouched by g's reads
  g.write(std::string_view("L"));
  g.flush();
  EXPECT_EQ(g.tell(), 3);
  EXPECT_EQ(f.tell(), 5);
  f.seek(0);
  EXPECT_EQ(f.read(), "heLlo");
  EXPECT_NE(g.fileno(), f.fileno());
}

TEST_F(NamedTemporaryFileReopenTest, ReopenNeverTruncatesNorFailsForAnExistingFile) {
  for (const char* mode : {"w+b", "wb", "w+", "x+b", "xb", "r+b"}) {
    SCOPED_TRACE(mode);
    NamedTemporaryFile f(mode);
    const std::string before = "0123456789";
    ASSERT_TRUE(std::ofstream(f.name()) << before);
    NamedTemporaryFile g = f.reopen();
    EXPECT_EQ(fs::file_size(f.name()), before.size());
    EXPECT_EQ(read_file(f.name()), before);
    EXPECT_EQ(g.mode(), f.mode());
    if (g.writable()) {
      g.write(std::string_view("X"));
      g.close();
      EXPECT_EQ(read_file(f.name()), "X123456789");  // overwritten in place, not truncated
    }
  }
}

TEST_F(NamedTemporaryFileReopenTest, ReopenKeepsTheTextOptions) {
  NamedTemporaryFile f({.mode = "w+", .encoding = "latin-1", .newline = "\r\n"});
  f.write(std::string_view("caf\u00e9\n"));
  NamedTemporaryFile g = f.reopen();
  EXPECT_EQ(g.mode(), "w+");
  EXPECT_EQ(g.encoding(), "latin-1");
  EXPECT_EQ(read_file(f.name()), "caf\xe9\r\n");
  EXPECT_EQ(g.read(), "caf\u00e9\r\n");  // decoded as f would; newline="\r\n" reads as is
}

TEST_F(NamedTemporaryFileReopenTest, ReopenKeepsReadOnlyAndWriteOnlyModes) {
  NamedTemporaryFile reader("rb");
  NamedTemporaryFile reader_again = reader.reopen();
  EXPECT_TRUE(reader_again.readable());
  EXPECT_FALSE(reader_again.writable());
  EXPECT_THROW(reader_again.write(std::string_view("x")), unsupported_operation);
  NamedTemporaryFile writer("wb");
  NamedTemporaryFile writer_again = writer.reopen();
  EXPECT_FALSE(writer_again.readable());
  EXPECT_THROW(static_cast<void>(writer_again.read()), unsupported_operation);
}

TEST_F(NamedTemporaryFileReopenTest, AppendModeReopensAtTheEnd) {
  NamedTemporaryFile f("a+b");
  f.write(std::string_view("abc"));
  NamedTemporaryFile g = f.reopen();
  EXPECT_EQ(g.tell(), 3);
  g.write(std::string_view("d"));
  g.close();
  f.seek(0);
  EXPECT_EQ(f.read(), "abcd");
}

TEST_F(NamedTemporaryFileReopenTest, ReopenedObjectRemovesNothingTheOriginalDoes) {
  fs::path name;
  {
    NamedTemporaryFile f;
    name = f.name();
    {
      NamedTemporaryFile g = f.reopen();
      g.close();
    }
    EXPECT_TRUE(fs::exists(name));  // g owned no removal
    NamedTemporaryFile h = f.reopen();
    f.write(std::string_view("data"));
    f.close();  // delete_on_close: the original removes the file
    EXPECT_FALSE(fs::exists(name));
    EXPECT_EQ(h.read(), "data");                         // h's descriptor still reaches the data
    EXPECT_THROW(static_cast<void>(h.reopen()), error);  // but the name is gone
  }
}

TEST_F(NamedTemporaryFileReopenTest, ReopenOfARemovedNameFailsNamingThePath) {
  NamedTemporaryFile f;
  ASSERT_EQ(::unlink(f.name().c_str()), 0);
  EXPECT_TEMPFILE_ERROR(static_cast<void>(f.reopen()), std::errc::no_such_file_or_directory,
                        "cannot reopen temporary file '" + f.name().string() + "'");
}

TEST_F(NamedTemporaryFileReopenTest, ClosedOrMovedFromObjectsCannotReopen) {
  NamedTemporaryFile f;
  f.close();
  EXPECT_THROW(static_cast<void>(f.reopen()), closed_file_error);
  NamedTemporaryFile g;
  NamedTemporaryFile h(std::move(g));
  EXPECT_THROW(static_cast<void>(g.reopen()),
               closed_file_error);  // NOLINT(bugprone-use-after-move)
}

// B1: someone renames their own file onto our name. reopen() must not hand out their file; the
// positive control (reopen() works on the same name just before) shows the refusal is the
// replacement's doing.
TEST_F(NamedTemporaryFileReopenTest, B1_ReopenRefusesAFileRenamedOntoTheName) {
  NamedTemporaryFile f;
  f.write(std::string_view("ours"));
  { static_cast<void>(f.reopen()); }  // positive control
  const fs::path other = make_other_file("theirs");
  ASSERT_EQ(::rename(other.c_str(), f.name().c_str()), 0);
  try {
    static_cast<void>(f.reopen());
    ADD_FAILURE() << "reopen() handed out the file that replaced ours";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::no_such_file_or_directory));
    EXPECT_EQ(e.path1(), f.name());
    EXPECT_THAT(e.what(), ::testing::HasSubstr("its name now refers to another file"));
  }
  f.close();                                 // leaves their file, as B1 demands
  EXPECT_EQ(read_file(f.name()), "theirs");  // untouched
  fs::remove(f.name());
}

// B1: a symbolic link planted at the name (to a file with the same content, even to our own
// file by another path) is not followed.
TEST_F(NamedTemporaryFileReopenTest, B1_ReopenRefusesASymbolicLinkPlantedAtTheName) {
  NamedTemporaryFile f;
  const fs::path hard_link = scratch() / "hard-link-to-ours";
  fs::create_hard_link(f.name(), hard_link);
  ASSERT_EQ(::unlink(f.name().c_str()), 0);
  fs::create_symlink(hard_link, f.name());
  EXPECT_TEMPFILE_ERROR(static_cast<void>(f.reopen()), std::errc::too_many_symbolic_link_levels,
                        "cannot reopen temporary file");
  fs::remove(f.name());
  fs::remove(hard_link);
}

// B1: a FIFO put at the name must neither block reopen() (a read-only open of a FIFO waits for
// a writer) nor be handed out. Run in a child with an alarm, so a regression fails instead of
// hanging the suite.
TEST_F(NamedTemporaryFileReopenTest, B1_ReopenNeitherWaitsOnNorHandsOutAFifoAtTheName) {
  NamedTemporaryFile f("rb");
  ASSERT_EQ(::unlink(f.name().c_str()), 0);
  ASSERT_EQ(::mkfifo(f.name().c_str(), 0600), 0);
  const int status = test::run_in_child([&] {
    ::alarm(5);
    try {
      static_cast<void>(f.reopen());
      return 1;  // handed out
    } catch (const error& e) {
      return e.code() == std::errc::no_such_file_or_directory ? 0 : 2;
    }
  });
  EXPECT_EQ(status, 0) << "1: the FIFO was handed out; 2: another error; 142: reopen() blocked";
  fs::remove(f.name());
}

}  // namespace
}  // namespace tempfile
