// SPDX-License-Identifier: MIT
// security.md A2 (name quality within a run and across runs), A5 (umask 0777), A6 (every
// object across exec), A9 (TMPDIR in a set-user-ID program), A10 (unnamed files on tmpfs, the
// create-and-unlink fallback forced by an LD_PRELOAD shim, Rust tempfile's "pathological
// cleaner"), E1 (a real partial write), E3 (every object with a full descriptor table), and
// the noexcept guarantees D3 and B4 rest on.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): signal() for SIGXFSZ
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "catalogue.hpp"
#include "harness.hpp"
#include "os/random.hpp"
#include "os/sys.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using catalogue::run_program;
using catalogue::value_of;

// D3: no destructor can end the program from a cleanup error (std::terminate); B4: a move never
// throws, so containers move rather than copy and a moved-from object is always inert.
static_assert(std::is_nothrow_destructible_v<tempfile::File>);
static_assert(std::is_nothrow_destructible_v<tempfile::TemporaryFile>);
static_assert(std::is_nothrow_destructible_v<tempfile::NamedTemporaryFile>);
static_assert(std::is_nothrow_destructible_v<tempfile::SpooledTemporaryFile>);
static_assert(std::is_nothrow_destructible_v<tempfile::TemporaryDirectory>);
static_assert(std::is_nothrow_destructible_v<tempfile::error>);
static_assert(std::is_nothrow_destructible_v<tempfile::MkstempResult>);
static_assert(std::is_nothrow_move_constructible_v<tempfile::TemporaryFile>);
static_assert(std::is_nothrow_move_constructible_v<tempfile::NamedTemporaryFile>);
static_assert(std::is_nothrow_move_constructible_v<tempfile::SpooledTemporaryFile>);
static_assert(std::is_nothrow_move_constructible_v<tempfile::TemporaryDirectory>);
static_assert(std::is_nothrow_move_assignable_v<tempfile::NamedTemporaryFile>);
static_assert(std::is_nothrow_move_assignable_v<tempfile::TemporaryDirectory>);
static_assert(!std::is_copy_constructible_v<tempfile::NamedTemporaryFile>);
static_assert(!std::is_copy_constructible_v<tempfile::TemporaryDirectory>);

bool well_formed(const std::string& name) {
  return name.size() == os::name_length &&
         name.find_first_not_of(os::name_alphabet) == std::string::npos;
}

class CatalogueCreationTest : public ScratchTest {};

// A2: 10^5 names from the public mkstemp, each file removed at once so O_EXCL cannot hide a
// repeat: every name is new, 8 characters of Python's alphabet, and every character is used.
TEST_F(CatalogueCreationTest, A2_HundredThousandMkstempNamesAreDistinctAndWellFormed) {
  const FastDirectory fast(scratch());
  constexpr int count = 100000;
  std::set<std::string> names;
  std::set<char> characters;
  std::vector<std::string> malformed;
  for (int i = 0; i < count; ++i) {
    auto [fd, path] = tempfile::mkstemp({.prefix = "", .dir = fast.path()});
    ASSERT_EQ(::close(fd), 0);
    ASSERT_EQ(::unlink(path.c_str()), 0);
    const std::string name = path.filename().string();
    if (!well_formed(name)) {
      malformed.push_back(name);
    }
    characters.insert(name.begin(), name.end());
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(count)) << "a name came twice";
  EXPECT_THAT(malformed, ::testing::IsEmpty());
  EXPECT_EQ(characters.size(), os::name_alphabet.size());
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// A2: separate processes, one after another (a fresh exec each: nothing inherited, as for
// successive runs of a program), never draw the same names.
TEST_F(CatalogueCreationTest, A2_SuccessiveProcessesDrawDifferentNames) {
  const fs::path dir = make_subdir("names");
  std::set<std::string> all;
  std::set<std::string> first_names;
  constexpr int runs = 4;
  constexpr int per_run = 1000;
  for (int run = 0; run < runs; ++run) {
    const catalogue::ProgramRun names =
        run_program({catalogue::driver(), "names", dir.native(), std::to_string(per_run)},
                    catalogue::sanitizer_environment());
    ASSERT_EQ(names.status, 0) << names.output;
    std::istringstream lines(names.output);
    int seen = 0;
    for (std::string line; std::getline(lines, line); ++seen) {
      EXPECT_TRUE(well_formed(line)) << line;
      EXPECT_TRUE(all.insert(line).second) << line << " drawn again in run " << run;
      if (seen == 0) {
        first_names.insert(line);
      }
    }
    EXPECT_EQ(seen, per_run);
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(runs * per_run));
  EXPECT_EQ(first_names.size(), static_cast<std::size_t>(runs));
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

// A6 for every object: after a real fork+exec, the shell's descriptor table holds none of the
// descriptors the objects hold (files, a TemporaryDirectory's root, a memfd, a rolled-over
// spooled file). Positive control: a duplicate made without FD_CLOEXEC does reach the shell.
TEST_F(CatalogueCreationTest, A6_NoDescriptorOfAnyObjectSurvivesExec) {
  const std::set<int> before = open_descriptors();
  auto [mkstemp_fd, mkstemp_path] = tempfile::mkstemp();
  tempfile::TemporaryFile unnamed;
  tempfile::NamedTemporaryFile named;
  const tempfile::TemporaryDirectory directory;
  tempfile::SpooledTemporaryFile spooled({.max_size = 1});
  spooled.write(std::string_view("rolled over"));
  tempfile::SpooledTemporaryFile in_memory_file({.max_size = 1, .memfd = true});
  in_memory_file.write(std::string_view("rolled over to a memfd"));
  std::set<int> held;
  for (const int fd : open_descriptors()) {
    if (before.count(fd) == 0) {
      held.insert(fd);
    }
  }
  ASSERT_GE(held.size(), 6U) << "the objects hold fewer descriptors than expected";
  const int inheritable = ::fcntl(named.fileno(), F_DUPFD, 0);  // no FD_CLOEXEC
  ASSERT_GE(inheritable, 0);

  const catalogue::ProgramRun shell = run_program({"/bin/sh", "-c", "ls /proc/$$/fd"});
  ASSERT_EQ(shell.status, 0) << shell.output;
  std::set<int> in_shell;
  std::istringstream lines(shell.output);
  for (std::string line; std::getline(lines, line);) {
    in_shell.insert(std::stoi(line));
  }
  for (const int fd : held) {
    EXPECT_EQ(in_shell.count(fd), 0U) << "descriptor " << fd << " survived exec";
  }
  EXPECT_EQ(in_shell.count(inheritable), 1U) << "the probe does not see inherited descriptors";
  EXPECT_EQ(::close(inheritable), 0);
  EXPECT_EQ(::close(mkstemp_fd), 0);
  EXPECT_EQ(::unlink(mkstemp_path.c_str()), 0);
}

// A9, AT_SECURE: a set-user-ID copy of the driver (owner uid 65534, run by root, so euid !=
// ruid) must ignore TMPDIR, as glibc's __path_search does (secure_getenv). The same copy without
// the set-user-ID bit is the control: there TMPDIR is honoured.
TEST_F(CatalogueCreationTest, A9_SetUserIdProgramIgnoresTmpdir) {
  if (!os::features().secure_getenv) {
    GTEST_SKIP() << "this build reads the environment with getenv (no secure_getenv): "
                    "TMPDIR is honoured even in set-user-ID programs, as documented";
  }
  if (::geteuid() != 0) {
    GTEST_SKIP() << "making a set-user-ID program owned by another user needs root";
  }
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path chosen = make_subdir("chosen");
  ASSERT_EQ(::chmod(chosen.c_str(), 01777), 0);
  const fs::path copy = scratch() / "driver-copy";
  fs::copy_file(catalogue::driver(), copy);
  ASSERT_EQ(::chown(copy.c_str(), 65534, 65534), 0);
  std::vector<std::string> environment = catalogue::sanitizer_environment();
  environment.push_back("TMPDIR=" + chosen.native());

  ASSERT_EQ(::chmod(copy.c_str(), 0755), 0);
  const catalogue::ProgramRun plain = run_program({copy.native(), "gettempdir"}, environment);
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(value_of(plain.output, "tempdir"), chosen.native()) << plain.output;

  ASSERT_EQ(::chmod(copy.c_str(), 04755), 0);
  const catalogue::ProgramRun setuid = run_program({copy.native(), "gettempdir"}, environment);
  ASSERT_EQ(setuid.status, 0) << setuid.output;
  if (value_of(setuid.output, "euid") == value_of(setuid.output, "ruid")) {
    GTEST_SKIP() << "the set-user-ID bit had no effect here (nosuid mount?): " << setuid.output;
  }
  EXPECT_EQ(value_of(setuid.output, "euid"), "65534");
  const std::string found = value_of(setuid.output, "tempdir").value_or("");
  EXPECT_NE(found, chosen.native()) << "TMPDIR was honoured in a set-user-ID program";
  EXPECT_TRUE(fs::path(found).is_absolute()) << setuid.output;
  EXPECT_TRUE(list_dir(chosen).empty());
  EXPECT_TRUE(fs::remove(chosen));
  EXPECT_TRUE(fs::remove(copy));
}

// What A5 decides for umask 0777: as CPython and glibc, the umask is applied (no fchmod), so
// the entries get mode 0000. The library's own use of them must still work: the descriptors
// are read-write, TemporaryFile/NamedTemporaryFile read and write, and removal works. Also
// TemporaryDirectory, which holds its root open (O_RDONLY) though a mode-0000 directory refuses
// that to a user whom permissions apply to: as CPython's, it is made, keeps the mode the umask
// gave (0000; 0300 under umask 0477, where its owner can still make entries in it), and its
// cleanup() or destructor removes it with what was made in it.
// Returns a description of every step that went otherwise ("" when all did as described).
std::string use_everything_under_umask_0777(const fs::path& dir) {
  std::ostringstream problems;
  const UmaskScope umask_scope(0777);
  const auto mode_of = [](const fs::path& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0 ? (info.st_mode & 07777) : 07777U;
  };
  {
    auto [fd, path] = tempfile::mkstemp({.dir = dir});
    if (mode_of(path) != 0) {
      problems << "mkstemp mode 0" << std::oct << mode_of(path) << std::dec << "; ";
    }
    if (::write(fd, "abc", 3) != 3) {
      problems << "mkstemp descriptor not writable: " << std::strerror(errno) << "; ";
    }
    std::string back(3, '\0');
    if (::pread(fd, back.data(), 3, 0) != 3 || back != "abc") {
      problems << "mkstemp descriptor not readable; ";
    }
    ::close(fd);
    if (::unlink(path.c_str()) != 0) {
      problems << "mkstemp file not removable; ";
    }
  }
  {
    const fs::path made = tempfile::mkdtemp({.dir = dir});
    if (mode_of(made) != 0) {
      problems << "mkdtemp mode 0" << std::oct << mode_of(made) << std::dec << "; ";
    }
    if (::rmdir(made.c_str()) != 0) {
      problems << "mkdtemp directory not removable; ";
    }
  }
  {
    tempfile::NamedTemporaryFile file({.dir = dir});
    if (mode_of(file.name()) != 0) {
      problems << "NamedTemporaryFile mode 0" << std::oct << mode_of(file.name()) << std::dec
               << "; ";
    }
    file.write(std::string_view("named data"));
    file.seek(0);
    if (file.read() != "named data") {
      problems << "NamedTemporaryFile data; ";
    }
    file.close();
  }
  {
    tempfile::TemporaryFile file({.dir = dir});
    file.write(std::string_view("unnamed data"));
    file.seek(0);
    if (file.read() != "unnamed data") {
      problems << "TemporaryFile data; ";
    }
  }
  try {
    tempfile::TemporaryDirectory directory({.dir = dir});
    const fs::path made = directory.name();
    if (made.parent_path() != dir || !fs::is_directory(fs::symlink_status(made))) {
      problems << "TemporaryDirectory name " << made << " is not a directory in " << dir << "; ";
    }
    if (mode_of(made) != 0) {
      problems << "TemporaryDirectory mode 0" << std::oct << mode_of(made) << std::dec << "; ";
    }
    directory.cleanup();
    if (fs::exists(fs::symlink_status(made))) {
      problems << "TemporaryDirectory left by cleanup(); ";
    }
  } catch (const std::exception& refused) {
    problems << "TemporaryDirectory under umask 0777: " << refused.what() << "; ";
  }
  try {
    const UmaskScope write_only(0477);
    fs::path made;
    {
      const tempfile::TemporaryDirectory directory({.dir = dir});
      made = directory.name();
      if (mode_of(made) != 0300) {
        problems << "TemporaryDirectory under umask 0477 mode 0" << std::oct << mode_of(made)
                 << std::dec << "; ";
      }
      const int fd =
          ::open((made / "inside").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) {
        problems << "no entry could be made in the 0300 TemporaryDirectory: "
                 << std::strerror(errno) << "; ";
      } else {
        ::close(fd);
      }
    }
    if (fs::exists(fs::symlink_status(made))) {
      problems << "TemporaryDirectory under umask 0477 left by its destructor; ";
    }
  } catch (const std::exception& refused) {
    problems << "TemporaryDirectory under umask 0477: " << refused.what() << "; ";
  }
  if (!list_dir(dir).empty()) {
    problems << "something was left in " << dir << "; ";
  }
  return problems.str();
}

// A5, umask 0777, as root and (what matters: the owner's bits really apply) as uid 65534.
TEST_F(CatalogueCreationTest, A5_Umask0777GivesMode0000AndTheObjectsStillWork) {
  const fs::path dir = make_subdir("umask");
  EXPECT_EQ(use_everything_under_umask_0777(dir), "");
  EXPECT_TRUE(list_dir(dir).empty());

  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  const ChildRun child = run_child([&](std::string& out) {
    if (permissions_are_bypassed() && !become_unprivileged()) {
      out = std::string("become_unprivileged failed: ") + std::strerror(errno);
      return 1;
    }
    // Positive control: as this user a mode-0000 directory really refuses O_RDONLY, so the
    // TemporaryDirectory below takes the path that opens it despite its mode.
    const fs::path probe = dir / "probe";
    if (::mkdir(probe.c_str(), 0) != 0) {
      out = std::string("mkdir probe: ") + std::strerror(errno);
      return 1;
    }
    const int opened = ::open(probe.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const int open_error = errno;
    if (opened >= 0) {
      ::close(opened);
    }
    ::rmdir(probe.c_str());
    if (opened >= 0 || open_error != EACCES) {
      out = "a mode-0000 directory did not refuse its owner's O_RDONLY open";
      return 1;
    }
    out = use_everything_under_umask_0777(dir);
    return 0;
  });
  EXPECT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(child.output, "");
  EXPECT_TRUE(list_dir(dir).empty());
  force_remove_all(dir);
}

// A10 (a) on a tmpfs (/dev/shm; the scratch directory on /tmp is UnnamedFileTest's): the file
// has no link and the directory listing never changes, with data written and read back.
TEST_F(CatalogueCreationTest, A10_TemporaryFileOnTmpfsHasNoLinkAndNoName) {
  const FastDirectory fast(scratch());
  const std::set<std::string> before = list_dir(fast.path());
  for (int i = 0; i < 20; ++i) {
    tempfile::TemporaryFile file({.dir = fast.path()});
    struct stat info {};
    ASSERT_EQ(::fstat(file.fileno(), &info), 0);
    EXPECT_EQ(info.st_nlink, 0U);
    EXPECT_EQ(info.st_mode & 0077, 0U);
    EXPECT_EQ(list_dir(fast.path()), before);
    file.write(std::string_view("data"));
    file.seek(0);
    EXPECT_EQ(file.read(), "data");
  }
  EXPECT_EQ(list_dir(fast.path()), before);
}

// A10 (b): a file system without O_TMPFILE, made by an LD_PRELOAD shim that fails every
// O_TMPFILE open with EOPNOTSUPP. The fallback (create, then unlink at once) must leave the
// listing empty by the time the constructor returns, and keep the data. The same run without
// the shim is the control: there the files are O_TMPFILE ones (when the build has it).
TEST_F(CatalogueCreationTest, A10_ForcedFallbackLeavesNoNameAndKeepsTheData) {
  const fs::path dir = make_subdir("fallback");
  std::vector<std::string> environment = catalogue::sanitizer_environment();
  environment.push_back(std::string("LD_PRELOAD=") + catalogue::no_tmpfile_shim());
  const catalogue::ProgramRun shimmed =
      run_program({catalogue::driver(), "unnamed", dir.native(), "200"}, environment);
  ASSERT_EQ(shimmed.status, 0) << shimmed.output;
  EXPECT_EQ(value_of(shimmed.output, "o_tmpfile"), "0") << "the shim did not take effect";
  EXPECT_EQ(value_of(shimmed.output, "problems"), "0") << shimmed.output;
  EXPECT_EQ(value_of(shimmed.output, "entries"), "");

  const catalogue::ProgramRun control = run_program(
      {catalogue::driver(), "unnamed", dir.native(), "20"}, catalogue::sanitizer_environment());
  ASSERT_EQ(control.status, 0) << control.output;
  EXPECT_EQ(value_of(control.output, "o_tmpfile"), os::features().o_tmpfile ? "20" : "0");
  EXPECT_EQ(value_of(control.output, "problems"), "0") << control.output;
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

// A10 (c), Rust tempfile's test_pathological_cleaner: a thread deletes every entry of the
// directory in a loop while 2,000 TemporaryFiles are made there, written, sought and read;
// with the fallback forced (the shim) the cleaner can take a fallback file's name before our
// unlink, which must then be ignored. Positive control: a naive create-then-unlink that treats
// a failed unlink as an error loses against the same cleaner.
TEST_F(CatalogueCreationTest, A10_PathologicalCleanerNeverBreaksTemporaryFile) {
  const FastDirectory fast(scratch());
  std::vector<std::string> shimmed = catalogue::sanitizer_environment();
  shimmed.push_back(std::string("LD_PRELOAD=") + catalogue::no_tmpfile_shim());
  for (const bool with_shim : {true, false}) {
    SCOPED_TRACE(with_shim ? "fallback forced" : "O_TMPFILE where available");
    const catalogue::ProgramRun run =
        run_program({catalogue::driver(), "cleaner", fast.path().native(), "2000", "library"},
                    with_shim ? shimmed : catalogue::sanitizer_environment(), 60);
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(value_of(run.output, "iterations"), "2000");
    EXPECT_EQ(value_of(run.output, "failures"), "0") << run.output;
    EXPECT_TRUE(list_dir(fast.path()).empty());
  }

  const catalogue::ProgramRun control =
      run_program({catalogue::driver(), "cleaner", fast.path().native(), "20000", "naive"},
                  catalogue::sanitizer_environment(), 60);
  ASSERT_EQ(control.status, 0) << control.output;
  EXPECT_EQ(value_of(control.output, "failures"), "1")
      << "the cleaner never won against the naive creator: the race is not live\n"
      << control.output;
  EXPECT_NE(value_of(control.output, "removed_by_cleaner"), "0");
}

// E3 for the objects (FailFastTest.A7_E3_FullDescriptorTableIsEmfile has mkstemp and
// create_unique): a real RLIMIT_NOFILE, the table filled, then each object fails with EMFILE, names
// the directory, leaves no entry (TemporaryDirectory's mkdir succeeds and its root's open fails:
// the directory must go again) and no descriptor. One descriptor freed, each one works.
TEST_F(CatalogueCreationTest, E3_FullDescriptorTableFailsEveryObjectCleanly) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    const auto try_each = [&](const std::string& round, const fs::path& where = {}) {
      const fs::path& in = where.empty() ? dir : where;
      const std::vector<std::pair<std::string, std::function<void()>>> objects = {
          {"TemporaryFile", [&] { const tempfile::TemporaryFile file({.dir = in}); }},
          {"NamedTemporaryFile", [&] { const tempfile::NamedTemporaryFile file({.dir = in}); }},
          {"TemporaryDirectory",
           [&] { const tempfile::TemporaryDirectory directory({.dir = in}); }},
          {"SpooledTemporaryFile", [&] {
             tempfile::SpooledTemporaryFile file({.max_size = 1, .dir = in});
             file.write(std::string_view("rolls over"));
           }}};
      for (const auto& [label, make] : objects) {
        std::string result = "ok";
        try {
          make();
        } catch (const tempfile::error& failure) {
          result = std::to_string(failure.code().value()) + " " + failure.path1().native();
        } catch (const std::exception& failure) {
          result = std::string("other ") + failure.what();
        }
        add_fact(out, round + "." + label, result);
      }
    };
    // Fills lazily made state while descriptors are free, and UBSan's type cache for the
    // success and the error paths: on a cache miss its vptr check probes memory through a
    // pipe, which a full table turns into a false "invalid vptr" report.
    try_each("warmup");
    try_each("warmup_error", dir / "missing");
    const std::set<int> open_at_start = open_descriptors();
    const int highest = open_at_start.empty() ? 2 : *open_at_start.rbegin();
    if (!limit_open_files(static_cast<unsigned long>(highest) + 8)) {
      out = std::string("setrlimit failed: ") + std::strerror(errno);
      return 1;
    }
    std::vector<int> fillers;
    for (int fd = 0; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) {
      fillers.push_back(fd);
    }
    const std::set<int> before = open_descriptors();
    try_each("full");
    add_fact(out, "descriptors_unchanged", open_descriptors() == before ? "yes" : "no");
    ::close(fillers.back());  // listing the directory takes a descriptor
    fillers.pop_back();
    add_fact(out, "entries_when_full", std::to_string(list_dir(dir).size()));
    try_each("one_free");
    for (const int fd : fillers) {
      ::close(fd);
    }
    add_fact(out, "entries", std::to_string(list_dir(dir).size()));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  const std::string emfile = std::to_string(EMFILE) + " " + dir.native();
  for (const char* label :
       {"TemporaryFile", "NamedTemporaryFile", "TemporaryDirectory", "SpooledTemporaryFile"}) {
    EXPECT_EQ(fact(child.output, std::string("warmup.") + label), "ok") << child.output;
    // TemporaryDirectory's mkdir succeeded and its root's open failed: the error names the
    // directory it made (and removed again).
    EXPECT_THAT(fact(child.output, std::string("full.") + label).value_or(""),
                ::testing::StartsWith(emfile))
        << child.output;
    EXPECT_EQ(fact(child.output, std::string("one_free.") + label), "ok") << child.output;
  }
  EXPECT_EQ(fact(child.output, "descriptors_unchanged"), "yes");
  EXPECT_EQ(fact(child.output, "entries_when_full"), "0");
  EXPECT_EQ(fact(child.output, "entries"), "0");
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

// E1, a real partial write: RLIMIT_FSIZE of 4 KiB (SIGXFSZ ignored) lets the kernel take the
// first 4096 bytes of a 10,000-byte write, then refuse with EFBIG. Buffered files must report
// EFBIG with the file's name, never success; an unbuffered write may report the 4096 it really
// wrote (Python's raw write does), and the next write then EFBIG.
TEST_F(CatalogueCreationTest, E1_FileSizeLimitReportsEfbigNeverAShortSuccess) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
      out = std::string("setrlimit failed: ") + std::strerror(errno);
      return 1;
    }
    const std::string data(10000, 'd');
    const auto buffered = [&](tempfile::File& file, const std::string& label) {
      try {
        file.write(std::string_view(data));
        file.flush();
        add_fact(out, label, "no error");
      } catch (const tempfile::error& failure) {
        add_fact(out, label, std::to_string(failure.code().value()) + " " + failure.what());
      }
      struct stat info {};
      ::fstat(file.fileno(), &info);
      add_fact(out, label + ".size", std::to_string(info.st_size));
    };
    {
      tempfile::NamedTemporaryFile named({.dir = dir});
      add_fact(out, "named.name", named.name().native());
      buffered(named, "named");
      try {
        named.close();
      } catch (const tempfile::error& failure) {
        add_fact(out, "named.close", std::to_string(failure.code().value()));
      }
    }
    {
      tempfile::TemporaryFile unnamed({.dir = dir});
      buffered(unnamed, "unnamed");
      try {
        unnamed.close();
      } catch (const tempfile::error& failure) {
        add_fact(out, "unnamed.close", std::to_string(failure.code().value()));
      }
    }
    {
      tempfile::NamedTemporaryFile raw({.mode = "w+b", .buffering = 0, .dir = dir});
      try {
        add_fact(out, "raw.first", std::to_string(raw.write(std::string_view(data))));
        add_fact(out, "raw.second", std::to_string(raw.write(std::string_view(data))));
      } catch (const tempfile::error& failure) {
        add_fact(out, "raw.error", std::to_string(failure.code().value()));
      }
    }
    add_fact(out, "entries", std::to_string(list_dir(dir).size()));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  const std::string efbig = std::to_string(EFBIG) + " ";
  EXPECT_THAT(fact(child.output, "named").value_or(""), ::testing::StartsWith(efbig));
  EXPECT_THAT(fact(child.output, "named").value_or(""),
              ::testing::HasSubstr(fact(child.output, "named.name").value_or("?")));
  EXPECT_THAT(fact(child.output, "unnamed").value_or(""), ::testing::StartsWith(efbig));
  EXPECT_EQ(fact(child.output, "named.size"), "4096");
  EXPECT_EQ(fact(child.output, "unnamed.size"), "4096");
  // The unbuffered file: at most what the kernel took, and then the error.
  EXPECT_EQ(fact(child.output, "raw.first"), "4096") << child.output;
  EXPECT_EQ(fact(child.output, "raw.second"), std::nullopt) << child.output;
  EXPECT_EQ(fact(child.output, "raw.error"), std::to_string(EFBIG)) << child.output;
  EXPECT_EQ(fact(child.output, "entries"), "0");
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

}  // namespace
}  // namespace tempfile::test
