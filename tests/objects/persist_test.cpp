// SPDX-License-Identifier: MIT
// persist() and keep(): the file gets its final name (renamed, or linked into place), never over
// something it must not replace, never another file's; failures hand the object back.
#include "os/persist.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill is POSIX
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "objects/persist_seam.hpp"
#include "os/guardian.hpp"
#include "os/sys.hpp"
#include "persist_support.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/atomic_write.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/error.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/sweep.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PersistTest : public ScratchTest {};

// ---- NamedTemporaryFile -------------------------------------------------------------------

TEST_F(PersistTest, NamedPersistMovesTheFileAndStopsItsRemoval) {
  const fs::path target = scratch() / "final.txt";
  fs::path old_name;
  {
    NamedTemporaryFile f;
    old_name = f.name();
    f.write(std::string_view("hello"));  // still buffered: persist flushes it
    f.persist(target);
    EXPECT_EQ(f.name(), target);
    EXPECT_EQ(f.path(), std::optional<fs::path>(target));
    EXPECT_FALSE(fs::exists(fs::symlink_status(old_name)));
    EXPECT_EQ(read_file(target), "hello");
    EXPECT_EQ(identity_of(target), identity_of_fd(f.fileno()));
    // Still open and usable, and reopen() follows the new name.
    f.write(std::string_view(" world"));
    f.flush();
    EXPECT_EQ(read_file(target), "hello world");
    NamedTemporaryFile again = f.reopen();
    EXPECT_EQ(again.read(), "hello world");
    f.close();  // delete_on_close: would remove it, were it still a temporary
    EXPECT_TRUE(fs::exists(target));
  }
  EXPECT_EQ(read_file(target), "hello world");
  fs::remove(target);
}

TEST_F(PersistTest, NamedPersistWithRelativeTargetNamesTheAbsolutePath) {
  NamedTemporaryFile f;
  f.persist("relative.txt");  // the scratch directory is the current directory
  EXPECT_EQ(f.name(), scratch() / "relative.txt");
  EXPECT_TRUE(fs::exists(scratch() / "relative.txt"));
  f.close();
  fs::remove(scratch() / "relative.txt");
}

TEST_F(PersistTest, A11_NamedNoClobberRefusesAnExistingFileAndLeavesBothIntact) {
  const fs::path target = scratch() / "existing.txt";
  write_file(target, "old");
  NamedTemporaryFile f;
  const fs::path old_name = f.name();
  f.write(std::string_view("new"));
  try {
    f.persist(target, {.overwrite = false});
    FAIL() << "persist replaced an existing file";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::file_exists));
    EXPECT_THAT(e.what(), testing::HasSubstr(target.string()));
    EXPECT_THAT(e.what(), testing::HasSubstr(old_name.string()));
    EXPECT_EQ(e.path1(), old_name);
    EXPECT_EQ(e.path2(), target);
  }
  EXPECT_EQ(read_file(target), "old");
  EXPECT_EQ(f.name(), old_name);
  EXPECT_EQ(read_file(old_name), "new");  // flushed, still ours
  f.close();
  EXPECT_FALSE(fs::exists(old_name)) << "the object no longer removes its temporary";
  fs::remove(target);
}

TEST_F(PersistTest, A11_NamedNoClobberRefusesADanglingSymlinkAndCreatesNothingThroughIt) {
  const fs::path link = scratch() / "link";
  const fs::path link_target = scratch() / "nowhere";
  fs::create_symlink(link_target, link);
  NamedTemporaryFile f;
  const fs::path old_name = f.name();
  std::error_code ec;
  EXPECT_FALSE(f.persist(link, {.overwrite = false}, ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::file_exists));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(fs::read_symlink(link), link_target);
  EXPECT_FALSE(fs::exists(fs::symlink_status(link_target)));
  EXPECT_TRUE(fs::exists(old_name));
  f.close();
  EXPECT_FALSE(fs::exists(old_name));
  fs::remove(link);
}

TEST_F(PersistTest, NamedOverwriteReplacesTheTargetAtomically) {
  const fs::path target = scratch() / "config";
  write_file(target, "old contents");
  const auto old_identity = identity_of(target);
  NamedTemporaryFile f;
  f.write(std::string_view("new contents"));
  f.persist(target, {.overwrite = true});
  EXPECT_EQ(read_file(target), "new contents");
  EXPECT_NE(identity_of(target), old_identity);
  EXPECT_EQ(identity_of(target), identity_of_fd(f.fileno()));
  EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"config"});
  f.close();
  fs::remove(target);
}

// Names beside a target are built on the stack up to 512 bytes and on the heap past that: a
// target deep enough for its staged name and its directory to need the heap persists the same,
// durably, by every way there is, and leaves nothing beside it.
TEST_F(PersistTest, ATargetWhosePathOutgrowsTheStackPersistsByEveryWay) {
  fs::path deep = scratch();
  while (deep.native().size() < 700) {
    deep /= std::string(100, 'd');
  }
  fs::create_directories(deep);
  const fs::path target = deep / "target";
  write_file(target, "old");

  NamedTemporaryFile named({.dir = deep});
  named.write(std::string_view("named"));
  named.persist(target, {.durable = true});
  EXPECT_EQ(named.name(), target);
  EXPECT_EQ(read_file(target), "named");

  // Only where unnamed files can be given a name (O_TMPFILE; not the portable build's).
  TemporaryFile unnamed({.dir = deep});
  if (unnamed_files_link_here()) {
    unnamed.write(std::string_view("unnamed"));
    unnamed.persist(target, {.durable = true});
    EXPECT_EQ(read_file(target), "unnamed");
  }

  atomic_write(target, std::string_view("bytes"));
  EXPECT_EQ(read_file(target), "bytes");
  atomic_write(target, [](File& file) { file.write(std::string_view("callback")); }, {.mode = "w"});
  EXPECT_EQ(read_file(target), "callback");

  EXPECT_EQ(list_dir(deep), std::set<std::string>{"target"});
  named.close();
  unnamed.close();
  fs::remove_all(scratch() / std::string(100, 'd'));
}

// persist() onto the file's own name, given by the reference name() returns: the target is
// borrowed from the object it renames, which must neither dangle nor change under it.
TEST_F(PersistTest, NamedPersistOntoItsOwnNameKeepsTheFile) {
  NamedTemporaryFile f({.dir = scratch()});
  f.write(std::string_view("mine"));
  const fs::path name = f.name();
  f.persist(f.name());
  EXPECT_EQ(f.name(), name);
  f.close();
  EXPECT_EQ(read_file(name), "mine");  // persisted: the close removed nothing
  EXPECT_EQ(list_dir(scratch()), std::set<std::string>{name.filename().string()});
  fs::remove(name);
}

// Both ways of knowing the file: the identity recorded at creation (delete_, which removal needs
// anyway) and, with delete_ = false, the descriptor asked at persist().
TEST_F(PersistTest, B1_NamedPersistNeverMovesAFileThatReplacedOurName) {
  for (const bool delete_ : {true, false}) {
    SCOPED_TRACE(delete_ ? "delete_ = true" : "delete_ = false");
    NamedTemporaryFile f({.delete_ = delete_});
    const fs::path name = f.name();
    f.write(std::string_view("ours"));
    // An attacker renames another file over our name.
    const fs::path theirs = scratch() / "theirs";
    write_file(theirs, "theirs");
    const auto their_identity = identity_of(theirs);
    fs::rename(theirs, name);
    const fs::path target = scratch() / "target";
    try {
      f.persist(target);
      FAIL() << "persist moved a file that is not ours";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), std::make_error_code(std::errc::no_such_file_or_directory));
      EXPECT_THAT(e.what(), testing::HasSubstr("another file"));
    }
    EXPECT_FALSE(fs::exists(fs::symlink_status(target)));
    EXPECT_EQ(identity_of(name), their_identity);
    EXPECT_EQ(read_file(name), "theirs");
    f.close();
    // Closing leaves their file alone too (it is not ours).
    EXPECT_EQ(read_file(name), "theirs");
    fs::remove(name);
  }
}

TEST_F(PersistTest, NamedFailureHandsTheObjectBackIntact) {
  const fs::path target = scratch() / "missing-dir" / "target";
  NamedTemporaryFile f;
  const fs::path name = f.name();
  f.write(std::string_view("first "));
  try {
    f.persist(target);
    FAIL() << "persist into a missing directory succeeded";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::no_such_file_or_directory));
    EXPECT_THAT(e.what(), testing::HasSubstr("rename failed from"));
    EXPECT_THAT(e.what(), testing::HasSubstr(target.string()));
    EXPECT_THAT(e.what(), testing::HasSubstr(name.string()));
  }
  EXPECT_EQ(f.name(), name);
  f.write(std::string_view("second"));
  f.seek(0);
  EXPECT_EQ(f.read(), "first second");
  f.close();
  EXPECT_FALSE(fs::exists(name)) << "after a failed persist the object still removes its file";
}

TEST_F(PersistTest, NamedErrorCodeFormClearsOnSuccessAndReportsTheErrno) {
  NamedTemporaryFile f;
  std::error_code ec = std::make_error_code(std::errc::io_error);
  EXPECT_FALSE(f.persist(scratch() / "no" / "such", ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::no_such_file_or_directory));
  EXPECT_TRUE(f.persist(scratch() / "done", ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(f.name(), scratch() / "done");
  f.close();
  EXPECT_FALSE(f.persist(scratch() / "again", ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::bad_file_descriptor));
  EXPECT_FALSE(f.persist(std::string("a\0b", 3), ec));
  fs::remove(scratch() / "done");
}

TEST_F(PersistTest, NamedPersistRefusesATargetWithANul) {
  NamedTemporaryFile f;
  EXPECT_THROW(f.persist(std::string("x\0y", 3)), std::invalid_argument);
  EXPECT_TRUE(fs::exists(f.name()));
}

TEST_F(PersistTest, NamedPersistAcrossFileSystemsSaysToCreateItThere) {
  const fs::path other = "/dev/shm";
  struct stat here {};
  struct stat there {};
  if (::stat(scratch().c_str(), &here) != 0 || ::stat(other.c_str(), &there) != 0 ||
      here.st_dev == there.st_dev) {
    GTEST_SKIP() << "no second file system (/dev/shm) beside the scratch directory";
  }
  NamedTemporaryFile f;
  const fs::path target = other / ("persist-test-" + std::to_string(::getpid()));
  try {
    f.persist(target);
    fs::remove(target);
    FAIL() << "a rename across file systems succeeded";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::cross_device_link));
    EXPECT_THAT(e.what(), testing::HasSubstr("`dir`"));
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::exists(f.name()));
}

TEST_F(PersistTest, NamedDeleteFalseCanBePersistedToo) {
  NamedTemporaryFile f({.delete_ = false});
  f.persist(scratch() / "kept");
  f.close();
  EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"kept"});
  fs::remove(scratch() / "kept");
}

// ---- TemporaryFile / PseudoTemporaryFile (linked into place) ------------------------------

TEST_F(PersistTest, A11_UnnamedNoClobberLinksStraightToTheTarget) {
  if (!unnamed_files_link_here()) {
    GTEST_SKIP() << "no O_TMPFILE here (UnnamedCreateAndUnlinkFileCannotBePersisted covers it)";
  }
  const fs::path target = scratch() / "out.bin";
  TemporaryFile f;
  f.write(std::string_view("linked"));
  f.persist(target, {.overwrite = false});
  EXPECT_EQ(read_file(target), "linked");
  EXPECT_EQ(identity_of(target), identity_of_fd(f.fileno()));
  EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"out.bin"});
  // Still usable; others' view of the file is ours (shared, not a private size and offset).
  f.write(std::string_view("+more"));
  f.flush();
  EXPECT_EQ(read_file(target), "linked+more");
  write_file(target, "rewritten by someone else");
  f.seek(0);
  EXPECT_EQ(f.read(), "rewritten by someone else");
  f.close();
  EXPECT_TRUE(fs::exists(target));
  fs::remove(target);
}

// persist() leaves the descriptor's offset behind and hands it the position when the object
// next uses it: every way of using it must find the position where it was.
TEST_F(PersistTest, UnnamedPersistHandsThePositionToTheDescriptorWhenNextUsed) {
  if (!unnamed_files_link_here()) {
    GTEST_SKIP() << "no O_TMPFILE here (UnnamedCreateAndUnlinkFileCannotBePersisted covers it)";
  }
  const auto persisted = [&](const std::string& name) {
    auto f = std::make_unique<TemporaryFile>(TemporaryFileOptions{.buffering = 0});
    f->write(std::string_view("0123456789"));
    f->seek(4);
    f->persist(scratch() / name);
    return f;
  };
  {  // a read
    auto f = persisted("read");
    EXPECT_EQ(f->read(3), "456");
    EXPECT_EQ(f->tell(), 7);
  }
  {  // a write
    auto f = persisted("write");
    f->write(std::string_view("ab"));
    EXPECT_EQ(read_file(scratch() / "write"), "0123ab6789");
  }
  {  // a seek from the current position
    auto f = persisted("seek");
    EXPECT_EQ(f->seek(-2, SEEK_CUR), 2);
    EXPECT_EQ(f->read(2), "23");
  }
  {  // the descriptor handed out
    auto f = persisted("fileno");
    EXPECT_EQ(::lseek(f->fileno(), 0, SEEK_CUR), 4);
  }
  {  // SEEK_DATA takes an absolute offset and moves the descriptor's
    auto f = persisted("data");
    EXPECT_EQ(f->seek(1, os::seek_data), 1);
    EXPECT_EQ(f->read(2), "12");
  }
  {  // the buffered layer's read-ahead, and a write behind it
    TemporaryFile f;
    f.write(std::string_view("0123456789"));
    f.seek(0);
    EXPECT_EQ(f.read(2), "01");  // the buffer read everything ahead
    f.persist(scratch() / "buffered");
    f.write(std::string_view("xy"));
    f.flush();
    EXPECT_EQ(read_file(scratch() / "buffered"), "01xy456789");
    EXPECT_EQ(f.read(), "456789");
  }
  for (const char* name : {"read", "write", "seek", "fileno", "data", "buffered"}) {
    fs::remove(scratch() / name);
  }
}

// The steps persist() takes beyond the hand-written sequence (open, write, rename or link,
// close) are exactly those docs/performance.md lists: none for an unnamed file; for a named
// one the cleaner lock and two statx (the identity its removal needs, and the check that its
// name is still its own before the rename). Every system call from the file's creation to its
// close, under strace.
TEST_F(PersistTest, PersistMakesOnlyTheDocumentedSystemCalls) {
  if (!strace_works()) {
    GTEST_SKIP() << "strace is missing or ptrace is not permitted here";
  }
  if (!os::linux_fast_paths) {
    GTEST_SKIP() << "the portable build's fallbacks take other steps (link and unlink, fstat)";
  }
  const fs::path dir = make_subdir("d");
  struct Case {
    std::string kind;
    bool overwrite;
    std::vector<std::string> calls;  // consecutive linkat attempts counted as one
  };
  // In a held directory (-held): as many calls, each relative to the held descriptor (renameat
  // where rename names two paths).
  std::vector<Case> cases = {
      {"named", true, {"flock", "statx", "write", "statx", "rename", "close"}},
      {"named", false, {"flock", "statx", "write", "statx", "renameat2", "close"}},
      {"named-held", true, {"flock", "statx", "write", "statx", "renameat", "close"}},
      {"named-held", false, {"flock", "statx", "write", "statx", "renameat2", "close"}}};
  if (unnamed_files_link_here()) {
    cases.push_back({"temporary", true, {"pwrite64", "linkat", "rename", "close"}});
    cases.push_back({"temporary", false, {"pwrite64", "linkat", "close"}});
    cases.push_back({"temporary-held", true, {"pwrite64", "linkat", "renameat", "close"}});
    cases.push_back({"temporary-held", false, {"pwrite64", "linkat", "close"}});
  }
  const fs::path log = scratch() / "calls.log";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind + (c.overwrite ? " overwrite" : " no-clobber"));
    const fs::path target = dir / "target";
    const std::string command = "ASAN_OPTIONS=detect_leaks=0 strace -qq -o '" + log.string() +
                                "' '" TEMPFILE_PERSIST_DRIVER "' " + c.kind + " '" + dir.string() +
                                "' '" + target.string() + "' " + (c.overwrite ? "1" : "0") + " 0 2";
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command with our paths
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::vector<std::string> lines;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
    // The second round's file: what a process does once (probes, caches, a first allocation)
    // was done in the first.
    const std::string creation = "^openat\\(AT_FDCWD, \"" + dir.string() +
                                 "[^\"]*\", [^)]*(O_EXCL|O_TMPFILE)[^)]*\\) = (\\d+)";
    std::smatch created;
    const int earlier = find_line(lines, creation);
    ASSERT_GE(earlier, 0) << joined(lines);
    const int first = find_line(lines, creation, &created, static_cast<std::size_t>(earlier) + 1);
    ASSERT_GT(first, earlier) << joined(lines);
    const int closed = find_line(lines, "^close\\(" + created[2].str() + "\\)", nullptr,
                                 static_cast<std::size_t>(first) + 1);
    ASSERT_GT(closed, first) << joined(lines);
    const std::regex memory("^(mmap|munmap|mprotect|madvise|brk|mremap)\\(");
    const std::regex call_name("^([a-z0-9_]+)\\(");
    std::vector<std::string> calls;
    for (auto i = static_cast<std::size_t>(first) + 1; i <= static_cast<std::size_t>(closed); ++i) {
      std::smatch name;
      if (std::regex_search(lines[i], memory) || !std::regex_search(lines[i], name, call_name)) {
        continue;
      }
      if (name[1] == "linkat" && !calls.empty() && calls.back() == "linkat") {
        continue;  // the empty-path link refused (no privilege), then the /proc path's
      }
      calls.push_back(name[1]);
    }
    EXPECT_EQ(calls, c.calls) << joined(lines);
    if (c.kind.ends_with("-held")) {
      // The target named by the held descriptor, never by its path.
      EXPECT_GE(find_line(lines, "^(renameat2?|linkat)\\(.*[0-9]+, \"target\""), 0)
          << joined(lines);
      EXPECT_EQ(find_line(lines, "AT_FDCWD, \"" + target.string() + "\""), -1) << joined(lines);
    }
    EXPECT_EQ(read_file(target), "payload");
    fs::remove(target);
    fs::remove(target.native() + ".1");
    fs::remove(log);
  }
  fs::remove(dir);
}

TEST_F(PersistTest, A11_UnnamedNoClobberRefusesAnExistingFileAndADanglingSymlink) {
  if (!unnamed_files_link_here()) {
    GTEST_SKIP() << "no O_TMPFILE here (UnnamedCreateAndUnlinkFileCannotBePersisted covers it)";
  }
  const fs::path existing = scratch() / "existing";
  write_file(existing, "old");
  const fs::path link = scratch() / "link";
  fs::create_symlink(scratch() / "nowhere", link);
  TemporaryFile f;
  f.write(std::string_view("data"));
  try {
    f.persist(existing, {.overwrite = false});
    FAIL() << "linked over an existing file";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::make_error_code(std::errc::file_exists));
    EXPECT_THAT(e.what(), testing::HasSubstr(existing.string()));
  }
  std::error_code ec;
  EXPECT_FALSE(f.persist(link, {.overwrite = false}, ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::file_exists));
  EXPECT_EQ(read_file(existing), "old");
  EXPECT_EQ(fs::read_symlink(link), scratch() / "nowhere");
  EXPECT_EQ(list_dir(scratch()), (std::set<std::string>{"existing", "link"}));
  // Handed back: still unnamed, still usable.
  f.write(std::string_view("+more"));
  f.seek(0);
  EXPECT_EQ(f.read(), "data+more");
  fs::remove(existing);
  fs::remove(link);
}

TEST_F(PersistTest, UnnamedOverwriteReplacesAtomicallyAndLeavesNoDebris) {
  if (!unnamed_files_link_here()) {
    GTEST_SKIP() << "no O_TMPFILE here (UnnamedCreateAndUnlinkFileCannotBePersisted covers it)";
  }
  const fs::path target = scratch() / "state.json";
  write_file(target, "{old}");
  TemporaryFile f;
  f.write(std::string_view("{new}"));
  f.persist(target);
  EXPECT_EQ(read_file(target), "{new}");
  EXPECT_EQ(identity_of(target), identity_of_fd(f.fileno()));
  EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"state.json"});
  // A failed overwrite (target is a directory) leaves no staged name behind either.
  const fs::path directory = scratch() / "a-directory";
  fs::create_directory(directory);
  write_file(directory / "inside", "x");
  std::error_code ec;
  EXPECT_FALSE(f.persist(directory, ec));
  EXPECT_EQ(ec, std::make_error_code(std::errc::is_a_directory));
  EXPECT_EQ(list_dir(scratch()), (std::set<std::string>{"a-directory", "state.json"}));
  fs::remove_all(directory);
  fs::remove(target);
}

TEST_F(PersistTest, UnnamedLinkThroughProcWhenEmptyPathIsRefused) {
  if (!unnamed_files_link_here()) {
    GTEST_SKIP() << "no O_TMPFILE here (UnnamedCreateAndUnlinkFileCannotBePersisted covers it)";
  }
  os::link_prefer_empty_path(false);  // as a kernel before 6.10 without CAP_DAC_READ_SEARCH
  TemporaryFile f;
  f.write(std::string_view("via proc"));
  std::error_code ec;
  const bool persisted = f.persist(scratch() / "via-proc", {.overwrite = false}, ec);
  os::link_prefer_empty_path(true);
  EXPECT_TRUE(persisted) << ec.message();
  EXPECT_EQ(read_file(scratch() / "via-proc"), "via proc");
  fs::remove(scratch() / "via-proc");
}

// Linking an unnamed file prefers linkat(AT_EMPTY_PATH), one call; where the kernel refuses it
// (ENOENT: before Linux 6.10 without CAP_DAC_READ_SEARCH) the /proc/self/fd path works, and the
// process learns that once: the refusal is injected by strace into the first linkat only, and
// the later persists of the same process go straight to /proc. The control, without the
// injection, links every time with AT_EMPTY_PATH and nothing else.
TEST_F(PersistTest, TheEmptyPathLinkIsPreferredAndItsRefusalLearntOnce) {
  if (!unnamed_files_link_here() || !strace_works()) {
    GTEST_SKIP() << "no O_TMPFILE here, or no strace";
  }
  const fs::path dir = make_subdir("d");
  const auto links = [](const Trace& trace, const std::string& pattern) {
    std::size_t count = 0;
    for (const std::string& line : trace.lines) {
      count += std::regex_search(line, std::regex(pattern)) ? 1U : 0U;
    }
    return count;
  };
  const std::string empty_path = "^linkat\\(\\d+, \"\", .*AT_EMPTY_PATH\\)";
  const std::string by_proc = "^linkat\\(AT_FDCWD, \"/proc/self/fd/\\d+\", .*AT_SYMLINK_FOLLOW\\)";
  {
    SCOPED_TRACE("control");
    const Trace trace = trace_driver("temporary", dir, dir / "target", false, false, 3);
    ASSERT_EQ(trace.status, 0) << joined(trace.lines);
    EXPECT_EQ(links(trace, "^linkat\\("), 3U) << joined(trace.lines);
    EXPECT_EQ(links(trace, empty_path + "\\s*= 0"), 3U) << joined(trace.lines);
  }
  for (const char* name : {"target", "target.1", "target.2"}) {
    EXPECT_EQ(read_file(dir / name), "payload");
    fs::remove(dir / name);
  }
  {
    SCOPED_TRACE("the first AT_EMPTY_PATH link refused");
    const Trace trace = trace_driver("temporary", dir, dir / "target", false, false, 3,
                                     "-e inject=linkat:error=ENOENT:when=1");
    ASSERT_EQ(trace.status, 0) << joined(trace.lines);
    const std::string text = joined(trace.lines);
    EXPECT_EQ(links(trace, "^linkat\\("), 4U) << text;
    EXPECT_EQ(links(trace, empty_path + ".*ENOENT"), 1U) << text;  // tried once, refused
    EXPECT_EQ(links(trace, empty_path), 1U) << text;               // and never again
    EXPECT_EQ(links(trace, by_proc + "\\s*= 0"), 3U) << text;
    EXPECT_LT(find_line(trace.lines, empty_path), find_line(trace.lines, by_proc)) << text;
  }
  for (const char* name : {"target", "target.1", "target.2"}) {
    EXPECT_EQ(read_file(dir / name), "payload");
    fs::remove(dir / name);
  }
  EXPECT_EQ(list_dir(dir), std::set<std::string>{});
  fs::remove(dir);
}

TEST_F(PersistTest, UnnamedCreateAndUnlinkFileCannotBePersisted) {
  // The create-and-unlink fallback: always in the portable build; on Linux forced here by a
  // file made exactly that way (the kernel refuses to link a file once unlinked).
  if (!os::linux_fast_paths) {
    TemporaryFile f;
    f.write(std::string_view("data"));
    try {
      f.persist(scratch() / "target");
      FAIL() << "a created-and-unlinked file was given a name";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), std::make_error_code(std::errc::not_supported));
      EXPECT_THAT(e.what(), testing::HasSubstr("NamedTemporaryFile"));
    }
    EXPECT_TRUE(list_dir(scratch()).empty());
    f.seek(0);
    EXPECT_EQ(f.read(), "data");
    return;
  }
  // Linux: the probe itself must say no for such a file, so persist() refuses it before linking.
  const fs::path name = scratch() / "unlinked";
  const int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ::unlink(name.c_str());
  EXPECT_FALSE(os::is_linkable_unnamed(fd));
  EXPECT_NE(os::link_unnamed(fd, (scratch() / "target").c_str()), 0);
  ::close(fd);
  TemporaryFile control;
  EXPECT_TRUE(os::is_linkable_unnamed(control.fileno())) << "positive control: O_TMPFILE links";
  EXPECT_TRUE(list_dir(scratch()).empty());
}

TEST_F(PersistTest, PseudoTemporaryFilePersists) {
  const fs::path target = scratch() / "pseudo";
  const os::GuardianStatus before = os::guardian_status();
  {
    PseudoTemporaryFile f;
    const bool named = f.name().native().rfind("/proc/", 0) != 0;  // the guarded fallback
    f.write(std::string_view("pseudo"));
    f.persist(target, {.overwrite = false});
    EXPECT_EQ(read_file(target), "pseudo");
    if (named) {
      EXPECT_EQ(f.name(), target);
      EXPECT_EQ(os::guardian_status().tickets, before.tickets) << "the guardian still holds it";
    }
    f.close();
  }
  EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"pseudo"});
  fs::remove(target);
}

// ---- durable: the fsyncs, in order, seen by strace -----------------------------------------

TEST_F(PersistTest, DurableSyncsTheFileBeforeItsNameAndTheDirectoryAfter) {
  if (!strace_works()) {
    GTEST_SKIP() << "strace is missing or ptrace is not permitted here";
  }
  const fs::path dir = make_subdir("d");
  struct Case {
    std::string kind;
    bool overwrite;
    std::string name_call;
  };
  std::vector<Case> cases = {{"named", true, "rename\\("},
                             {"named", false, "(renameat2|link)\\("},
                             {"atomic-named", true, "rename\\("},
                             {"atomic-named", false, "(renameat2|link)\\("}};
  if (unnamed_files_link_here()) {
    cases.push_back({"temporary", true, "rename\\("});
    cases.push_back({"temporary", false, "linkat\\("});
    cases.push_back({"atomic", true, "rename\\("});
    cases.push_back({"atomic", false, "linkat\\("});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind + (c.overwrite ? " overwrite" : " no-clobber"));
    const fs::path target = dir / "target";
    const Trace durable = trace_driver(c.kind, dir, target, c.overwrite, true);
    ASSERT_EQ(durable.status, 0) << joined(durable.lines);
    EXPECT_EQ(read_file(target), "payload");
    const std::string text = joined(durable.lines);
    const int named = find_line(durable.lines, "^" + c.name_call + ".*" + target.string());
    ASSERT_GE(named, 0) << text;
    // The file's fsync comes before the name reaches it...
    std::smatch file_sync;
    const int first_sync = find_line(durable.lines, "^fsync\\((\\d+)\\)\\s*= 0", &file_sync);
    ASSERT_GE(first_sync, 0) << text;
    EXPECT_LT(first_sync, named) << text;
    // ...and it is the temporary file's descriptor (its creation: O_EXCL, or O_TMPFILE).
    std::smatch created;
    ASSERT_GE(find_line(durable.lines,
                        "^openat\\(AT_FDCWD, \"" + dir.string() +
                            "[^\"]*\", [^)]*(O_EXCL|O_TMPFILE)[^)]*\\) = (\\d+)",
                        &created),
              0)
        << text;
    EXPECT_EQ(file_sync[1].str(), created[2].str()) << text;
    // ...and the target directory, opened after the rename, is synced after it.
    std::smatch dir_open;
    const std::vector<std::string> after(durable.lines.begin() + named, durable.lines.end());
    ASSERT_GE(find_line(after,
                        "^openat\\(AT_FDCWD, \"" + dir.string() +
                            "\", O_RDONLY[^)]*O_DIRECTORY[^)]*\\) = (\\d+)",
                        &dir_open),
              0)
        << text;
    EXPECT_GE(find_line(after, "^fsync\\(" + dir_open[1].str() + "\\)\\s*= 0"), 0) << text;
    fs::remove(target);
    // Control: without durable, no fsync at all.
    const Trace fast = trace_driver(c.kind, dir, target, c.overwrite, false);
    ASSERT_EQ(fast.status, 0) << joined(fast.lines);
    EXPECT_EQ(find_line(fast.lines, "^f(data)?sync\\("), -1) << joined(fast.lines);
    EXPECT_EQ(list_dir(dir), std::set<std::string>{"target"});
    fs::remove(target);
  }
  fs::remove(dir);
}

// The mode a persist gives the file (an fchmod through its descriptor) is part of what the
// file's fsync makes durable: it comes before the fsync, and the fsync before the name. After
// the fsync it would reach the disk only with the next writeback, and a crash could leave the
// target with the temporary's 0600.
TEST_F(PersistTest, DurableSyncsTheFilesNewModeBeforeItsName) {
  if (!strace_works()) {
    GTEST_SKIP() << "strace is missing or ptrace is not permitted here";
  }
  const fs::path dir = make_subdir("d");
  std::vector<std::string> kinds = {"named-chmod", "atomic-named-chmod"};
  if (unnamed_files_link_here()) {
    kinds.emplace_back("temporary-chmod");
    kinds.emplace_back("atomic-chmod");
  }
  for (const std::string& kind : kinds) {
    for (const bool overwrite : {true, false}) {
      SCOPED_TRACE(kind + (overwrite ? " overwrite" : " no-clobber"));
      const fs::path target = dir / "target";
      const Trace trace = trace_driver(kind, dir, target, overwrite, true);
      ASSERT_EQ(trace.status, 0) << joined(trace.lines);
      EXPECT_EQ(read_file(target), "payload");
      EXPECT_EQ(fs::status(target).permissions(), static_cast<fs::perms>(0640));
      const std::string text = joined(trace.lines);
      std::smatch created;
      ASSERT_GE(find_line(trace.lines,
                          "^openat\\(AT_FDCWD, \"" + dir.string() +
                              "[^\"]*\", [^)]*(O_EXCL|O_TMPFILE)[^)]*\\) = (\\d+)",
                          &created),
                0)
          << text;
      const std::string fd = created[2].str();
      const int mode_change = find_line(trace.lines, "^fchmod\\(" + fd + ", 0640\\)\\s*= 0");
      const int file_sync = find_line(trace.lines, "^fsync\\(" + fd + "\\)\\s*= 0");
      const int named = find_line(
          trace.lines, "^(rename|renameat2|link|linkat)\\(.*" + target.filename().string());
      ASSERT_GE(mode_change, 0) << text;
      ASSERT_GE(file_sync, 0) << text;
      ASSERT_GE(named, 0) << text;
      EXPECT_LT(mode_change, file_sync) << text;
      EXPECT_LT(file_sync, named) << text;
      fs::remove(target);
      EXPECT_EQ(list_dir(dir), std::set<std::string>{});
    }
  }
  fs::remove(dir);
}

// The mode is set before the fsync and the name's check now: when either fails, the object
// is handed back with its own mode. The fsync is failed by strace (EIO on the first fsync).
TEST_F(PersistTest, AFailedSyncOrNameCheckGivesTheModeBack) {
  const fs::path dir = make_subdir("d");
  if (strace_works()) {
    std::vector<std::string> kinds = {"named-chmod"};
    if (unnamed_files_link_here()) {
      kinds.emplace_back("temporary-chmod");
    }
    for (const std::string& kind : kinds) {
      SCOPED_TRACE(kind);
      const fs::path err = dir.parent_path() / "driver.err";
      const std::string command =
          "ASAN_OPTIONS=detect_leaks=0 strace -qq -o /dev/null -e inject=fsync:error=EIO:when=1 "
          "'" TEMPFILE_PERSIST_DRIVER "' " +
          kind + " '" + dir.string() + "' '" + (dir / "target").string() + "' 1 1 2>'" +
          err.string() + "'";
      // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command with our paths
      const int status = std::system(command.c_str());
      const std::string text = read_file(err);
      fs::remove(err);
      EXPECT_NE(status, 0) << text;
      EXPECT_NE(text.find("fsync failed for"), std::string::npos) << text;
      EXPECT_NE(text.find("the temporary's mode after the failure: 0600"), std::string::npos)
          << text;
      EXPECT_FALSE(fs::exists(dir / "target"));
      EXPECT_EQ(list_dir(dir), std::set<std::string>{});
    }
  }
  // The name replaced before the persist: refused, and the file keeps its own mode.
  NamedTemporaryFile f({.dir = dir});
  f.write(std::string_view("ours"));
  const fs::path name = f.name();
  write_file(dir / "theirs", "theirs");
  fs::rename(dir / "theirs", name);
  std::error_code ec;
  EXPECT_FALSE(f.persist(dir / "target", {.mode = PersistMode::exactly(fs::perms(0644))}, ec));
  EXPECT_EQ(ec, std::error_code(ENOENT, std::generic_category()));
  struct stat status {};
  ASSERT_EQ(::fstat(f.fileno(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777U, 0600U);
  EXPECT_FALSE(fs::exists(dir / "target"));
  EXPECT_EQ(read_file(name), "theirs");
  f.close();
  fs::remove(name);
  fs::remove(dir);
}

TEST_F(PersistTest, DurableFailureAfterTheRenameIsItsOwnOutcome) {
  // The target's directory is writable and searchable but not readable: the rename works, the
  // directory cannot be opened to sync it. Root reads it anyway, so the child runs as nobody.
  const fs::path work = make_subdir("work");
  const fs::path unreadable = make_subdir("unreadable");
  fs::permissions(scratch(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(work, fs::perms::all);
  fs::permissions(unreadable, fs::perms::owner_write | fs::perms::owner_exec |
                                  fs::perms::group_write | fs::perms::group_exec |
                                  fs::perms::others_write | fs::perms::others_exec);
  const fs::path target = unreadable / "t";
  const fs::path target2 = unreadable / "t2";
  const int status = run_in_child([&] {
    if (!become_unprivileged()) {
      return 10;
    }
    NamedTemporaryFile f({.dir = work});
    f.write(std::string_view("data"));
    try {
      f.persist(target, {.durable = true});
      return 11;  // the directory sync cannot have worked
    } catch (const persisted_not_durable_error& e) {
      if (e.code() != std::make_error_code(std::errc::permission_denied) ||
          std::string(e.what()).find("durability not confirmed") == std::string::npos) {
        return 12;
      }
    }
    if (f.name() != target) {
      return 13;
    }
    NamedTemporaryFile g({.dir = work});
    std::error_code ec;
    if (!g.persist(target2, {.durable = true}, ec) ||
        ec != std::make_error_code(std::errc::permission_denied) || g.name() != target2) {
      return 14;
    }
    f.close();  // removes nothing: persisted is persisted
    g.close();
    return 0;
  });
  fs::permissions(scratch(), fs::perms::owner_all);
  if (status == 10) {
    GTEST_SKIP() << "cannot become an unprivileged user here";
  }
  EXPECT_EQ(status, 0);
  EXPECT_EQ(read_file(target), "data");
  EXPECT_TRUE(fs::exists(target2));
  EXPECT_TRUE(list_dir(work).empty());
  fs::permissions(unreadable, fs::perms::owner_all);
  fs::remove_all(unreadable);
  fs::remove_all(work);
}

// ---- mode ---------------------------------------------------------------------------------

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 ? static_cast<unsigned>(info.st_mode & 07777) : ~0U;
}

TEST_F(PersistTest, ModeOptionsGiveTheTargetItsPermissions) {
  // In a child: the umask is the process's, and the test sets its own.
  const fs::path dir = scratch();
  const int status = run_in_child([&] {
    ::umask(027);
    int failures = 0;
    const auto check = [&](const char* name, unsigned expected, unsigned got) {
      if (got != expected) {
        std::fprintf(stderr, "%s: mode %o, expected %o\n", name, got, expected);
        ++failures;
      }
    };
    {
      NamedTemporaryFile f;
      f.persist(dir / "private");
      check("owner_only", 0600, mode_of(dir / "private"));
    }
    {
      NamedTemporaryFile f;
      f.persist(dir / "umask", {.mode = PersistMode::umask_default()});
      check("umask_default", 0640, mode_of(dir / "umask"));
    }
    {
      NamedTemporaryFile f;
      f.persist(dir / "exact", {.mode = PersistMode::exactly(fs::perms(0644))});
      check("exactly", 0644, mode_of(dir / "exact"));
    }
    {
      write_file(dir / "preserved", "old");
      ::chmod((dir / "preserved").c_str(), 0604);
      NamedTemporaryFile f;
      f.persist(dir / "preserved", {.mode = PersistMode::preserve_target()});
      check("preserve_target", 0604, mode_of(dir / "preserved"));
      NamedTemporaryFile g;
      g.persist(dir / "new-preserved", {.mode = PersistMode::preserve_target()});
      check("preserve_target, no target", 0640, mode_of(dir / "new-preserved"));
    }
    if (unnamed_files_link_here()) {
      TemporaryFile f;
      f.persist(dir / "unnamed", {.mode = PersistMode::umask_default()});
      check("unnamed umask_default", 0640, mode_of(dir / "unnamed"));
    }
    {
      // A failure gives the temporary its own mode back.
      NamedTemporaryFile f;
      std::error_code ec;
      write_file(dir / "taken", "x");
      if (f.persist(dir / "taken",
                    {.overwrite = false, .mode = PersistMode::exactly(fs::perms(0644))}, ec)) {
        ++failures;
      }
      check("after a failure", 0600, mode_of(f.name()));
    }
    return failures;
  });
  EXPECT_EQ(status, 0);
  for (const char* name :
       {"private", "umask", "exact", "preserved", "new-preserved", "unnamed", "taken"}) {
    fs::remove(dir / name);
  }
}

TEST_F(PersistTest, PreserveTargetKeepsTheOwnerWherePermitted) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "only root may give a file to another user (probed: not root)";
  }
  const fs::path target = scratch() / "owned";
  write_file(target, "old");
  ASSERT_EQ(::chown(target.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  NamedTemporaryFile f;
  f.persist(target, {.mode = PersistMode::preserve_target()});
  struct stat info {};
  ASSERT_EQ(::lstat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 65534U);
  EXPECT_EQ(info.st_gid, 65534U);
  EXPECT_EQ(info.st_mode & 07777, 0640U);
  // Positive control: the default leaves the file ours.
  NamedTemporaryFile g;
  g.persist(target);
  ASSERT_EQ(::lstat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 0U);
  // atomic_write (preserve_target() is its default) and an unnamed file's persist alike.
  ASSERT_EQ(::chown(target.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chmod(target.c_str(), 0604), 0);
  atomic_write(target, std::string_view("new"));
  ASSERT_EQ(::lstat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 65534U);
  EXPECT_EQ(info.st_gid, 65534U);
  EXPECT_EQ(info.st_mode & 07777, 0604U);
  if (unnamed_files_link_here()) {
    TemporaryFile h;
    h.persist(target, {.mode = PersistMode::preserve_target()});
    ASSERT_EQ(::lstat(target.c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, 65534U);
    EXPECT_EQ(info.st_gid, 65534U);
    EXPECT_EQ(info.st_mode & 07777, 0604U);
  }
  fs::remove(target);
}

// Not root: the owner cannot be given away, but the group can when it is one of the process's
// groups (chown to our own uid and that gid). A child of the root test process becomes user
// 1000 in groups 1000 and 2000; the targets belong to root, one in group 2000 (kept), one in
// group 3000 (not ours: the file stays in our group, the control).
TEST_F(PersistTest, PreserveTargetKeepsTheGroupWhereTheOwnerCannotBeKept) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to set up another user's groups (probed: not root)";
  }
  const fs::path dir = make_subdir("groups");
  ASSERT_EQ(::chown(dir.c_str(), 1000, 1000), 0);
  fs::permissions(scratch(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  for (const auto& [name, gid] : {std::pair{"ours", 2000}, std::pair{"theirs", 3000}}) {
    write_file(dir / name, "old");
    ASSERT_EQ(::chown((dir / name).c_str(), 0, static_cast<gid_t>(gid)), 0);
    ASSERT_EQ(::chmod((dir / name).c_str(), 0640), 0);
  }
  const int status = run_in_child([&] {
    const std::array<gid_t, 2> groups = {1000, 2000};
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(1000) != 0 ||
        ::setuid(1000) != 0) {
      return 3;
    }
    NamedTemporaryFile a({.dir = dir});
    a.persist(dir / "ours", {.mode = PersistMode::preserve_target()});
    atomic_write(dir / "theirs", std::string_view("new"));  // preserve_target() by default
    return 0;
  });
  ASSERT_EQ(status, 0);
  struct stat info {};
  ASSERT_EQ(::lstat((dir / "ours").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 1000U);
  EXPECT_EQ(info.st_gid, 2000U);
  EXPECT_EQ(info.st_mode & 07777, 0640U);
  ASSERT_EQ(::lstat((dir / "theirs").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, 1000U);
  EXPECT_EQ(info.st_gid, 1000U);
  EXPECT_EQ(info.st_mode & 07777, 0640U);
  EXPECT_EQ(read_file(dir / "theirs"), "new");
  fs::permissions(scratch(), fs::perms::owner_all);
  fs::remove_all(dir);
}

// ---- crash: SIGKILL before each step -------------------------------------------------------

// The step a crash child kills itself before (set before the fork, inherited).
objects::PersistStep kill_before{};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void kill_at_step(objects::PersistStep step) noexcept {
  if (step == kill_before) {
    ::kill(::getpid(), SIGKILL);
  }
}

TEST_F(PersistTest, CrashAtEachStepLeavesTheOldOrTheNewFileCompleteAndOnlyTheDocumentedDebris) {
  using objects::PersistStep;
  using Target = TargetAfterCrash;
  struct Case {
    std::string kind;  // "named" or "temporary"
    bool overwrite;
    PersistStep step;
    Target target;
    std::size_t debris;  // entries beside the target: a temporary's name, a staged name
  };
  std::vector<Case> cases = {
      {"named", true, PersistStep::sync_file, Target::old_file, 1},
      {"named", true, PersistStep::check_name, Target::old_file, 1},
      {"named", true, PersistStep::rename, Target::old_file, 1},
      {"named", true, PersistStep::withdraw, Target::new_file, 0},
      {"named", true, PersistStep::sync_directory, Target::new_file, 0},
      {"named", false, PersistStep::rename, Target::absent, 1},
      {"named", false, PersistStep::withdraw, Target::new_file, 0},
      {"named", false, PersistStep::sync_directory, Target::new_file, 0},
  };
  if (unnamed_files_link_here()) {
    const std::vector<Case> unnamed = {
        {"temporary", true, PersistStep::sync_file, Target::old_file, 0},
        {"temporary", true, PersistStep::link_staged, Target::old_file, 0},
        {"temporary", true, PersistStep::rename_staged, Target::old_file, 1},
        {"temporary", true, PersistStep::sync_directory, Target::new_file, 0},
        {"temporary", false, PersistStep::sync_file, Target::absent, 0},
        {"temporary", false, PersistStep::link, Target::absent, 0},
        {"temporary", false, PersistStep::sync_directory, Target::new_file, 0},
    };
    cases.insert(cases.end(), unnamed.begin(), unnamed.end());
  }
  const std::string old_content(1 << 16, 'o');
  const std::string new_content(1 << 16, 'n');
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind + (c.overwrite ? " overwrite" : " no-clobber") + ", killed before step " +
                 std::to_string(static_cast<int>(c.step)));
    const fs::path dir = make_subdir("crash");
    const fs::path target = dir / "target";
    if (c.overwrite) {
      write_file(target, old_content);
    }
    kill_before = c.step;
    const int status = run_in_child([&] {
      objects::set_persist_step_hook(kill_at_step);
      return persist_until_killed(c.kind == "named", dir, new_content, target,
                                  {.overwrite = c.overwrite, .durable = true});
    });
    EXPECT_EQ(status, 128 + SIGKILL) << "the child was not killed at the step";
    expect_target_after_crash(c.target, target, old_content, new_content);
    std::set<std::string> left = list_dir(dir);
    left.erase("target");
    EXPECT_EQ(left.size(), c.debris) << testing::PrintToString(left);
    for (const std::string& name : left) {
      EXPECT_EQ(read_file(dir / name), new_content) << name << " is not a complete copy";
    }
    // The debris is what sweep() removes once its owner is dead: the temporary under its own
    // name ("tmp" and 8 characters) or the staged name beside the target (".tmp" and 8).
    std::size_t swept = 0;
    for (const char* prefix : {"tmp", ".tmp"}) {
      const SweepResult result = sweep(dir, {.prefix = prefix, .min_age = 0s});
      EXPECT_TRUE(result.left.empty()) << prefix;
      swept += result.removed.size();
    }
    EXPECT_EQ(swept, c.debris);
    EXPECT_EQ(list_dir(dir), c.target == Target::absent ? std::set<std::string>{}
                                                        : std::set<std::string>{"target"})
        << "debris that sweep did not take";
    fs::remove_all(dir);
  }
}

// The no-clobber fallback where RENAME_NOREPLACE is missing (renameat2 made to fail with ENOSYS
// by strace, as a file system without it or a filter would): link() to the target, then
// unlink() of the temporary's name. A SIGKILL between the two (injected by strace as the unlink
// starts) leaves the target complete and the temporary's name as a second name of the same
// file. sweep() leaves that name (hard_linked: it never unlinks a file that has another name),
// which the documentation says; removing it by hand keeps the data at the target. The control,
// without the kill, leaves the target alone with one name.
TEST_F(PersistTest, KilledBetweenTheFallbacksLinkAndUnlinkTheTargetIsCompleteWithASecondName) {
  if (!strace_works()) {
    GTEST_SKIP() << "strace is missing or ptrace is not permitted here";
  }
  const fs::path dir = make_subdir("d");
  // Not trace_driver(): its trace filter leaves out unlink, which strace then does not stop at
  // to inject the kill.
  const auto run_driver = [&](const std::string& injections) {
    const std::string command =
        "ASAN_OPTIONS=detect_leaks=0 strace -qq -f -o /dev/null -e inject=renameat2:error=ENOSYS " +
        injections + " '" TEMPFILE_PERSIST_DRIVER "' named '" + dir.string() + "' '" +
        (dir / "target").string() + "' 0 0 2>/dev/null";
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command with our paths
    return std::system(command.c_str());
  };
  {
    SCOPED_TRACE("control: the fallback runs to its end");
    EXPECT_EQ(run_driver(""), 0);
    EXPECT_EQ(list_dir(dir), std::set<std::string>{"target"});
    EXPECT_EQ(read_file(dir / "target"), "payload");
    EXPECT_EQ(fs::hard_link_count(dir / "target"), 1U);
    fs::remove(dir / "target");
  }
  const int status = run_driver("-e inject=unlink:signal=KILL:when=1");
  EXPECT_NE(status, 0) << "the driver was not killed";
  std::set<std::string> left = list_dir(dir);
  ASSERT_EQ(left.size(), 2U) << testing::PrintToString(left);
  EXPECT_EQ(read_file(dir / "target"), "payload");
  left.erase("target");
  const fs::path second = dir / *left.begin();
  EXPECT_EQ(second.filename().string().rfind("tmp", 0), 0U) << second;
  EXPECT_TRUE(fs::equivalent(second, dir / "target"));
  EXPECT_EQ(fs::hard_link_count(dir / "target"), 2U);
  const SweepResult swept = sweep(dir, {.min_age = 0s});
  EXPECT_TRUE(swept.removed.empty());
  ASSERT_EQ(swept.left.size(), 1U);
  EXPECT_EQ(swept.left.front().reason, SweepReason::hard_linked);
  fs::remove(second);  // by hand: the data stays at the target
  EXPECT_EQ(read_file(dir / "target"), "payload");
  fs::remove(dir / "target");
  fs::remove(dir);
}

// ---- keep() ------------------------------------------------------------------------------

TEST_F(PersistTest, NamedKeepStopsRemovalAtCloseAndDestructor) {
  fs::path at_close;
  fs::path at_destructor;
  {
    NamedTemporaryFile f;
    at_close = f.keep();
    EXPECT_EQ(at_close, f.name());
    EXPECT_EQ(f.keep(), at_close);  // idempotent
    f.write(std::string_view("still usable"));
    f.close();
    NamedTemporaryFile g({.delete_on_close = false});
    at_destructor = g.keep();
  }
  EXPECT_EQ(read_file(at_close), "still usable");
  EXPECT_TRUE(fs::exists(at_destructor));
  fs::remove(at_close);
  fs::remove(at_destructor);
}

TEST_F(PersistTest, B4_KeepOnAMovedFromOrClosedObject) {
  NamedTemporaryFile f;
  NamedTemporaryFile g(std::move(f));
  EXPECT_THROW(static_cast<void>(f.keep()), closed_file_error);  // NOLINT(bugprone-use-after-move)
  g.close();
  EXPECT_THROW(static_cast<void>(g.keep()), closed_file_error);
  TemporaryDirectory d;
  TemporaryDirectory e(std::move(d));
  EXPECT_EQ(d.keep(), fs::path());  // NOLINT(bugprone-use-after-move)
  e.cleanup();
  EXPECT_THROW(static_cast<void>(e.keep()), error);
}

TEST_F(PersistTest, DirectoryKeepStopsDestructorAndCleanup) {
  fs::path kept;
  {
    TemporaryDirectory d;
    write_file(d / "inside", "x");
    kept = d.keep();
    EXPECT_EQ(kept, d.name());
    EXPECT_EQ(d.keep(), kept);
    d.cleanup();
  }
  EXPECT_EQ(read_file(kept / "inside"), "x");
  fs::remove_all(kept);
}

// Objects a child leaves alive when it calls std::exit.
std::array<void*, 5> alive_at_exit{};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

TEST_F(PersistTest, KeepSurvivesTheExitAndSignalCleanupOfAChild) {
  for (const bool by_signal : {false, true}) {
    SCOPED_TRACE(by_signal ? "SIGTERM after cleanup_on_signals()" : "std::exit");
    const fs::path dir = make_subdir(by_signal ? "signal" : "exit");
    const int status = run_in_child([&] {
      if (by_signal) {
        cleanup_on_signals();
      }
      // Alive at the end (never destroyed), so the exit or signal cleanup is what would remove
      // them; held by a global so that the leak checker sees them as reachable.
      auto* kept_file = new NamedTemporaryFile({.prefix = "kept-", .dir = dir});
      static_cast<void>(kept_file->keep());
      auto* kept_directory = new TemporaryDirectory({.prefix = "kept-", .dir = dir});
      static_cast<void>(kept_directory->keep());
      auto* persisted = new NamedTemporaryFile({.prefix = "p-", .dir = dir});
      persisted->persist(dir / "kept-persisted");
      // Positive controls: the same objects without keep() are removed by the same cleanup.
      auto* gone_file = new NamedTemporaryFile({.prefix = "gone-", .dir = dir});
      auto* gone_directory = new TemporaryDirectory({.prefix = "gone-", .dir = dir});
      alive_at_exit = {kept_file, kept_directory, persisted, gone_file, gone_directory};
      if (by_signal) {
        ::raise(SIGTERM);
        return 5;  // not reached: SIGTERM's default action ends the process
      }
      std::exit(0);  // NOLINT(concurrency-mt-unsafe): the child is single-threaded
      return 0;
    });
    ASSERT_EQ(status, by_signal ? 128 + SIGTERM : 0);
    const std::set<std::string> left = list_dir(dir);
    EXPECT_EQ(left.size(), 3U) << testing::PrintToString(left);
    for (const std::string& name : left) {
      EXPECT_EQ(name.rfind("kept-", 0), 0U) << name << " should have been removed";
    }
    fs::remove_all(dir);
  }
}

// keep() disarms every removal whatever the name says now (keeping never loses data), then
// hands the path back only while it still refers to the object's own file or directory: a
// name that someone replaced (or removed) since is reported with ENOENT, so that the caller
// never takes another entry for the one kept. A directory moved away stays whole where it is
// (its descriptor would otherwise still empty it), and the entry now under the name is left.
TEST_F(PersistTest, B1_KeepReportsANameThatNoLongerRefersToTheObject) {
  const fs::path dir = make_subdir("keep");
  const auto expect_reported = [](auto& object, const char* detail) {
    try {
      static_cast<void>(object.keep());
      ADD_FAILURE() << "keep() should have reported the name";
    } catch (const error& e) {
      EXPECT_EQ(e.code(), std::error_code(ENOENT, std::generic_category()));
      EXPECT_NE(std::string(e.what()).find(detail), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("kept the temporary"), std::string::npos) << e.what();
    }
  };
  {
    NamedTemporaryFile replaced({.dir = dir});
    const fs::path name = replaced.name();
    fs::create_hard_link(name, dir / "ours");  // where our file still is
    write_file(dir / "theirs", "theirs");
    fs::rename(dir / "theirs", name);
    expect_reported(replaced, "its name now refers to another entry");
    expect_reported(replaced, "its name now refers to another entry");  // every time
    replaced.write(std::string_view("still usable"));
    replaced.close();
    EXPECT_EQ(read_file(name), "theirs");
    EXPECT_EQ(read_file(dir / "ours"), "still usable");
    fs::remove(name);
    fs::remove(dir / "ours");

    NamedTemporaryFile gone({.dir = dir});
    fs::remove(gone.name());
    expect_reported(gone, "its name is gone");

    // Positive control: the same object whose name was left alone is kept without a word.
    NamedTemporaryFile control({.prefix = "control-", .dir = dir});
    EXPECT_EQ(control.keep(), control.name());
  }
  {
    TemporaryDirectory replaced({.dir = dir});
    const fs::path name = replaced.name();
    write_file(name / "ours", "ours");
    fs::rename(name, dir / "moved-away");
    fs::create_directory(name);
    write_file(name / "theirs", "theirs");
    expect_reported(replaced, "its name now refers to another entry");
    replaced.cleanup();  // kept: removes nothing, neither ours (moved away) nor theirs
    EXPECT_EQ(read_file(name / "theirs"), "theirs");
    fs::remove_all(name);
  }
  EXPECT_EQ(read_file(dir / "moved-away" / "ours"), "ours");
  fs::remove_all(dir / "moved-away");
  const std::set<std::string> left = list_dir(dir);
  ASSERT_EQ(left.size(), 1U) << testing::PrintToString(left);  // the control
  EXPECT_EQ(left.begin()->rfind("control-", 0), 0U);
  fs::remove_all(dir);
}

TEST_F(PersistTest, PseudoDirectoryKeepWithdrawsTheGuardian) {
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  const pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    ::close(ends[0]);
    try {
      auto* kept = new PseudoTemporaryDirectory();
      write_file(kept->path() / "inside", "x");
      auto* control = new PseudoTemporaryDirectory();  // the guardian's positive control
      const std::string report = kept->keep().string() + "\n" + control->path().string() + "\n";
      static_cast<void>(::write(ends[1], report.data(), report.size()));
    } catch (...) {
      ::_exit(3);
    }
    for (;;) {
      ::pause();
    }
  }
  ::close(ends[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t got = 0; (got = ::read(ends[0], buffer, sizeof buffer)) > 0;) {
    report.append(buffer, static_cast<std::size_t>(got));
    if (std::count(report.begin(), report.end(), '\n') == 2) {
      break;
    }
  }
  ::close(ends[0]);
  ::kill(owner, SIGKILL);
  int status = 0;
  ::waitpid(owner, &status, 0);
  std::istringstream lines(report);
  std::string kept;
  std::string control;
  std::getline(lines, kept);
  std::getline(lines, control);
  ASSERT_FALSE(kept.empty());
  ASSERT_FALSE(control.empty());
  EXPECT_TRUE(eventually([&] { return !fs::exists(fs::symlink_status(control)); }))
      << "the guardian did not remove the control directory";
  EXPECT_EQ(read_file(fs::path(kept) / "inside"), "x") << "the guardian removed a kept directory";
  fs::remove_all(kept);
}

}  // namespace
}  // namespace tempfile::test
