// SPDX-License-Identifier: MIT
// PseudoTemporaryFile in real processes: its name opened by other programs (cat, sh), a fork()ed
// child's own name, SIGKILL of an owner holding 128 MiB on a private tmpfs, and the named
// fallback (this build's own way in the portable build; forced by the no-O_TMPFILE shim in the
// others) removed at close and, after a SIGKILL, by the guardian.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill, sigaction are POSIX
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "os/sys.hpp"
#include "security/harness.hpp"
#include "support/child_program.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/temporary_file.hpp"

#ifndef TEMPFILE_PSEUDO_FILE_DRIVER
#  error "TEMPFILE_PSEUDO_FILE_DRIVER must name the pseudo_file_driver executable"
#endif
#ifndef TEMPFILE_NO_TMPFILE_SHIM
#  error "TEMPFILE_NO_TMPFILE_SHIM must name the no_tmpfile_shim library"
#endif

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for execve

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Where the build's way is the O_TMPFILE file named by /proc (dev, asan on Linux); the portable
// build always takes the named fallback.
constexpr bool unnamed_way = os::linux_fast_paths;

// The build's program, unless the environment names a copy (the unprivileged CI run).
std::string built_or_overridden(const char* variable, const char* built) {
  const char* given = std::getenv(variable);  // NOLINT(concurrency-mt-unsafe)
  return given != nullptr && *given != '\0' ? given : built;
}

// A real program with pipes to its stdin and from its stdout (tests/support/child_program.hpp).
using Program = ChildProgram;

// The driver holding a PseudoTemporaryFile of `mebibytes` MiB in `dir`; with `no_tmpfile` under
// the shim that makes every O_TMPFILE open fail with EOPNOTSUPP (a file system without it), so
// that the named fallback runs. `name` receives its name(); false (with program.why) if it did
// not get that far.
std::vector<std::string> driver_command(const fs::path& dir, int mebibytes) {
  return {built_or_overridden("TEMPFILE_PSEUDO_FILE_DRIVER", TEMPFILE_PSEUDO_FILE_DRIVER),
          dir.string(), std::to_string(mebibytes)};
}
std::vector<std::string> driver_environment(bool no_tmpfile) {
  std::vector<std::string> env{"ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0"};
  if (no_tmpfile) {
    env.push_back("LD_PRELOAD=" +
                  built_or_overridden("TEMPFILE_NO_TMPFILE_SHIM", TEMPFILE_NO_TMPFILE_SHIM));
  }
  return env;
}
bool driver_ready(Program& driver, std::string& name) {
  if (!driver.why.empty()) {
    return false;
  }
  const std::string first = driver.line();
  if (first.rfind("name=", 0) != 0 || driver.line() != "ready") {
    driver.why = "the driver did not start: '" + first + "'";
    return false;
  }
  name = first.substr(5);
  return true;
}

std::string read_whole(const fs::path& path) {
  std::string out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return "<cannot open: " + errno_text(errno) + ">";
  }
  char chunk[4096];
  for (std::size_t n = 0; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;) {
    out.append(chunk, n);
  }
  static_cast<void>(std::fclose(f));
  return out;
}

class PseudoTemporaryFileTest : public ScratchTest {};

// The build's way: on Linux name() is /proc/<pid>/fd/<fileno()>, which is also path(), and the
// directory has no entry; in the portable build a 0600 file in the directory with the prefix and
// suffix asked for.
TEST_F(PseudoTemporaryFileTest, NameReachesTheFileAndOnlyTheFallbackHasAnEntry) {
  PseudoTemporaryFile f(PseudoTemporaryFileOptions{.suffix = ".sfx", .prefix = "pre"});
  ASSERT_TRUE(f.path().has_value());
  EXPECT_EQ(*f.path(), f.name());
  struct stat by_name {};
  struct stat by_fd {};
  ASSERT_EQ(::stat(f.name().c_str(), &by_name), 0) << f.name() << ": " << errno_text(errno);
  ASSERT_EQ(::fstat(f.fileno(), &by_fd), 0);
  EXPECT_EQ(by_name.st_ino, by_fd.st_ino);
  EXPECT_EQ(by_name.st_dev, by_fd.st_dev);
  EXPECT_EQ(by_fd.st_mode & 07777U, 0600U);
  EXPECT_NE(::fcntl(f.fileno(), F_GETFD) & FD_CLOEXEC, 0) << "A6: no descriptor survives exec";
  if (unnamed_way) {
    EXPECT_EQ(f.name(), fs::path("/proc/" + std::to_string(::getpid()) + "/fd/" +
                                 std::to_string(f.fileno())));
    EXPECT_EQ(by_fd.st_nlink, 0U) << "an O_TMPFILE file has no name in any directory";
    EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
  } else {
    EXPECT_EQ(f.name().parent_path(), scratch());
    const std::string base = f.name().filename().string();
    EXPECT_EQ(base.substr(0, 3), "pre");
    EXPECT_EQ(base.substr(base.size() - 4), ".sfx");
    EXPECT_THAT(list_dir(scratch()), ::testing::ElementsAre(base));
  }
}

// Whether a fork()ed child of this process can open `path` for reading: 0 yes, EACCES or another
// errno no (-1: fork or wait failed).
int child_opens(const fs::path& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ::_exit(fd >= 0 ? 0 : (errno & 0x7f) | 0x80);  // errno values fit in 7 bits here
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    return -1;
  }
  const int code = WEXITSTATUS(status);
  return code == 0 ? 0 : code & 0x7f;
}

// A5: as root, the owner's name is not for another user: a child that dropped to uid 65534
// cannot open the parent's name() (on Linux the /proc check refuses another user, and the file
// is 0600 anyway), while the same child could before it dropped (the positive control). Root
// only: an unprivileged run has no second user to become.
TEST_F(PseudoTemporaryFileTest, A5_AnotherUserCannotOpenTheName) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to become a second user (running as uid " << ::geteuid() << ")";
  }
  PseudoTemporaryFile f;
  f.write(std::string_view("secret"));
  f.flush();
  const fs::path parent_name = f.name();
  const int status = run_in_child([&]() -> int {
    const int fd = ::open(parent_name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return 1;
    }
    ::close(fd);
    if (!become_unprivileged()) {
      return 2;
    }
    if (::open(parent_name.c_str(), O_RDONLY | O_CLOEXEC) >= 0) {
      return 3;
    }
    return errno == EACCES ? 0 : 4;
  });
  EXPECT_EQ(status, 0) << "1: root could not open it (control), 2: could not become 65534, "
                          "3: uid 65534 opened it, 4: refused, but not with EACCES";
}

// A5: on Linux, a process that made itself non-dumpable (prctl(PR_SET_DUMPABLE, 0), as
// set-user-ID programs and those that change their ids are) keeps its name() to itself: a
// process of the same (unprivileged) user opens it while the owner is dumpable (the control),
// not once it is not; the owner itself still can. The fallback's name is a plain file, which
// dumpability does not concern: the same user opens it either way.
TEST_F(PseudoTemporaryFileTest, A5_NonDumpableOwnersNameOpensOnlyInItself) {
  const fs::path dir = make_subdir("nobody");
  if (::geteuid() == 0) {  // a directory uid 65534 owns and can reach
    ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0) << errno_text(errno);
    ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0) << errno_text(errno);
  }
  const ChildRun run = run_child([&](std::string& out) -> int {
    if (!become_unprivileged()) {
      out = "cannot become uid 65534: " + errno_text(errno);
      return 1;
    }
    // Changing ids made this process non-dumpable: start from a dumpable owner.
    if (::prctl(PR_SET_DUMPABLE, 1) != 0) {
      out = "prctl(PR_SET_DUMPABLE, 1): " + errno_text(errno);
      return 1;
    }
    std::optional<PseudoTemporaryFile> made;
    try {
      made.emplace(PseudoTemporaryFileOptions{.dir = dir});
    } catch (const std::exception& e) {
      out = e.what();
      return 1;
    }
    PseudoTemporaryFile& f = *made;
    f.write(std::string_view("x"));
    f.flush();
    if (const int control = child_opens(f.name()); control != 0) {
      out = "a dumpable owner's name did not open in its child: " + std::to_string(control);
      return 2;
    }
    if (::prctl(PR_SET_DUMPABLE, 0) != 0) {
      out = "prctl(PR_SET_DUMPABLE, 0): " + errno_text(errno);
      return 1;
    }
    const int refused = child_opens(f.name());
    if (unnamed_way ? refused != EACCES : refused != 0) {
      out = "a non-dumpable owner's name gave " + std::to_string(refused) + " in its child";
      return 3;
    }
    const int own = ::open(f.name().c_str(), O_RDONLY | O_CLOEXEC);
    if (own < 0) {
      out = "the non-dumpable owner cannot open its own name: " + errno_text(errno);
      return 4;
    }
    ::close(own);
    return 0;
  });
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(list_dir(dir), ::testing::IsEmpty());
  fs::remove(dir);
}

// Another program (cat) opens name() and reads what the object wrote.
TEST_F(PseudoTemporaryFileTest, AnotherProgramReadsTheContentsByName) {
  PseudoTemporaryFile f;
  f.write(std::string_view("Hello, world!\nsecond line\n"));
  f.flush();
  Program cat({"cat", f.name().string()}, {});
  ASSERT_EQ(cat.why, "");
  cat.close_input();
  EXPECT_EQ(cat.line(), "Hello, world!");
  EXPECT_EQ(cat.line(), "second line");
  EXPECT_EQ(cat.wait(), 0);
}

// Another program opens name() for writing (sh's >>) and the object reads what it wrote.
TEST_F(PseudoTemporaryFileTest, WritesThroughTheNameAreSeenByTheObject) {
  PseudoTemporaryFile f;
  f.write(std::string_view("abc"));
  f.flush();
  Program sh({"sh", "-c", "printf xyz >> \"$1\"", "sh", f.name().string()}, {});
  ASSERT_EQ(sh.why, "");
  sh.close_input();
  ASSERT_EQ(sh.wait(), 0);
  f.seek(0);
  EXPECT_EQ(f.read(), "abcxyz");
  EXPECT_EQ(f.tell(), 6);
}

// D1: a fork()ed child holds the descriptor too, and name() there is the child's own
// /proc/<child pid>/fd/<n> (the parent's path would stop working when the parent ends), opening
// the same file; the parent's name() is unchanged. In the fallback it is the same path in both.
TEST_F(PseudoTemporaryFileTest, D1_ForkedChildNamesItsOwnDescriptorPath) {
  PseudoTemporaryFile f;
  f.write(std::string_view("shared"));
  f.flush();
  const fs::path parent_name = f.name();
  const int fd = f.fileno();
  // The child reports through its exit status: 0 right, 1 wrong name, 2 name not reaching the
  // file, 3 contents differ, 4 path() differs.
  const int status = run_in_child([&]() -> int {
    const fs::path expected =
        unnamed_way ? fs::path("/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd))
                    : parent_name;
    if (f.name() != expected) {
      return 1;
    }
    struct stat by_name {};
    struct stat by_fd {};
    if (::stat(f.name().c_str(), &by_name) != 0 || ::fstat(fd, &by_fd) != 0 ||
        by_name.st_ino != by_fd.st_ino || by_name.st_dev != by_fd.st_dev) {
      return 2;
    }
    if (read_whole(f.name()) != "shared") {
      return 3;
    }
    return f.path() == expected ? 0 : 4;
  });
  EXPECT_EQ(status, 0) << "1 wrong name, 2 name does not reach the file, 3 wrong contents, "
                          "4 path() differs";
  EXPECT_EQ(f.name(), parent_name);
  EXPECT_EQ(read_whole(f.name()), "shared");
}

// D3: close(), the destructor and a destructor run by exception unwinding each leave nothing in
// the directory, and the descriptor is closed (ScratchTest checks descriptors too); on Linux the
// /proc path no longer reaches a file.
TEST_F(PseudoTemporaryFileTest, D3_CloseDestructorAndUnwindingLeaveNothing) {
  const auto gone = [&](const fs::path& name, int fd) {
    EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
    EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "descriptor " << fd << " still open";
    EXPECT_FALSE(exists_no_follow(name)) << name;
  };
  {
    PseudoTemporaryFile f;
    f.write(std::string_view("x"));
    const fs::path name = f.name();
    const int fd = f.fileno();
    f.close();
    EXPECT_TRUE(f.closed());
    gone(name, fd);
    f.close();  // idempotent
  }
  fs::path name;
  int fd = -1;
  {
    PseudoTemporaryFile f;
    f.write(std::string_view("x"));
    name = f.name();
    fd = f.fileno();
  }
  gone(name, fd);
  try {
    PseudoTemporaryFile f;
    f.write(std::string_view("x"));
    name = f.name();
    fd = f.fileno();
    throw std::runtime_error("unwind");
  } catch (const std::runtime_error&) {
    gone(name, fd);
  }
}

static_assert(!std::is_copy_constructible_v<PseudoTemporaryFile> &&
              std::is_nothrow_move_constructible_v<PseudoTemporaryFile>);

// Moving hands the file (and the duty to delete it) to the new object: the moved-from one owns
// nothing and its end changes nothing; the file goes with the new object.
TEST_F(PseudoTemporaryFileTest, MovedFromObjectOwnsNothing) {
  std::optional<PseudoTemporaryFile> first;
  first.emplace();
  first->write(std::string_view("moved"));
  const fs::path name = first->name();
  const int fd = first->fileno();
  std::optional<PseudoTemporaryFile> second;
  second.emplace(std::move(*first));
  first.reset();
  EXPECT_EQ(second->name(), name);
  EXPECT_EQ(second->fileno(), fd);
  second->seek(0);
  EXPECT_EQ(second->read(), "moved");
  EXPECT_TRUE(exists_no_follow(name));
  second.reset();
  EXPECT_FALSE(exists_no_follow(name));
  EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
}

// Bad arguments throw std::invalid_argument before any file exists, as for every file object.
TEST_F(PseudoTemporaryFileTest, BadArgumentsThrowBeforeAnyFileExists) {
  EXPECT_THROW(PseudoTemporaryFile("q"), std::invalid_argument);
  EXPECT_THROW(PseudoTemporaryFile(PseudoTemporaryFileOptions{.mode = "w+", .encoding = "nope"}),
               std::invalid_argument);
  EXPECT_THROW(PseudoTemporaryFile(PseudoTemporaryFileOptions{.prefix = "a/b"}),
               std::invalid_argument);
  EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
}

// Text mode with an encoding, stream() and fdopen() work on it as on every file object, and
// another program reads the encoded bytes by name.
TEST_F(PseudoTemporaryFileTest, TextModeStreamAndFdopen) {
  PseudoTemporaryFile f(PseudoTemporaryFileOptions{.mode = "w+", .encoding = "latin-1"});
  f.write(std::string_view("caf\u00e9\n"));
  f.stream() << "line " << 2 << '\n';
  f.flush();
  EXPECT_EQ(read_whole(f.name()), "caf\xe9\nline 2\n");
  f.seek(0);
  EXPECT_EQ(f.readline(), "caf\u00e9\n");
  EXPECT_EQ(f.readline(), "line 2\n");

  PseudoTemporaryFile b("w+b");
  b.write(std::string_view("via file"));
  b.flush();
  std::FILE* c = b.fdopen();
  ASSERT_NE(c, nullptr);
  EXPECT_GE(std::fputs(" and stdio", c), 0);
  ASSERT_EQ(std::fclose(c), 0);
  b.seek(0);
  EXPECT_EQ(b.read(), "via file and stdio");
}

// D2: an owner holding 128 MiB (really written) on a private tmpfs is SIGKILLed: no entry is
// left in the directory and the tmpfs gets its space back (free blocks back to the level before,
// polled). The Linux way needs nobody to clean up (the kernel frees the storage as the last
// descriptor closes); the fallback (portable build) relies on the guardian.
TEST_F(PseudoTemporaryFileTest, D2_SigkilledOwnerLeavesNoEntryAndItsSpaceComesBack) {
  const fs::path mount_point = make_subdir("tmpfs");
  const ChildRun run = run_child(
      [&](std::string& out) -> int {
        if (const int mounted = mount_private_tmpfs(mount_point, 0, "size=256m,mode=0700", out);
            mounted != 0) {
          return mounted;
        }
        const auto free_bytes = [&]() -> unsigned long long {
          struct statvfs info {};
          return ::statvfs(mount_point.c_str(), &info) == 0
                     ? static_cast<unsigned long long>(info.f_bfree) * info.f_frsize
                     : 0;
        };
        const unsigned long long before = free_bytes();
        Program driver(driver_command(mount_point, 128), driver_environment(false));
        std::string name;
        if (!driver_ready(driver, name)) {
          out = driver.why;
          return 1;
        }
        constexpr unsigned long long written = 128ULL << 20U;
        if (free_bytes() + written > before) {
          out = "the 128 MiB were not written for real: free " + std::to_string(free_bytes()) +
                " of " + std::to_string(before);
          return 2;
        }
        const std::set<std::string> while_alive = list_dir(mount_point);
        if (unnamed_way != while_alive.empty()) {
          out = "entries while the owner lives: " + std::to_string(while_alive.size());
          return 3;
        }
        if (!driver.kill(SIGKILL)) {
          out = "kill: " + errno_text(errno);
          return 4;
        }
        const int status = driver.wait();
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
          out = "the driver was not killed by SIGKILL: status " + std::to_string(status);
          return 5;
        }
        if (!eventually([&] { return list_dir(mount_point).empty(); }, 5s)) {
          out = "an entry is left: " + *list_dir(mount_point).begin();
          return 6;
        }
        if (!eventually([&] { return free_bytes() >= before; }, 5s)) {
          out = "the space did not come back: free " + std::to_string(free_bytes()) + " of " +
                std::to_string(before);
          return 7;
        }
        return 0;
      },
      60);
  fs::remove(mount_point);  // the tmpfs was mounted in the child's namespace only
  if (run.status == child_capability_missing) {
    GTEST_SKIP() << "no private tmpfs can be mounted here: " << run.output;
  }
  EXPECT_EQ(run.status, 0) << run.output;
}

// A10: without O_TMPFILE (the shim makes the file system refuse it, as some do; the portable
// build never asks) the object is a named file in its directory while it lives, and close()
// removes it, as does the destructor and unwinding; and an O_TMPFILE file system is used where
// there is one (the control, without the shim).
TEST_F(PseudoTemporaryFileTest, A10_WithoutOTmpfileANamedFileIsRemovedAtCloseAndDestruction) {
  for (const char* ending : {"close", "throw", ""}) {
    SCOPED_TRACE(std::string("ended by '") + ending + "'");
    Program driver(driver_command(scratch(), 1), driver_environment(true));
    std::string name;
    ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
    EXPECT_EQ(fs::path(name).parent_path(), scratch());
    EXPECT_THAT(list_dir(scratch()), ::testing::ElementsAre(fs::path(name).filename().string()));
    EXPECT_EQ(fs::file_size(name), 1U << 20U);
    if (*ending != '\0') {
      ASSERT_TRUE(driver.send(ending));
      EXPECT_EQ(driver.line(), std::string(ending) == "close" ? "closed" : "caught");
      EXPECT_FALSE(exists_no_follow(name)) << "still there after " << ending;
    }
    driver.close_input();
    EXPECT_EQ(driver.wait(), 0);
    EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
  }
  Program control(driver_command(scratch(), 1), driver_environment(false));
  std::string name;
  ASSERT_TRUE(driver_ready(control, name)) << control.why;
  EXPECT_EQ(name.rfind("/proc/", 0) == 0, unnamed_way) << name;
  control.close_input();
  EXPECT_EQ(control.wait(), 0);
}

// A10 + D2: the fallback's owner is SIGKILLed: the guardian removes the named file (polled for a
// few seconds), which no exit or signal handler could.
TEST_F(PseudoTemporaryFileTest, A10_WithoutOTmpfileTheGuardianRemovesTheFileOfAKilledOwner) {
  Program driver(driver_command(scratch(), 1), driver_environment(true));
  std::string name;
  ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
  ASSERT_EQ(fs::path(name).parent_path(), scratch());
  ASSERT_TRUE(exists_no_follow(name));
  ASSERT_TRUE(driver.kill(SIGKILL));
  const int status = driver.wait();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_TRUE(eventually([&] { return !exists_no_follow(name); }, 5s))
      << name << " is still there after its owner was killed";
  if (exists_no_follow(name)) {
    fs::remove(name);  // so the fixture reports this failure only once
  }
}

// B2: the fallback's named file holds the shared cleaner lock while the object lives, as a
// NamedTemporaryFile's does: an exclusive lock (a tmp cleaner's, sweep()'s) from another open
// fails; the positive control is the same lock taken once the driver has closed the file.
TEST_F(PseudoTemporaryFileTest, B2_WithoutOTmpfileTheNamedFileHoldsTheCleanerLock) {
  Program driver(driver_command(scratch(), 0), driver_environment(true));
  std::string name;
  ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
  ASSERT_EQ(fs::path(name).parent_path(), scratch());
  const int fd = ::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  ASSERT_GE(fd, 0) << errno_text(errno);
  const int locked = ::flock(fd, LOCK_EX | LOCK_NB);
  const int lock_errno = errno;
  EXPECT_EQ(locked, -1);
  EXPECT_EQ(lock_errno, EWOULDBLOCK) << errno_text(lock_errno);
  ASSERT_TRUE(driver.send("close"));
  EXPECT_EQ(driver.line(), "closed");
  EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0) << errno_text(errno);
  ::close(fd);
  driver.close_input();
  EXPECT_EQ(driver.wait(), 0);
}

// What the driver's "guardian" command says: the pid of the guardian that runs for it (-1: none)
// and how many of its tickets are alive. False (with driver.why) if it did not answer so.
struct GuardianSeen {
  pid_t pid = -1;
  unsigned long tickets = 0;
};
bool ask_guardian(Program& driver, GuardianSeen& seen) {
  if (!driver.send("guardian")) {
    driver.why = "the driver ended";
    return false;
  }
  const std::string answer = driver.line();
  long pid = -1;
  unsigned long tickets = 0;
  if (std::sscanf(answer.c_str(), "guardian pid=%ld tickets=%lu", &pid, &tickets) != 2) {
    driver.why = "not an answer to 'guardian': '" + answer + "'";
    return false;
  }
  seen.pid = static_cast<pid_t>(pid);
  seen.tickets = tickets;
  return true;
}

// SIGKILLs a driver whose fallback file a guardian guards, then waits for that guardian to
// finish its work and end: "" when all of that happened, else what did not.
std::string kill_owner_then_wait_for_its_guardian(Program& driver) {
  GuardianSeen guarded;
  if (!ask_guardian(driver, guarded)) {
    return driver.why;
  }
  if (guarded.pid <= 0) {
    return "no guardian runs for the fallback file";
  }
  if (!driver.kill(SIGKILL)) {
    return "the driver could not be killed";
  }
  if (const int status = driver.wait(); !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
    return "the driver was not killed by SIGKILL: status " + std::to_string(status);
  }
  if (!eventually([&] { return process_ended(guarded.pid); }, 5s)) {
    return "the guardian " + std::to_string(guarded.pid) + " did not finish";
  }
  return "";
}

void write_text(const fs::path& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path << ": " << errno_text(errno);
  EXPECT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
  EXPECT_EQ(std::fclose(f), 0);
}

// A10: the fallback persisted, by rename over an existing target and (no clobber) to a free
// one: the target is the file, with every byte written, under the target's name (name() says
// so) and the temporary name is gone. The guardian forgot it: its ticket was withdrawn, and
// with its last ticket gone the guardian ended. Then the owner is killed with SIGKILL and the
// target survives, and so does a hard link of it made under the old temporary name (same file,
// so a guardian still holding the ticket would unlink that name once the owner died). The
// positive control, that a guarded fallback file does go when its owner is killed, is the next
// test and A10_WithoutOTmpfileTheGuardianRemovesTheFileOfAKilledOwner.
TEST_F(PseudoTemporaryFileTest, A10_A11_WithoutOTmpfileAPersistedFileOutlivesItsKilledOwner) {
  const std::string written(std::size_t{1} << 20U, 'x');
  for (const bool overwrite : {true, false}) {
    SCOPED_TRACE(overwrite ? "persist (overwrite)" : "persist (no clobber)");
    const fs::path target = scratch() / "kept";
    if (overwrite) {
      write_text(target, "old");
    }
    Program driver(driver_command(scratch(), 1), driver_environment(true));
    std::string name;
    ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
    ASSERT_EQ(fs::path(name).parent_path(), scratch()) << "not the named fallback";
    GuardianSeen guarded;
    ASSERT_TRUE(ask_guardian(driver, guarded)) << driver.why;
    ASSERT_GT(guarded.pid, 0) << "no guardian runs for the fallback file";
    EXPECT_EQ(guarded.tickets, 1U);
    ASSERT_TRUE(driver.send((overwrite ? "persist " : "persist-no-clobber ") + target.string()));
    EXPECT_EQ(driver.line(), "persisted name=" + target.string());
    EXPECT_FALSE(exists_no_follow(name)) << "the temporary name is still there";
    EXPECT_EQ(read_whole(target), written);
    GuardianSeen after;
    ASSERT_TRUE(ask_guardian(driver, after)) << driver.why;
    EXPECT_EQ(after.tickets, 0U) << "the guardian's ticket was not withdrawn";
    EXPECT_TRUE(eventually([&] { return process_ended(guarded.pid); }, 5s))
        << "the guardian " << guarded.pid << " still runs: it still guards something";
    ASSERT_EQ(::link(target.c_str(), name.c_str()), 0) << errno_text(errno);
    ASSERT_TRUE(driver.kill(SIGKILL));
    const int status = driver.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    // A guardian that still held the ticket would end once it had acted: wait for that.
    EXPECT_TRUE(eventually([&] { return process_ended(guarded.pid); }, 5s));
    EXPECT_EQ(read_whole(target), written) << "the persisted file did not survive its owner";
    EXPECT_TRUE(exists_no_follow(name)) << "something removed the old name after the owner died";
    fs::remove(name);
    fs::remove(target);
    EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
  }
}

// What the held-directory tests below give the driver: the file made in a held directory, a
// tempfile::Directory on scratch()/held or a live TemporaryDirectory scratch()/held-*; with a
// `victim`, the held path swapped for a link to it after the creation.
std::vector<std::string> held_driver_command(const fs::path& scratch, const std::string& holder,
                                             const fs::path& victim = {}) {
  std::vector<std::string> command =
      driver_command(holder == "directory" ? scratch / "held" : scratch, 1);
  command.push_back(holder);
  if (!victim.empty()) {
    command.push_back(victim.string());
  }
  return command;
}

// A10 + D2, with the fallback file made in a held directory (a tempfile::Directory, a live
// TemporaryDirectory): the guardian of the killed owner removes it by its absolute name.
TEST_F(PseudoTemporaryFileTest, A10_D2_WithoutOTmpfileTheGuardianRemovesAFileMadeInAHeldDirectory) {
  for (const std::string holder : {"directory", "tempdir"}) {
    SCOPED_TRACE(holder);
    fs::create_directory("held");
    Program driver(held_driver_command(scratch(), holder), driver_environment(true));
    std::string name;
    ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
    const fs::path held = fs::path(name).parent_path();
    if (holder == "directory") {
      EXPECT_EQ(held, scratch() / "held");
    } else {
      EXPECT_TRUE(held.parent_path() == scratch() && held.filename().string().starts_with("held-"))
          << name;
    }
    ASSERT_TRUE(exists_no_follow(name)) << "not the named fallback";
    ASSERT_EQ(kill_owner_then_wait_for_its_guardian(driver), "");
    EXPECT_FALSE(exists_no_follow(name)) << name << " is still there after its owner was killed";
    EXPECT_THAT(list_dir(held), ::testing::IsEmpty());
    fs::remove_all(held);
    fs::remove("held");
  }
}

// B1 through the guardian: after the creation the held directory is renamed away and a symbolic
// link to a victim directory put at its path, where the file's name has a twin. The owner is
// SIGKILLed: the guardian checks the name against the file it guards, so the twin stays as it
// was and the fallback file is left where it now is. Positive control: removing the same name
// by path removes the twin.
TEST_F(PseudoTemporaryFileTest,
       B1_WithoutOTmpfileTheGuardianLeavesTheTwinOfAFileInASwappedHeldDirectory) {
  for (const std::string holder : {"directory", "tempdir"}) {
    SCOPED_TRACE(holder);
    fs::create_directory("held");
    fs::create_directory("victim");
    Program driver(held_driver_command(scratch(), holder, scratch() / "victim"),
                   driver_environment(true));
    std::string name;
    ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
    const fs::path held = fs::path(name).parent_path();
    const fs::path moved = held.string() + ".moved";
    const fs::path twin = scratch() / "victim" / fs::path(name).filename();
    ASSERT_TRUE(fs::is_symlink(held)) << "the driver did not swap " << held;
    ASSERT_TRUE(exists_no_follow(moved / fs::path(name).filename())) << "not the named fallback";
    const EntrySnapshot before = snapshot(twin);
    ASSERT_EQ(before.content, "twin");
    ASSERT_EQ(kill_owner_then_wait_for_its_guardian(driver), "");
    EXPECT_TRUE(snapshot(twin) == before) << "the twin was changed: " << describe(snapshot(twin));
    EXPECT_TRUE(exists_no_follow(moved / fs::path(name).filename()))
        << "the file is left where it is: its name leads elsewhere now";
    EXPECT_TRUE(fs::remove(name)) << "positive control: by path, the name reaches the twin";
    EXPECT_FALSE(exists_no_follow(twin));
    fs::remove(held);
    fs::remove_all(moved);
    fs::remove("held");
    fs::remove("victim");
  }
}

// A10: a persist of the fallback that fails hands the object back as it was: no clobber over an
// existing file (EEXIST), and a rename over a directory (EISDIR). The target is untouched, the
// temporary keeps its name and its guardian ticket: killed with SIGKILL, the owner's file is
// removed by the guardian (polled), and the target is still untouched.
TEST_F(PseudoTemporaryFileTest, A10_A11_WithoutOTmpfileAFailedPersistLeavesTheFileGuarded) {
  for (const bool overwrite : {false, true}) {
    SCOPED_TRACE(overwrite ? "persist (overwrite) over a directory"
                           : "persist (no clobber) over a file");
    const fs::path target = scratch() / "taken";
    if (overwrite) {
      fs::create_directory(target);
      write_text(target / "inside", "old");
    } else {
      write_text(target, "old");
    }
    const fs::path old_content = overwrite ? target / "inside" : target;
    Program driver(driver_command(scratch(), 0), driver_environment(true));
    std::string name;
    ASSERT_TRUE(driver_ready(driver, name)) << driver.why;
    ASSERT_EQ(fs::path(name).parent_path(), scratch()) << "not the named fallback";
    ASSERT_TRUE(driver.send((overwrite ? "persist " : "persist-no-clobber ") + target.string()));
    EXPECT_EQ(driver.line(), "failed " + std::to_string(overwrite ? EISDIR : EEXIST));
    EXPECT_TRUE(exists_no_follow(name)) << "the temporary lost its name";
    EXPECT_EQ(read_whole(old_content), "old");
    GuardianSeen seen;
    ASSERT_TRUE(ask_guardian(driver, seen)) << driver.why;
    EXPECT_GT(seen.pid, 0);
    EXPECT_EQ(seen.tickets, 1U) << "the failed persist withdrew the guardian's ticket";
    ASSERT_TRUE(driver.kill(SIGKILL));
    const int status = driver.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    EXPECT_TRUE(eventually([&] { return !exists_no_follow(name); }, 5s))
        << name << " is still there after its owner was killed";
    EXPECT_EQ(read_whole(old_content), "old");
    if (exists_no_follow(name)) {
      fs::remove(name);
    }
    fs::remove_all(target);
    EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
  }
}

// The fallback's life in a forked test child where /proc does not reach the descriptor: a named
// file in `dir` while the object lives, gone after close(). 0, or a code and `out` saying what
// went wrong.
int expect_named_fallback(const fs::path& dir, std::string& out) {
  PseudoTemporaryFile f(PseudoTemporaryFileOptions{.dir = dir});
  const fs::path name = f.name();
  if (name.parent_path() != dir) {
    out = "name() is " + name.string() + ", not a file in " + dir.string();
    return 10;
  }
  if (!exists_no_follow(name) || f.path() != name) {
    out = "the named file " + name.string() + " is missing, or path() differs";
    return 11;
  }
  f.write(std::string_view("data"));
  f.close();
  if (exists_no_follow(name)) {
    out = "close() left " + name.string();
    return 12;
  }
  return 0;
}

// A10: /proc not mounted (a private, empty tmpfs covers it in a private mount namespace): no path
// reaches an O_TMPFILE descriptor, so the object must not name one; it is the named fallback.
TEST_F(PseudoTemporaryFileTest, A10_WithoutProcTheNamedFallbackIsUsed) {
  const fs::path dir = scratch();
  const ChildRun run = run_child([&](std::string& out) -> int {
    if (const int mounted = mount_private_tmpfs("/proc", 0, "size=1m", out); mounted != 0) {
      return mounted;
    }
    if (exists_no_follow("/proc/self")) {
      out = "/proc is still there";
      return 1;
    }
    return expect_named_fallback(dir, out);
  });
  if (run.status == child_capability_missing) {
    GTEST_SKIP() << "/proc cannot be covered here: " << run.output;
  }
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
}

// Writes `text` to a /proc file of this process (a user namespace's id maps).
bool write_proc_file(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return written;
}

// In a forked test child: the next fork() starts a new pid namespace. Not root: in a user
// namespace of our own too (our uid and gid mapped to themselves, so files we make are still
// ours), where that is allowed. False with errno (EPERM: not allowed here) and a reason in `why`.
bool enter_new_pid_namespace(std::string& why) {
  if (::unshare(CLONE_NEWPID) == 0) {
    return true;
  }
  if (errno != EPERM || ::geteuid() == 0) {
    why = "unshare(CLONE_NEWPID): " + errno_text(errno);
    return false;
  }
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) {
    why = "unshare(CLONE_NEWUSER|CLONE_NEWPID): " + errno_text(errno);
    errno = EPERM;
    return false;
  }
  if (!write_proc_file("/proc/self/setgroups", "deny") ||
      !write_proc_file("/proc/self/uid_map",
                       std::to_string(uid) + " " + std::to_string(uid) + " 1") ||
      !write_proc_file("/proc/self/gid_map",
                       std::to_string(gid) + " " + std::to_string(gid) + " 1")) {
    why = "the user namespace's id maps: " + errno_text(errno);
    errno = EPERM;
    return false;
  }
  return true;
}

// A10: a process in a new pid namespace that still sees its parent namespace's /proc (as after
// unshare(CLONE_NEWPID) without mounting a new /proc). Its pid there is 1, and /proc/1/fd/<n> is
// the host's init's descriptor, not ours: the check must refuse the path (the positive control
// shows that the unchecked path reaches another file), and the object is the named fallback
// (the portable build's only way: there the test shows that it is taken in a pid namespace too).
TEST_F(PseudoTemporaryFileTest, A10_AnotherNamespacesProcIsNotTakenForOurs) {
  const fs::path dir = scratch();
  const ChildRun run = run_child([&](std::string& out) -> int {
    if (!enter_new_pid_namespace(out)) {
      return errno == EPERM ? child_capability_missing : 1;
    }
    int to_parent[2] = {-1, -1};
    if (::pipe(to_parent) != 0) {
      out = "pipe: " + errno_text(errno);
      return 1;
    }
    const pid_t pid = ::fork();  // the first child in the new namespace: its pid 1
    if (pid == 0) {
      ::close(to_parent[0]);
      std::string message;
      int code = 0;
      if (::getpid() != 1) {
        message = "not pid 1 in the new namespace";
        code = 2;
      } else {
        // Positive control: the unchecked path is not ours (another process's descriptor, or
        // none), so only the check keeps the object from naming it.
        const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat by_path {};
        struct stat by_fd {};
        const std::string unchecked = os::descriptor_path(fd);
        if (fd >= 0 && ::fstat(fd, &by_fd) == 0 && ::stat(unchecked.c_str(), &by_path) == 0 &&
            by_path.st_ino == by_fd.st_ino && by_path.st_dev == by_fd.st_dev) {
          message = "control: " + unchecked + " reaches our own descriptor after all";
          code = 3;
        } else {
          code = expect_named_fallback(dir, message);
        }
        if (fd >= 0) {
          ::close(fd);
        }
      }
      static_cast<void>(::write(to_parent[1], message.data(), message.size()));
      ::_exit(code);
    }
    ::close(to_parent[1]);
    out = read_to_end(to_parent[0]);
    ::close(to_parent[0]);
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) {
      out += "fork/waitpid: " + errno_text(errno);
      return 1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  });
  if (run.status == child_capability_missing) {
    GTEST_SKIP() << "no pid namespace can be made here: " << run.output;
  }
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
}

// D1: a child that inherited the object in a new pid namespace (its own id there is 1, while
// /proc is still the parent namespace's) cannot name the file by its own id: its name() must
// stay a path that reaches the file (the parent's, which holds it too), never /proc/1/fd/<n>.
TEST_F(PseudoTemporaryFileTest, D1_ChildInANewPidNamespaceKeepsAPathThatReachesTheFile) {
  const ChildRun run = run_child([&](std::string& out) -> int {
    PseudoTemporaryFile f;
    f.write(std::string_view("inherited"));
    f.flush();
    const fs::path creator_name = f.name();
    if (!enter_new_pid_namespace(out)) {
      return errno == EPERM ? child_capability_missing : 1;
    }
    int to_parent[2] = {-1, -1};
    if (::pipe(to_parent) != 0) {
      out = "pipe: " + errno_text(errno);
      return 1;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(to_parent[0]);
      std::string message;
      int code = 0;
      struct stat by_name {};
      struct stat by_fd {};
      if (::getpid() != 1) {
        message = "not pid 1 in the new namespace";
        code = 2;
      } else if (f.name() != creator_name) {
        message = "name() became " + f.name().string() + ", not " + creator_name.string();
        code = 3;
      } else if (::stat(f.name().c_str(), &by_name) != 0 || ::fstat(f.fileno(), &by_fd) != 0 ||
                 by_name.st_ino != by_fd.st_ino || read_whole(f.name()) != "inherited") {
        message = f.name().string() + " does not reach the file";
        code = 4;
      }
      static_cast<void>(::write(to_parent[1], message.data(), message.size()));
      ::_exit(code);
    }
    ::close(to_parent[1]);
    out = read_to_end(to_parent[0]);
    ::close(to_parent[0]);
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) {
      out += "fork/waitpid: " + errno_text(errno);
      return 1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  });
  if (run.status == child_capability_missing) {
    GTEST_SKIP() << "no pid namespace can be made here: " << run.output;
  }
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(list_dir(scratch()), ::testing::IsEmpty());
}

}  // namespace
}  // namespace tempfile::test
