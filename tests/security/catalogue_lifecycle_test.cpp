// SPDX-License-Identifier: MIT
// security.md B2 (systemd-tmpfiles ageing a live TemporaryDirectory), B3 (repeated and failed
// cleanup, then the destructor), B4 (self-move and swap) and D3 (std::exit, an exception that
// escapes main, destructors during stack unwinding).
#include <gmock/gmock.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): SIGABRT's number for wait statuses
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "catalogue.hpp"
#include "harness.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using catalogue::run_program;
using catalogue::value_of;
using catalogue::values_of;

class CatalogueLifecycleTest : public ScratchTest {};

// ---- B2 ----

// B2: systemd-tmpfiles ages a lab directory (private config `d <lab> 0755 - - 1s`, then
// --clean after 2 s). It skips a directory on which someone holds a BSD lock, so the live
// TemporaryDirectory (shared flock for its life) survives with its contents; the positive
// controls, a plain directory and a TemporaryDirectory made with lock = false, are removed, and
// that one's cleanup then finds its tree gone without an error. systemd-tmpfiles honours a
// lock on a regular file from version 254 on: there the locked NamedTemporaryFile survives, and
// before it (Debian 12 has 252) it is removed although it is open, the documented limit of
// those versions; a NamedTemporaryFile made with lock = false is removed by every version.
TEST_F(CatalogueLifecycleTest, B2_TmpfilesAgeingSkipsTheLockedTemporaryDirectory) {
  const catalogue::ProgramRun version = run_program({"systemd-tmpfiles", "--version"});
  if (version.status != 0) {
    GTEST_SKIP() << "systemd-tmpfiles is not installed (Debian package systemd)";
  }
  // "systemd 252 (252.38-1~deb12u1)": the number after the first space.
  const std::size_t number_at = version.output.find("systemd ");
  ASSERT_NE(number_at, std::string::npos) << version.output;
  int tmpfiles_version = 0;
  const char* number = version.output.data() + number_at + std::string_view("systemd ").size();
  std::from_chars(number, version.output.data() + version.output.size(), tmpfiles_version);
  ASSERT_GT(tmpfiles_version, 200) << version.output;
  const bool honours_file_locks = tmpfiles_version >= 254;
  const fs::path lab = make_subdir("lab");
  const fs::path config = scratch() / "lab.conf";
  write_file(config, "d " + lab.native() + " 0755 root root 1s\n");
  write_file(lab / "plain-file", "aged");
  fs::create_directory(lab / "control");
  write_file(lab / "control" / "f", "aged");
  std::optional<TemporaryDirectory> live;
  live.emplace(TemporaryDirectoryOptions{.dir = lab});
  write_file(live->path() / "f", "still needed");
  fs::create_directory(live->path() / "sub");
  write_file(live->path() / "sub" / "g", "still needed");
  std::optional<TemporaryDirectory> unlocked;
  unlocked.emplace(TemporaryDirectoryOptions{.dir = lab, .lock = false});
  write_file(unlocked->path() / "f", "aged");
  std::optional<NamedTemporaryFile> named;
  named.emplace(NamedTemporaryFileOptions{.dir = lab});
  named->write(std::string_view("named"));
  named->flush();
  std::optional<NamedTemporaryFile> named_unlocked;
  named_unlocked.emplace(NamedTemporaryFileOptions{.dir = lab, .lock = false});
  named_unlocked->write(std::string_view("named"));
  named_unlocked->flush();

  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  const catalogue::ProgramRun clean = run_program({"systemd-tmpfiles", "--clean", config});
  ASSERT_EQ(clean.status, 0) << clean.output;

  // The controls: the cleaner did age this lab.
  EXPECT_FALSE(exists_no_follow(lab / "plain-file"));
  EXPECT_FALSE(exists_no_follow(lab / "control"));
  EXPECT_FALSE(exists_no_follow(unlocked->path())) << "a directory without a lock survived";
  // The locked one, and everything in it, is untouched.
  EXPECT_EQ(snapshot(live->path() / "f").content, "still needed");
  EXPECT_EQ(snapshot(live->path() / "sub" / "g").content, "still needed");
  // A locked named file is protected where the version honours file locks, and only there;
  // an unlocked one never is ...
  EXPECT_EQ(exists_no_follow(named->name()), honours_file_locks) << version.output;
  EXPECT_FALSE(exists_no_follow(named_unlocked->name()));
  // ... and the objects whose entries vanished clean up without an error.
  EXPECT_NO_THROW(unlocked->cleanup());
  EXPECT_NO_THROW(named->close());
  EXPECT_NO_THROW(named_unlocked->close());
  named.reset();
  named_unlocked.reset();
  unlocked.reset();
  const fs::path live_path = live->path();
  live.reset();
  EXPECT_FALSE(exists_no_follow(live_path));
  EXPECT_TRUE(list_dir(lab).empty());
  EXPECT_TRUE(fs::remove(lab));
  EXPECT_TRUE(fs::remove(config));
}

// ---- B3 ----

// B3: once cleanup() or close() removed the entry, a later cleanup/close and the destructor do
// nothing, even when someone else has meanwhile made a new entry under the same name.
TEST_F(CatalogueLifecycleTest, B3_RepeatedCleanupAndTheDestructorLeaveANewEntryUnderTheName) {
  fs::path directory_name;
  {
    TemporaryDirectory directory;
    directory_name = directory.path();
    directory.cleanup();
    directory.cleanup();
    fs::create_directory(directory_name);  // someone else's now
    write_file(directory_name / "theirs", "not ours");
    directory.cleanup();
  }
  EXPECT_EQ(snapshot(directory_name / "theirs").content, "not ours");
  fs::remove_all(directory_name);

  fs::path file_name;
  {
    NamedTemporaryFile file;
    file_name = file.name();
    file.close();
    file.close();
    write_file(file_name, "not ours");
    file.close();
  }
  EXPECT_EQ(snapshot(file_name).content, "not ours");
  fs::remove(file_name);

  {
    SpooledTemporaryFile spooled({.max_size = 10});
    spooled.write(std::string_view("more than ten bytes"));
    ASSERT_TRUE(spooled.rolled());
    spooled.close();
    spooled.close();
    EXPECT_TRUE(spooled.closed());
  }
  EXPECT_TRUE(list_dir(scratch()).empty());
}

// B3: cleanup() and close() report a failure (they may throw); calling them again reports it
// again or not at all, and the destructor afterwards neither throws nor terminates. Run in a
// child, as uid 65534 so that a read-only directory really refuses the unlink.
TEST_F(CatalogueLifecycleTest, B3_FailedCleanupThenTheDestructorIsQuiet) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0);
  const fs::path impostor_target = make_subdir("elsewhere");
  write_file(impostor_target / "sentinel", "outside");
  const ChildRun child = run_child([&](std::string& out) {
    if (permissions_are_bypassed() && !become_unprivileged()) {
      out = std::string("become_unprivileged failed: ") + std::strerror(errno);
      return 1;
    }
    {
      // The root replaced by a symbolic link: cleanup() refuses and says so, every time.
      TemporaryDirectory directory({.dir = work});
      const fs::path name = directory.path();
      fs::rename(name, work / "moved");
      fs::create_directory_symlink(impostor_target, name);
      for (int attempt = 0; attempt < 2; ++attempt) {
        try {
          directory.cleanup();
          out += "cleanup() of a replaced root did not throw\n";
        } catch (const tempfile::error& failure) {
          add_fact(out, "cleanup_errno", std::to_string(failure.code().value()));
        }
      }
      add_fact(out, "impostor", name.native());
    }  // the destructor: quiet
    {
      // A directory nobody may write: close()'s unlink fails with EACCES, then close() again.
      const fs::path locked = work / "locked";
      fs::create_directory(locked);
      NamedTemporaryFile file({.dir = locked});
      file.write(std::string_view("x"));
      ::chmod(locked.c_str(), 0500);
      try {
        file.close();
        out += "close() in a read-only directory did not throw\n";
      } catch (const tempfile::error& failure) {
        add_fact(out, "close_errno", std::to_string(failure.code().value()));
      }
      try {
        file.close();
      } catch (const std::exception& failure) {
        out += std::string("second close() threw: ") + failure.what() + "\n";
      }
      add_fact(out, "left_file", file.name().native());
    }  // the destructor: quiet
    add_fact(out, "survived", "yes");
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;  // 134 (SIGABRT) would be std::terminate
  EXPECT_EQ(fact(child.output, "survived"), "yes");
  EXPECT_EQ(fact(child.output, "cleanup_errno"), std::to_string(ESTALE)) << child.output;
  EXPECT_EQ(fact(child.output, "close_errno"), std::to_string(EACCES)) << child.output;
  EXPECT_THAT(child.output, ::testing::Not(::testing::HasSubstr("did not throw")));
  EXPECT_THAT(child.output, ::testing::Not(::testing::HasSubstr("second close() threw")));
  // What could not be removed is still there, and nothing outside was touched.
  EXPECT_TRUE(fs::is_symlink(fact(child.output, "impostor").value_or("")));
  EXPECT_EQ(snapshot(impostor_target / "sentinel").content, "outside");
  EXPECT_TRUE(exists_no_follow(fact(child.output, "left_file").value_or("")));
  force_remove_all(work);
  force_remove_all(impostor_target);
}

// ---- B4 ----

// B4: a self-move leaves the object as it was (it still owns, and removes, its entry).
TEST_F(CatalogueLifecycleTest, B4_SelfMoveAssignmentKeepsTheEntry) {
  fs::path file_name;
  fs::path directory_name;
  {
    NamedTemporaryFile file;
    TemporaryDirectory directory;
    SpooledTemporaryFile spooled;
    TemporaryFile unnamed;
    // Through references: the compilers rightly warn about a literal `x = std::move(x)`.
    NamedTemporaryFile& file_alias = file;
    TemporaryDirectory& directory_alias = directory;
    SpooledTemporaryFile& spooled_alias = spooled;
    TemporaryFile& unnamed_alias = unnamed;
    file = std::move(file_alias);
    directory = std::move(directory_alias);
    spooled = std::move(spooled_alias);
    unnamed = std::move(unnamed_alias);
    file_name = file.name();
    directory_name = directory.path();
    EXPECT_TRUE(fs::is_regular_file(file_name));
    EXPECT_TRUE(fs::is_directory(directory_name));
    for (tempfile::File* open : std::initializer_list<tempfile::File*>{&file, &spooled, &unnamed}) {
      EXPECT_FALSE(open->closed());
      open->write(std::string_view("still usable"));
      open->seek(0);
      EXPECT_EQ(open->read(), "still usable");
    }
  }
  EXPECT_FALSE(exists_no_follow(file_name));
  EXPECT_FALSE(exists_no_follow(directory_name));
}

// B4: std::swap (a move construction and two move assignments) exchanges the entries; each is
// removed exactly when its final owner is destroyed, and the swap itself removes nothing.
TEST_F(CatalogueLifecycleTest, B4_SwapExchangesEntriesAndOnlyTheFinalOwnerRemoves) {
  std::optional<NamedTemporaryFile> file_a(std::in_place);
  std::optional<NamedTemporaryFile> file_b(std::in_place);
  std::optional<TemporaryDirectory> dir_a(std::in_place);
  std::optional<TemporaryDirectory> dir_b(std::in_place);
  const fs::path file_a_name = file_a->name();
  const fs::path file_b_name = file_b->name();
  const fs::path dir_a_name = dir_a->path();
  const fs::path dir_b_name = dir_b->path();
  file_a->write(std::string_view("a"));

  std::swap(*file_a, *file_b);
  std::swap(*dir_a, *dir_b);
  for (const fs::path& path : {file_a_name, file_b_name, dir_a_name, dir_b_name}) {
    EXPECT_TRUE(exists_no_follow(path)) << path << " removed by the swap";
  }
  EXPECT_EQ(file_a->name(), file_b_name);
  EXPECT_EQ(file_b->name(), file_a_name);
  EXPECT_EQ(dir_a->path(), dir_b_name);
  EXPECT_EQ(dir_b->path(), dir_a_name);
  file_b->flush();
  EXPECT_EQ(snapshot(file_a_name).content, "a") << "the buffered write went with its file";

  file_a.reset();
  dir_a.reset();
  EXPECT_FALSE(exists_no_follow(file_b_name));
  EXPECT_FALSE(exists_no_follow(dir_b_name));
  EXPECT_TRUE(exists_no_follow(file_a_name));
  EXPECT_TRUE(exists_no_follow(dir_a_name));
  file_b.reset();
  dir_b.reset();
  EXPECT_FALSE(exists_no_follow(file_a_name));
  EXPECT_FALSE(exists_no_follow(dir_a_name));
}

// ---- D3 ----

// D3: objects destroyed while an exception unwinds the stack clean up, and one whose cleanup
// fails (its root replaced by a symbolic link) neither throws nor terminates: the exception
// arrives at its handler. In a child, where std::terminate would show as SIGABRT.
TEST_F(CatalogueLifecycleTest, D3_DestructorsDuringStackUnwindingCleanUpAndNeverTerminate) {
  const fs::path work = make_subdir("work");
  const fs::path outside = make_subdir("outside");
  write_file(outside / "sentinel", "outside");
  const ChildRun child = run_child([&](std::string& out) {
    try {
      TemporaryDirectory directory({.dir = work});
      write_file(directory.path() / "f", "x");
      NamedTemporaryFile file({.dir = work});
      file.write(std::string_view("buffered, unflushed"));
      TemporaryDirectory broken({.dir = work});
      fs::rename(broken.path(), work / "moved");
      fs::create_directory_symlink(outside, broken.path());
      add_fact(out, "directory", directory.path().native());
      add_fact(out, "file", file.name().native());
      add_fact(out, "broken", broken.path().native());
      throw std::runtime_error("unwinding");
    } catch (const std::runtime_error& caught) {
      add_fact(out, "caught", caught.what());
    }
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "caught"), "unwinding");
  EXPECT_FALSE(exists_no_follow(fact(child.output, "directory").value_or("/")));
  EXPECT_FALSE(exists_no_follow(fact(child.output, "file").value_or("/")));
  EXPECT_TRUE(fs::is_symlink(fact(child.output, "broken").value_or("")));
  EXPECT_EQ(list_dir(outside), std::set<std::string>{"sentinel"});
  EXPECT_EQ(snapshot(outside / "sentinel").content, "outside");
  force_remove_all(work);
  force_remove_all(outside);
}

// D3: std::exit runs the exit handler (locals are skipped by exit, so it removes them) and the
// destructors of statics; an exception escaping main calls std::terminate, which aborts:
// nothing runs then, so everything stays (docs/cleanup.md: "abort ... nothing").
TEST_F(CatalogueLifecycleTest, D3_StdExitCleansUpAndAnExceptionEscapingMainCleansNothing) {
  const fs::path dir = make_subdir("ends");
  const catalogue::ProgramRun exited = run_program(
      {catalogue::driver(), "end", "exit", dir.native()}, catalogue::sanitizer_environment());
  EXPECT_EQ(exited.status, 3) << exited.output;
  const std::vector<std::string> exit_paths = values_of(exited.output, "path");
  EXPECT_EQ(exit_paths.size(), 3U) << exited.output;
  EXPECT_TRUE(list_dir(dir).empty());

  const catalogue::ProgramRun thrown = run_program(
      {catalogue::driver(), "end", "throw", dir.native()}, catalogue::sanitizer_environment());
  EXPECT_EQ(thrown.status, 128 + SIGABRT) << thrown.output;
  const std::vector<std::string> throw_paths = values_of(thrown.output, "path");
  ASSERT_EQ(throw_paths.size(), 3U) << thrown.output;
  for (const std::string& path : throw_paths) {
    EXPECT_TRUE(exists_no_follow(path)) << path << " removed although nothing could run";
  }
  EXPECT_EQ(list_dir(dir).size(), 3U);
  force_remove_all(dir);
}

}  // namespace
}  // namespace tempfile::test
