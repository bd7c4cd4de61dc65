// SPDX-License-Identifier: MIT
// persist() with cross_device, onto a real second file system: the copy beside the target, its
// bytes, mode and syncs, the one atomic final step, the object switched to the copy, and
// failures and crashes that leave the object intact and only the documented debris.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill is POSIX
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "objects/persist_seam.hpp"
#include "os/guardian.hpp"
#include "os/persist.hpp"
#include "os/sys.hpp"
#include "persist_support.hpp"
#include "security/harness.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "support/swap.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/error.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/sweep.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `size` bytes that differ from their neighbours, so a shifted or short copy shows.
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 31 + i / 251) % 256);
  }
  return bytes;
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 ? static_cast<unsigned>(info.st_mode & 07777) : ~0U;
}

// Whether a copy made in `dir` is an unnamed file (O_TMPFILE), else a named ".tmp" one.
bool copies_are_unnamed_in(const fs::path& dir) {
  os::FileDescriptor fd;
  return os::open_unnamed_file(os::current_directory_fd, dir.c_str(), os::file_mode, fd) == 0;
}

// Whether `name` is one of the names made beside the target: ".tmp" and 8 random characters.
bool is_staged_name(const std::string& name) {
  static const std::regex staged(R"(\.tmp[a-z0-9_]{8})");
  return std::regex_match(name, staged);
}

constexpr int no_second_file_system = 77;  // == child_capability_missing

class PersistCrossDeviceTest : public ScratchTest {
 protected:
  /// Runs `body(there)` in a forked child, with `there` a directory on another file system than
  /// the scratch directory (where the temporaries are made): a private tmpfs mounted with
  /// `tmpfs_options` in the child's own mount namespace (root, or a user namespace of its own);
  /// else, unless `tmpfs_only`, a private directory on /dev/shm, /var/tmp or /tmp, whichever is
  /// on another file system. Failed expectations in the child fail the test; the body must
  /// leave `there` empty. Returns why nothing ran (the test then skips), or "".
  std::string across(const std::function<void(const fs::path& there)>& body,
                     const std::string& tmpfs_options = "size=16m,mode=0700",
                     bool tmpfs_only = false) {
    const fs::path mount_point = make_subdir("other-fs");
    const fs::path fallback = tmpfs_only ? fs::path() : other_file_system_directory();
    const int status = run_in_child([&] {
      fs::path there = fallback;
      std::string why;
      if (mount_private_tmpfs(mount_point, 0, tmpfs_options, why) == 0) {
        there = mount_point;
      } else if (there.empty()) {
        static_cast<void>(std::fprintf(stderr, "%s\n", why.c_str()));
        return no_second_file_system;
      }
      body(there);
      EXPECT_EQ(list_dir(there), std::set<std::string>{}) << "left on the other file system";
      return ::testing::Test::HasFailure() ? 1 : 0;
    });
    fs::remove(mount_point);  // mounted in the child's namespace only: empty here
    if (!fallback.empty()) {
      EXPECT_EQ(list_dir(fallback), std::set<std::string>{});
      fs::remove_all(fallback);
    }
    if (status == no_second_file_system) {
      return tmpfs_only ? "needs a tmpfs of its own (root, or user namespaces), refused here"
                        : "no second file system: no private tmpfs can be mounted here, and "
                          "/dev/shm, /var/tmp and /tmp are on the scratch directory's";
    }
    EXPECT_EQ(status, 0) << "failures in the child, above";
    return {};
  }

 private:
  // A private directory on a file system other than the scratch directory's, or "".
  [[nodiscard]] fs::path other_file_system_directory() const {
    struct stat here {};
    if (::stat(scratch().c_str(), &here) != 0) {
      return {};
    }
    for (const char* candidate : {"/dev/shm", "/var/tmp", "/tmp"}) {
      struct stat there {};
      if (::stat(candidate, &there) != 0 || there.st_dev == here.st_dev ||
          ::access(candidate, W_OK | X_OK) != 0) {
        continue;
      }
      std::string made = std::string(candidate) + "/tempfile-xdev.XXXXXX";
      if (::mkdtemp(made.data()) != nullptr) {
        return made;
      }
    }
    return {};
  }
};

// ---- the os layer's copy and descriptor swap ---------------------------------------------

TEST_F(PersistCrossDeviceTest, CopyFileCopiesEveryByteAndMovesNoOffset) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4096},
                                 (std::size_t{1} << 20U) + 7, (std::size_t{3} << 20U) + 1}) {
    SCOPED_TRACE(size);
    const std::string content = pattern(size);
    write_file(scratch() / "from", content);
    const int from = ::open((scratch() / "from").c_str(), O_RDONLY | O_CLOEXEC);
    const int to = ::open((scratch() / "to").c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ASSERT_GE(from, 0);
    ASSERT_GE(to, 0);
    ASSERT_EQ(::lseek(from, 3, SEEK_SET), 3);
    ASSERT_EQ(::lseek(to, 5, SEEK_SET), 5);
    std::int64_t copied = -1;
    EXPECT_EQ(os::copy_file(from, to, copied), 0);
    EXPECT_EQ(copied, static_cast<std::int64_t>(size));
    EXPECT_EQ(::lseek(from, 0, SEEK_CUR), 3) << "the source's offset moved";
    EXPECT_EQ(::lseek(to, 0, SEEK_CUR), 5) << "the copy's offset moved";
    ::close(from);
    ::close(to);
    EXPECT_EQ(read_file(scratch() / "to"), content);
    fs::remove(scratch() / "from");
    fs::remove(scratch() / "to");
  }
}

TEST_F(PersistCrossDeviceTest, CopyFileReportsTheErrno) {
  const int from = ::open((scratch() / "from").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(from, 0);
  ASSERT_EQ(::write(from, "x", 1), 1);
  const int read_only = ::open((scratch() / "from").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  std::int64_t copied = 0;
  EXPECT_EQ(os::copy_file(from, read_only, copied), EBADF);  // not open for writing
  ::close(from);
  ::close(read_only);
  fs::remove(scratch() / "from");
}

TEST_F(PersistCrossDeviceTest, ReplaceDescriptorGivesTheNumberToTheOtherFile) {
  write_file(scratch() / "a", "a");
  write_file(scratch() / "b", "b");
  const int a = ::open((scratch() / "a").c_str(), O_RDONLY | O_CLOEXEC);
  const int b = ::open((scratch() / "b").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_EQ(os::replace_descriptor(b, a), 0);
  EXPECT_EQ(identity_of_fd(a), identity_of(scratch() / "b"));
  EXPECT_EQ(identity_of_fd(b), identity_of(scratch() / "b")) << "`from` stays open";
  EXPECT_NE(::fcntl(a, F_GETFD) & FD_CLOEXEC, 0) << "close-on-exec was lost";
  ::close(a);
  ::close(b);
  EXPECT_EQ(os::replace_descriptor(b, a), EBADF);
  fs::remove(scratch() / "a");
  fs::remove(scratch() / "b");
}

// ---- without the option: EXDEV, as before --------------------------------------------------

TEST_F(PersistCrossDeviceTest, WithoutTheOptionItIsStillAnErrorThatSaysWhatToDo) {
  const bool unnamed = unnamed_files_link_here();
  const std::string skipped = across([&](const fs::path& there) {
    const fs::path target = there / "target";
    for (const bool overwrite : {true, false}) {
      NamedTemporaryFile f;
      const fs::path name = f.name();
      f.write(std::string_view("data"));
      try {
        f.persist(target, {.overwrite = overwrite});
        ADD_FAILURE() << "a rename across file systems succeeded";
      } catch (const error& e) {
        EXPECT_EQ(e.code(), std::make_error_code(std::errc::cross_device_link));
        EXPECT_THAT(e.what(), testing::HasSubstr("`dir`"));
      }
      EXPECT_EQ(f.name(), name);
      EXPECT_EQ(read_file(name), "data");
      if (unnamed) {
        TemporaryFile t;
        std::error_code ec;
        EXPECT_FALSE(t.persist(target, {.overwrite = overwrite}, ec));
        EXPECT_EQ(ec, std::make_error_code(std::errc::cross_device_link));
      }
    }
    EXPECT_FALSE(fs::exists(fs::symlink_status(target)));
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// ---- the copy ------------------------------------------------------------------------------

// Runs `body(f)` with a NamedTemporaryFile and, where unnamed files can be persisted here, a
// TemporaryFile, each made in the scratch directory.
template <class Body>
void for_each_kind(const Body& body) {
  {
    SCOPED_TRACE("NamedTemporaryFile");
    NamedTemporaryFile f;
    body(f);
  }
  if (unnamed_files_link_here()) {
    SCOPED_TRACE("TemporaryFile");
    TemporaryFile f;
    body(f);
  }
}

template <class F>
constexpr bool is_named = std::is_same_v<F, NamedTemporaryFile>;

TEST_F(PersistCrossDeviceTest, CopiesEveryByteAndTheObjectThenIsTheFileAtTheTarget) {
  const std::string skipped = across([&](const fs::path& there) {
    const fs::path target = there / "target";
    for (const bool overwrite : {true, false}) {
      for (const std::size_t size :
           {std::size_t{0}, std::size_t{1}, std::size_t{4096}, (std::size_t{1} << 20U) + 7}) {
        SCOPED_TRACE((overwrite ? "overwrite, " : "no clobber, ") + std::to_string(size) +
                     " bytes");
        for_each_kind([&](auto& f) {
          using F = std::decay_t<decltype(f)>;
          if (overwrite) {
            write_file(target, "the old file");
          }
          const std::string content = pattern(size);
          const fs::path old_name = f.name();
          const int old_fd = f.fileno();
          f.write(std::string_view(content));  // still buffered: persist flushes it
          f.persist(target, {.overwrite = overwrite, .cross_device = true});
          EXPECT_EQ(read_file(target), content);
          // The object's descriptor is the target's file, under the same number.
          EXPECT_EQ(f.fileno(), old_fd);
          EXPECT_EQ(identity_of_fd(f.fileno()), identity_of(target));
          if constexpr (is_named<F>) {
            EXPECT_EQ(f.name(), target);
            EXPECT_EQ(f.path(), std::optional<fs::path>(target));
            EXPECT_FALSE(fs::exists(fs::symlink_status(old_name))) << "the temporary is left";
          } else {
            EXPECT_EQ(f.name(), old_name);  // the descriptor number, which it still is
          }
          EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"});
          EXPECT_EQ(list_dir(there), std::set<std::string>{"target"});
          // The position is where it was, and later writes go to the target.
          EXPECT_EQ(f.tell(), static_cast<std::int64_t>(size));
          f.write(std::string_view("+tail"));
          f.flush();
          EXPECT_EQ(read_file(target), content + "+tail");
          f.close();  // removes nothing: persisted is persisted
          EXPECT_EQ(read_file(target), content + "+tail");
          fs::remove(target);
        });
      }
    }
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// A target whose path is longer than the room kept on the stack for the names built beside it
// (512 bytes) and than the room a file keeps in place for its directory (96): the copy, its
// name, the directory sync and the object's new directory all take the heap, and nothing is lost
// or left. atomic_write across file systems is refused before anything, so only persist() is.
TEST_F(PersistCrossDeviceTest, ATargetWhosePathOutgrowsTheStackIsCopiedWhole) {
  const std::string skipped = across([&](const fs::path& there) {
    fs::path deep = there;
    while (deep.native().size() < 700) {
      deep /= std::string(100, 'd');
    }
    fs::create_directories(deep);
    const fs::path target = deep / "target";
    for (const bool overwrite : {true, false}) {
      SCOPED_TRACE(overwrite ? "overwrite" : "no clobber");
      for_each_kind([&](auto& f) {
        using F = std::decay_t<decltype(f)>;
        if (overwrite) {
          write_file(target, "the old file");
        }
        const std::string content = pattern(5000);
        f.write(std::string_view(content));
        f.persist(target, {.overwrite = overwrite, .durable = true, .cross_device = true});
        EXPECT_EQ(read_file(target), content);
        EXPECT_EQ(identity_of_fd(f.fileno()), identity_of(target));
        if constexpr (is_named<F>) {
          EXPECT_EQ(f.name(), target);
        }
        EXPECT_EQ(list_dir(deep), std::set<std::string>{"target"});
        // An error now names the copy's directory, whole (the unnamed file's message says it).
        if constexpr (!is_named<F>) {
          try {
            f.seek(-1);
            ADD_FAILURE() << "seek(-1) did not throw";
          } catch (const error& e) {
            EXPECT_EQ(e.path1(), deep) << e.what();
          }
        }
        f.close();
        EXPECT_EQ(read_file(target), content);
        fs::remove(target);
      });
    }
    fs::remove_all(there / std::string(100, 'd'));
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

TEST_F(PersistCrossDeviceTest, KeepsThePositionThePendingWritesAndTheTextLayer) {
  const std::string skipped = across([&](const fs::path& there) {
    const fs::path target = there / "target";
    for_each_kind([&](auto& f) {
      f.write(std::string_view("0123456789"));
      f.seek(3);
      f.write(std::string_view("abc"));  // pending in the buffer at the persist
      f.persist(target, {.cross_device = true});
      EXPECT_EQ(f.tell(), 6);
      EXPECT_EQ(read_file(target), "012abc6789");
      f.write(std::string_view("XY"));
      EXPECT_EQ(f.read(), "89");  // through the new descriptor, from the position
      f.seek(0);
      EXPECT_EQ(f.read(), "012abcXY89");
      f.close();
      EXPECT_EQ(read_file(target), "012abcXY89");
      fs::remove(target);
    });
    NamedTemporaryFile text("w+");
    text.write(std::string_view("first line\n"));
    text.persist(target, {.cross_device = true});
    text.write(std::string_view("second line\n"));
    text.seek(0);
    EXPECT_EQ(text.readline(), "first line\n");
    text.close();
    EXPECT_EQ(read_file(target), "first line\nsecond line\n");
    fs::remove(target);
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

TEST_F(PersistCrossDeviceTest,
       A11_NoClobberAcrossFileSystemsRefusesAnExistingFileAndADanglingSymlink) {
  const std::string skipped = across([&](const fs::path& there) {
    const fs::path existing = there / "existing";
    const fs::path link = there / "link";
    write_file(existing, "old");
    fs::create_symlink(there / "nowhere", link);
    for_each_kind([&](auto& f) {
      const fs::path name = f.name();
      f.write(std::string_view("new"));
      try {
        f.persist(existing, {.overwrite = false, .cross_device = true});
        ADD_FAILURE() << "replaced an existing file";
      } catch (const error& e) {
        EXPECT_EQ(e.code(), std::make_error_code(std::errc::file_exists));
        EXPECT_THAT(e.what(), testing::HasSubstr(existing.string()));
        EXPECT_THAT(e.what(), testing::HasSubstr(name.string()));
      }
      std::error_code ec;
      EXPECT_FALSE(f.persist(link, {.overwrite = false, .cross_device = true}, ec));
      EXPECT_EQ(ec, std::make_error_code(std::errc::file_exists));
      EXPECT_EQ(read_file(existing), "old");
      EXPECT_EQ(fs::read_symlink(link), there / "nowhere");
      EXPECT_EQ(list_dir(there), (std::set<std::string>{"existing", "link"}));
      // Handed back: the same name, the same data, the same position.
      EXPECT_EQ(f.name(), name);
      EXPECT_EQ(f.tell(), 3);
      f.seek(0);
      EXPECT_EQ(f.read(), "new");
    });
    EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"}) << "not removed at close";
    fs::remove(existing);
    fs::remove(link);
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// What the crash and race tests plant or do at a step (set before the step is reached).
objects::PersistStep act_at{};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
int act_at_occurrence = 0;      // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
int occurrences_seen = 0;       // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
std::function<void()> act;      // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void act_at_step(objects::PersistStep step) noexcept {
  if (step == act_at && ++occurrences_seen == act_at_occurrence) {
    act();
  }
}

void act_before(objects::PersistStep step, int occurrence, std::function<void()> what) {
  act_at = step;
  act_at_occurrence = occurrence;
  occurrences_seen = 0;
  act = std::move(what);
  objects::set_persist_step_hook(act_at_step);
}

TEST_F(PersistCrossDeviceTest, A11_TheCopysFinalStepStillRefusesWhatAppearedMeanwhile) {
  const std::string skipped = across([&](const fs::path& there) {
    const fs::path target = there / "target";
    for_each_kind([&](auto& f) {
      const fs::path name = f.name();
      f.write(std::string_view(pattern(100000)));
      // No clobber: the target appears while the copy is made; the final link or rename
      // refuses it.
      act_before(objects::PersistStep::copy, 1, [&] { write_file(target, "theirs"); });
      std::error_code ec;
      EXPECT_FALSE(f.persist(target, {.overwrite = false, .cross_device = true}, ec));
      EXPECT_EQ(ec, std::make_error_code(std::errc::file_exists));
      EXPECT_EQ(read_file(target), "theirs");
      EXPECT_EQ(list_dir(there), std::set<std::string>{"target"}) << "the copy is left";
      fs::remove(target);
      // Overwrite: a directory appears; the rename over it fails.
      act_before(objects::PersistStep::copy, 1, [&] {
        fs::create_directory(target);
        write_file(target / "inside", "x");
      });
      try {
        f.persist(target, {.cross_device = true});
        ADD_FAILURE() << "renamed over a directory";
      } catch (const error& e) {
        EXPECT_EQ(e.code(), std::make_error_code(std::errc::is_a_directory));
        EXPECT_THAT(e.what(), testing::HasSubstr("rename failed from"));
        EXPECT_THAT(e.what(), testing::HasSubstr(target.string()));
      }
      objects::set_persist_step_hook(nullptr);
      EXPECT_EQ(list_dir(there), std::set<std::string>{"target"}) << "the copy is left";
      EXPECT_EQ(f.name(), name);
      EXPECT_EQ(f.tell(), 100000);
      f.seek(0);
      EXPECT_EQ(f.read(), pattern(100000));
      fs::remove_all(target);
    });
    EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"});
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

TEST_F(PersistCrossDeviceTest, ErrorCodeFormReportsSuccessAndTheErrno) {
  const std::string skipped = across([&](const fs::path& there) {
    for_each_kind([&](auto& f) {
      std::error_code ec = std::make_error_code(std::errc::io_error);
      EXPECT_FALSE(f.persist(there / "no" / "such", {.cross_device = true}, ec));
      EXPECT_EQ(ec, std::make_error_code(std::errc::no_such_file_or_directory));
      EXPECT_TRUE(f.persist(there / "done", {.cross_device = true}, ec)) << ec.message();
      EXPECT_FALSE(ec);
      f.close();
      EXPECT_FALSE(f.persist(there / "again", {.cross_device = true}, ec));
      EXPECT_EQ(ec, std::make_error_code(std::errc::bad_file_descriptor));
      fs::remove(there / "done");
    });
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

TEST_F(PersistCrossDeviceTest, ModeOptionsApplyToTheCopy) {
  const std::string skipped = across([&](const fs::path& there) {
    ::umask(027);  // the child's own
    const auto persisted_mode = [&](const char* name, const PersistMode& mode,
                                    unsigned temporary_mode = 0) {
      NamedTemporaryFile f;
      if (temporary_mode != 0) {
        ::fchmod(f.fileno(), temporary_mode);
      }
      f.persist(there / name, {.mode = mode, .cross_device = true});
      return mode_of(there / name);
    };
    EXPECT_EQ(persisted_mode("owner", PersistMode::owner_only()), 0600U);
    EXPECT_EQ(persisted_mode("owner-changed", PersistMode::owner_only(), 0604), 0604U)
        << "owner_only keeps the temporary's own mode";
    EXPECT_EQ(persisted_mode("exact", PersistMode::exactly(fs::perms(0640))), 0640U);
    EXPECT_EQ(persisted_mode("umask", PersistMode::umask_default()), 0640U);
    write_file(there / "preserved", "old");
    ::chmod((there / "preserved").c_str(), 0604);
    EXPECT_EQ(persisted_mode("preserved", PersistMode::preserve_target()), 0604U);
    EXPECT_EQ(persisted_mode("new-preserved", PersistMode::preserve_target()), 0640U);
    if (unnamed_files_link_here()) {
      TemporaryFile f;
      f.persist(there / "unnamed",
                {.mode = PersistMode::exactly(fs::perms(0640)), .cross_device = true});
      EXPECT_EQ(mode_of(there / "unnamed"), 0640U);
    }
    // A failure leaves the temporary its own mode.
    NamedTemporaryFile f;
    std::error_code ec;
    EXPECT_FALSE(f.persist(
        there / "owner",
        {.overwrite = false, .mode = PersistMode::exactly(fs::perms(0644)), .cross_device = true},
        ec));
    EXPECT_EQ(mode_of(f.name()), 0600U);
    for (const char* name :
         {"owner", "owner-changed", "exact", "umask", "preserved", "new-preserved", "unnamed"}) {
      fs::remove(there / name);
    }
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

TEST_F(PersistCrossDeviceTest, OtherObjectsAndOptions) {
  const std::string skipped = across([&](const fs::path& there) {
    // delete_ = false: the file moved, so its old name goes too.
    {
      NamedTemporaryFile f({.delete_ = false});
      const fs::path name = f.name();
      f.write(std::string_view("kept"));
      f.persist(there / "kept", {.cross_device = true});
      EXPECT_FALSE(fs::exists(fs::symlink_status(name)));
      EXPECT_EQ(f.name(), there / "kept");
    }
    EXPECT_EQ(read_file(there / "kept"), "kept");
    fs::remove(there / "kept");
    // PseudoTemporaryFile: its /proc path still reaches the file (the number is kept); the
    // named fallback (the portable build) becomes the target and the guardian forgets it.
    const os::GuardianStatus before = os::guardian_status();
    {
      PseudoTemporaryFile f;
      const fs::path name = f.name();
      const bool by_descriptor = name.native().rfind("/proc/", 0) == 0;
      f.write(std::string_view("pseudo"));
      f.persist(there / "pseudo", {.overwrite = false, .cross_device = true});
      EXPECT_EQ(identity_of_fd(f.fileno()), identity_of(there / "pseudo"));
      if (by_descriptor) {
        EXPECT_EQ(f.name(), name);
        struct stat info {};
        ASSERT_EQ(::stat(name.c_str(), &info), 0);
        EXPECT_EQ(std::make_pair(info.st_dev, info.st_ino), identity_of(there / "pseudo"));
      } else {
        EXPECT_EQ(f.name(), there / "pseudo");
        EXPECT_FALSE(fs::exists(fs::symlink_status(name)));
        EXPECT_EQ(os::guardian_status().tickets, before.tickets) << "the guardian still holds it";
      }
      f.close();
    }
    EXPECT_EQ(read_file(there / "pseudo"), "pseudo");
    fs::remove(there / "pseudo");
    EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"});
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// When the system will not give the descriptor number to the copy (here: RLIMIT_NOFILE lowered
// below it, so dup3 refuses with EBADF), the object goes on under the copy's own number.
TEST_F(PersistCrossDeviceTest, WithoutTheOldNumberTheObjectTakesTheCopysOwn) {
  const std::string skipped = across([&](const fs::path& there) {
    const int status = run_in_child([&] {
      std::vector<int> fillers;
      fillers.reserve(40);
      for (int i = 0; i < 40; ++i) {
        fillers.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      }
      auto* named = new NamedTemporaryFile();  // NOLINT: ends with the child
      auto* temporary = unnamed_files_link_here() ? new TemporaryFile() : nullptr;  // NOLINT
      for (const int fd : fillers) {
        ::close(fd);
      }
      const int limit =
          std::min(named->fileno(), temporary != nullptr ? temporary->fileno() : 1 << 20) - 5;
      if (!limit_open_files(static_cast<unsigned long>(limit))) {
        return 2;
      }
      const auto check = [&](File& f, const fs::path& target, bool is_named_file) {
        const int old_fd = f.fileno();
        f.write(std::string_view("data"));
        if (is_named_file) {
          static_cast<NamedTemporaryFile&>(f).persist(target, {.cross_device = true});
        } else {
          static_cast<TemporaryFile&>(f).persist(target, {.cross_device = true});
        }
        EXPECT_NE(f.fileno(), old_fd);
        EXPECT_LT(f.fileno(), limit);
        EXPECT_EQ(::fcntl(old_fd, F_GETFD), -1) << "the old descriptor is still open";
        EXPECT_EQ(identity_of_fd(f.fileno()), identity_of(target));
        EXPECT_EQ(f.name(), is_named_file ? target : fs::path(std::to_string(f.fileno())));
        f.write(std::string_view("+more"));
        f.close();
        EXPECT_EQ(read_file(target), "data+more");
        fs::remove(target);
      };
      check(*named, there / "named", true);
      if (temporary != nullptr) {
        check(*temporary, there / "temporary", false);
      }
      delete named;      // NOLINT
      delete temporary;  // NOLINT
      return ::testing::Test::HasFailure() ? 1 : 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"});
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// ---- failures during the copy ---------------------------------------------------------------

TEST_F(PersistCrossDeviceTest, AFullFileSystemHandsTheObjectBackIntactAndLeavesNoCopy) {
  const std::string skipped = across(
      [&](const fs::path& there) {
        const fs::path target = there / "target";
        const std::string content = pattern((std::size_t{1} << 20U) + 7);
        for_each_kind([&](auto& f) {
          using F = std::decay_t<decltype(f)>;
          const fs::path name = f.name();
          f.write(std::string_view(content));
          f.seek(12345);
          try {
            f.persist(target, {.durable = true, .cross_device = true});
            ADD_FAILURE() << "1 MiB fit in 64 KiB";
          } catch (const persisted_not_durable_error& e) {
            ADD_FAILURE() << e.what();
          } catch (const error& e) {
            EXPECT_EQ(e.code(), std::make_error_code(std::errc::no_space_on_device));
            EXPECT_THAT(e.what(), testing::HasSubstr("copy across file systems failed"));
            EXPECT_THAT(e.what(), testing::HasSubstr(target.string()));
            EXPECT_THAT(e.what(), testing::HasSubstr(name.string()));
            EXPECT_EQ(e.path1(), name);
            EXPECT_EQ(e.path2(), target);
          }
          std::error_code ec;
          EXPECT_FALSE(f.persist(target, {.cross_device = true}, ec));
          EXPECT_EQ(ec, std::make_error_code(std::errc::no_space_on_device));
          EXPECT_EQ(list_dir(there), std::set<std::string>{}) << "the copy is left";
          // Handed back: the same temporary, name, data and position.
          EXPECT_EQ(f.name(), name);
          EXPECT_EQ(f.tell(), 12345);
          if constexpr (is_named<F>) {
            EXPECT_EQ(read_file(name), content);
          }
          f.seek(0);
          EXPECT_EQ(f.read(), content);
        });
        EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"})
            << "the temporary is not removed at close any more";
      },
      "size=64k,mode=0700", true);
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// Clears this process's capabilities (effective, permitted, inheritable): in a user namespace
// of its own a process that is not root still has them there.
bool drop_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  return ::syscall(SYS_capset, &header, data.data()) == 0;
}

// The directory sync after the final step fails (the target's directory cannot be opened):
// the file is at the target, the object refers to it and removes nothing.
TEST_F(PersistCrossDeviceTest, ADirectorySyncFailureAfterTheCopyIsPublishedIsItsOwnOutcome) {
  fs::permissions(scratch(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  const fs::path work = make_subdir("work");
  fs::permissions(work, fs::perms::all);
  const std::string skipped = across([&](const fs::path& there) {
    fs::permissions(there, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const fs::path unreadable = there / "unreadable";
    fs::create_directory(unreadable);
    fs::permissions(unreadable, fs::perms::owner_write | fs::perms::owner_exec |
                                    fs::perms::group_write | fs::perms::group_exec |
                                    fs::perms::others_write | fs::perms::others_exec);
    const fs::path target = unreadable / "t";
    const int status = run_in_child([&] {
      // A process that is not root may run in a user namespace of its own here (across()),
      // where it has every capability: those go too, so that permissions apply.
      if (!become_unprivileged() || !drop_capabilities()) {
        return 10;
      }
      NamedTemporaryFile f({.dir = work});
      const fs::path name = f.name();
      f.write(std::string_view("data"));
      try {
        f.persist(target, {.durable = true, .cross_device = true});
        return 11;
      } catch (const persisted_not_durable_error& e) {
        if (e.code() != std::make_error_code(std::errc::permission_denied)) {
          return 12;
        }
      }
      if (f.name() != target || fs::exists(fs::symlink_status(name)) ||
          identity_of_fd(f.fileno()) != identity_of(target)) {
        return 13;
      }
      f.close();
      return 0;
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(read_file(target), "data");
    fs::permissions(unreadable, fs::perms::owner_all);
    fs::remove_all(unreadable);
    fs::permissions(there, fs::perms::owner_all);
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
  EXPECT_EQ(list_dir(work), std::set<std::string>{});
  fs::remove(work);
}

// ---- durable: the fsyncs, in order, seen by strace -----------------------------------------

TEST_F(PersistCrossDeviceTest, DurableSyncsTheCopyBeforeItsNameAndTheDirectoryAfter) {
  if (!strace_works()) {
    GTEST_SKIP() << "strace is missing or ptrace is not permitted here";
  }
  const fs::path dir = make_subdir("d");
  std::vector<std::string> kinds = {"named-cross"};
  if (unnamed_files_link_here()) {
    kinds.emplace_back("temporary-cross");
  }
  const std::string skipped = across([&](const fs::path& there) {
    const fs::path target = there / "target";
    for (const std::string& kind : kinds) {
      for (const bool overwrite : {true, false}) {
        SCOPED_TRACE(kind + (overwrite ? " overwrite" : " no-clobber"));
        const Trace durable = trace_driver(kind, dir, target, overwrite, true);
        const int status = durable.status;
        const std::vector<std::string>& lines = durable.lines;
        const std::string text = joined(lines);
        ASSERT_EQ(status, 0) << text;
        EXPECT_EQ(read_file(target), "payload");
        // The copy: made in the target's directory (O_TMPFILE, or a named file, O_EXCL)...
        std::smatch created;
        const int made = find_line(lines,
                                   "^openat\\(AT_FDCWD, \"" + there.string() +
                                       R"([^"]*", [^)]*(O_EXCL|O_TMPFILE)[^)]*\) = (\d+))",
                                   &created);
        ASSERT_GE(made, 0) << text;
        const std::string copy_fd = created[2].str();
        // ...synced before the name reaches it (the successful rename or link to the target)...
        const int named = find_line(lines, "^(rename|renameat|renameat2|link|linkat)\\(.*\"" +
                                               target.string() + "\".*= 0$");
        ASSERT_GE(named, 0) << text;
        const int copy_sync = find_line(lines, "^fsync\\(" + copy_fd + "\\)\\s*= 0", nullptr,
                                        static_cast<std::size_t>(made));
        ASSERT_GE(copy_sync, 0) << text;
        EXPECT_LT(copy_sync, named) << text;
        // ...and the target's directory, opened after that, synced after it.
        std::smatch dir_open;
        const int opened = find_line(lines,
                                     "^openat\\(AT_FDCWD, \"" + there.string() +
                                         R"(", O_RDONLY[^)]*O_DIRECTORY[^)]*\) = (\d+))",
                                     &dir_open, static_cast<std::size_t>(named));
        ASSERT_GE(opened, 0) << text;
        EXPECT_GE(find_line(lines, "^fsync\\(" + dir_open[1].str() + "\\)\\s*= 0", nullptr,
                            static_cast<std::size_t>(opened)),
                  0)
            << text;
        EXPECT_EQ(list_dir(there), std::set<std::string>{"target"});
        fs::remove(target);
        // Control: without durable, no fsync at all, and the same outcome.
        const Trace fast = trace_driver(kind, dir, target, overwrite, false);
        ASSERT_EQ(fast.status, 0) << joined(fast.lines);
        EXPECT_EQ(find_line(fast.lines, "^f(data)?sync\\("), -1) << joined(fast.lines);
        EXPECT_EQ(read_file(target), "payload");
        EXPECT_EQ(list_dir(there), std::set<std::string>{"target"});
        fs::remove(target);
      }
    }
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
  EXPECT_EQ(list_dir(dir), std::set<std::string>{});
  fs::remove(dir);
}

// ---- crash: SIGKILL before each step -------------------------------------------------------

TEST_F(PersistCrossDeviceTest, CrashAtEachStepLeavesTheOldOrTheNewFileAndOnlyDebrisSweepRemoves) {
  using objects::PersistStep;
  const bool unnamed_sources = unnamed_files_link_here();
  const std::string skipped = across([&](const fs::path& there) {
    const bool unnamed_copies = copies_are_unnamed_in(there);
    const fs::path here = scratch() / "crash";
    fs::create_directory(here);
    const fs::path target = there / "target";
    using Target = TargetAfterCrash;
    struct Case {
      bool named_source;
      bool overwrite;
      PersistStep step;
      int occurrence;
      Target target;
      std::size_t left_here;   // the temporary's own name
      std::size_t left_there;  // a named copy, or a staged name, beside the target
      bool complete;           // what is left there holds every byte
    };
    std::vector<Case> cases;
    for (const bool named_source : {true, false}) {
      if (!named_source && !unnamed_sources) {
        continue;
      }
      for (const bool overwrite : {true, false}) {
        const Target before = overwrite ? Target::old_file : Target::absent;
        const std::size_t here_before = named_source ? 1 : 0;
        const std::size_t named_copy = unnamed_copies ? 0 : 1;
        // The object's own final step came first, and failed with EXDEV.
        PersistStep own = PersistStep::rename;
        if (!named_source) {
          own = overwrite ? PersistStep::link_staged : PersistStep::link;
        }
        const auto occurrence = [&](PersistStep step) { return step == own ? 2 : 1; };
        cases.push_back({named_source, overwrite, PersistStep::copy, 1, before, here_before,
                         named_copy, false});
        cases.push_back({named_source, overwrite, PersistStep::sync_copy, 1, before, here_before,
                         named_copy, true});
        if (!unnamed_copies) {
          cases.push_back({named_source, overwrite, PersistStep::rename,
                           occurrence(PersistStep::rename), before, here_before, 1, true});
        } else if (overwrite) {
          cases.push_back({named_source, overwrite, PersistStep::link_staged,
                           occurrence(PersistStep::link_staged), before, here_before, 0, true});
          cases.push_back({named_source, overwrite, PersistStep::rename_staged,
                           occurrence(PersistStep::rename_staged), before, here_before, 1, true});
        } else {
          cases.push_back({named_source, overwrite, PersistStep::link,
                           occurrence(PersistStep::link), before, here_before, 0, true});
        }
        cases.push_back({named_source, overwrite, PersistStep::withdraw, 1, Target::new_file,
                         here_before, 0, true});
        cases.push_back({named_source, overwrite, PersistStep::sync_directory, 1, Target::new_file,
                         0, 0, true});
      }
    }
    const std::string old_content = pattern(1 << 16);
    const std::string new_content(std::size_t{1} << 18U, 'n');
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(c.named_source ? "named" : "temporary") +
                   (c.overwrite ? " overwrite" : " no-clobber") + ", killed before step " +
                   std::to_string(static_cast<int>(c.step)) + " #" + std::to_string(c.occurrence));
      if (c.overwrite) {
        write_file(target, old_content);
      }
      const int status = run_in_child([&] {
        act_before(c.step, c.occurrence, [] { ::kill(::getpid(), SIGKILL); });
        return persist_until_killed(
            c.named_source, here, new_content, target,
            {.overwrite = c.overwrite, .durable = true, .cross_device = true});
      });
      EXPECT_EQ(status, 128 + SIGKILL) << "the child was not killed at the step";
      expect_target_after_crash(c.target, target, old_content, new_content);
      std::set<std::string> left = list_dir(there);
      left.erase("target");
      EXPECT_EQ(left.size(), c.left_there) << testing::PrintToString(left);
      for (const std::string& name : left) {
        EXPECT_TRUE(is_staged_name(name)) << name;
        if (c.complete) {
          EXPECT_EQ(read_file(there / name), new_content) << name << " is not a complete copy";
        }
      }
      EXPECT_EQ(list_dir(here).size(), c.left_here) << testing::PrintToString(list_dir(here));
      // What is left is sweep()'s to remove, the dead owner's lock gone.
      const SweepResult swept_there = sweep(there, {.prefix = ".tmp", .min_age = 0s});
      EXPECT_EQ(swept_there.removed.size(), c.left_there);
      EXPECT_EQ(sweep(here, {.min_age = 0s}).removed.size(), c.left_here);
      left = list_dir(there);
      left.erase("target");
      EXPECT_TRUE(left.empty()) << testing::PrintToString(left);
      EXPECT_TRUE(list_dir(here).empty());
      fs::remove(target);
    }
    objects::set_persist_step_hook(nullptr);
    fs::remove(here);
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// ---- into a held directory on the other file system ---------------------------------------

// A relative target named through a held directory (PersistOptions::dir = a tempfile::Directory)
// on another file system than the temporary's. Without cross_device: EXDEV with the message that
// says what to do, naming the held path joined with the target, and the object handed back as it
// was (open, its data, still removing its temporary). With cross_device: the copy is made and
// published inside the held directory, over the old file there, with nothing staged left.
TEST_F(PersistCrossDeviceTest, IntoAHeldDirectoryItIsExdevUnlessCopiedThenItLandsInside) {
  const std::string skipped = across([&](const fs::path& there) {
    fs::create_directory(there / "held");
    const Directory held(there / "held");
    const fs::path target = there / "held" / "target";
    for_each_kind([&](auto& f) {
      using F = std::decay_t<decltype(f)>;
      const fs::path own = f.name();
      f.write(std::string_view("data"));
      try {
        f.persist("target", {.dir = held});
        ADD_FAILURE() << "a rename across file systems succeeded";
      } catch (const error& e) {
        EXPECT_EQ(e.code(), std::make_error_code(std::errc::cross_device_link));
        EXPECT_THAT(e.what(), testing::HasSubstr("`dir`"));
        EXPECT_THAT(e.what(), testing::HasSubstr(target.string()));
      }
      EXPECT_EQ(list_dir(there / "held"), std::set<std::string>{}) << "nothing may be published";
      EXPECT_EQ(f.name(), own);
      f.write(std::string_view(" more"));  // still open, at its position
      f.seek(0);
      EXPECT_EQ(f.read(), "data more");
      if constexpr (is_named<F>) {
        f.flush();
        EXPECT_EQ(read_file(own), "data more") << "the temporary is still under its name";
      }

      write_file(target, "the old file");
      f.persist("target", {.cross_device = true, .dir = held});
      EXPECT_EQ(read_file(target), "data more");
      EXPECT_EQ(identity_of_fd(f.fileno()), identity_of(target));
      if constexpr (is_named<F>) {
        EXPECT_EQ(f.name(), target) << "the held path joined with the target";
        EXPECT_FALSE(fs::exists(fs::symlink_status(own))) << "the temporary is left";
      }
      EXPECT_EQ(list_dir(there / "held"), std::set<std::string>{"target"}) << "staged debris";
      EXPECT_EQ(list_dir(scratch()), std::set<std::string>{"other-fs"});
      f.close();
      fs::remove(target);
    });
    fs::remove(there / "held");
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

// The same copy after the held directory's path was swapped for a symbolic link to another
// directory: the copy is still made and published in the directory that was opened. Positive
// control: the same target given by path lands in the other directory.
TEST_F(PersistCrossDeviceTest, AHeldDirectorySwappedAfterTheOpenStillGetsTheCopy) {
  const std::string skipped = across([&](const fs::path& there) {
    fs::create_directory(there / "held");
    const Directory held(there / "held");
    swap_for_symlink(there / "held", there / "moved", there / "elsewhere");
    {
      NamedTemporaryFile control;
      control.persist(there / "held" / "control", {.cross_device = true});
    }
    EXPECT_EQ(list_dir(there / "elsewhere"), std::set<std::string>{"control"})
        << "the swap does redirect publication by path";
    fs::remove(there / "elsewhere" / "control");
    for_each_kind([&](auto& f) {
      f.write(std::string_view("copied"));
      f.persist("target", {.cross_device = true, .dir = held});
      EXPECT_EQ(read_file(there / "moved" / "target"), "copied");
      EXPECT_EQ(list_dir(there / "moved"), std::set<std::string>{"target"}) << "staged debris";
      EXPECT_EQ(list_dir(there / "elsewhere"), std::set<std::string>{})
          << "nothing may reach the directory swapped in";
      f.close();
      fs::remove(there / "moved" / "target");
    });
    fs::remove(there / "held");
    fs::remove(there / "moved");
    fs::remove(there / "elsewhere");
  });
  if (!skipped.empty()) {
    GTEST_SKIP() << skipped;
  }
}

}  // namespace
}  // namespace tempfile::test
