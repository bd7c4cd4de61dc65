// SPDX-License-Identifier: MIT
// The tree remover: what it removes, what it leaves and reports, the system calls it makes, and
// its bounded descriptors on a 10,000-deep chain under `ulimit -n 64`.
#include "os/remove_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "os/entry_identity.hpp"
#include "os/fd.hpp"
#include "os/sys.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::os {
namespace {

namespace fs = std::filesystem;
using test::exists_no_follow;
using test::list_dir;

std::string describe(const std::vector<RemovalFailure>& failures) {
  std::string text;
  for (const RemovalFailure& failure : failures) {
    text += " '" + failure.path + "' (" + std::strerror(failure.error) + ")";
  }
  return text.empty() ? " none" : text;
}

void write_text(const fs::path& path, const std::string& text) {
  const FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path << ": " << std::strerror(errno);
  ASSERT_EQ(write_all(fd.get(), text.data(), text.size()), 0);
}

std::string read_text(const fs::path& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string text(4096, '\0');
  std::size_t got = 0;
  if (!fd.valid() || read_some(fd.get(), text.data(), text.size(), got) != 0) {
    return "<unreadable>";
  }
  text.resize(got);
  return text;
}

// Builds a chain `depth` directories deep below `dirfd`/`top` with descriptor-relative calls
// only (its paths are far beyond PATH_MAX), a file at the bottom.
void make_chain(int dirfd, const char* top, int depth, const std::string& name) {
  ASSERT_EQ(::mkdirat(dirfd, top, 0700), 0) << std::strerror(errno);
  FileDescriptor current(::openat(dirfd, top, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(current.valid());
  for (int level = 1; level < depth; ++level) {
    ASSERT_EQ(::mkdirat(current.get(), name.c_str(), 0700), 0) << level << std::strerror(errno);
    FileDescriptor next(::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(next.valid()) << level;
    current = std::move(next);
  }
  const FileDescriptor file(
      ::openat(current.get(), "bottom", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  ASSERT_TRUE(file.valid());
}

// A private directory on /dev/shm when that is a writable tmpfs (deep and wide trees are
// built there: ext4 with discard pays ~0.1 ms per mkdir), else a subdirectory of the scratch
// directory. Tests leave it empty; it is removed with whatever is left at the end of the scope.
class FastDirectory {
 public:
  explicit FastDirectory(const fs::path& fallback) {
    constexpr auto tmpfs_magic = 0x01021994;
    struct statfs info {};
    std::string pattern = "/dev/shm/tempfile-remove-tree.XXXXXX";
    if (::statfs("/dev/shm", &info) == 0 && info.f_type == tmpfs_magic &&
        ::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    } else {
      path_ = fallback / "fast";
      fs::create_directory(path_);
    }
  }
  FastDirectory(const FastDirectory&) = delete;
  FastDirectory& operator=(const FastDirectory&) = delete;
  FastDirectory(FastDirectory&&) = delete;
  FastDirectory& operator=(FastDirectory&&) = delete;
  ~FastDirectory() { test::force_remove_all(path_); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Records the steps the remover announces, and lets a test act at one of them.
class Recorder final : public RemovalObserver {
 public:
  using Action = std::function<void(Step, const std::string&)>;
  explicit Recorder(Action action = {}) : action_(std::move(action)) {}
  void before(Step step, const std::string& path) noexcept override {
    steps.emplace_back(step, path);
    if (action_) {
      action_(step, path);
    }
  }
  std::vector<std::pair<Step, std::string>> steps;

 private:
  Action action_;
};

int fix_modes(const Recorder& recorder) {
  int count = 0;
  for (const auto& [step, path] : recorder.steps) {
    count += step == RemovalObserver::Step::fix_mode ? 1 : 0;
  }
  return count;
}

class RemoveTreeTest : public test::ScratchTest {
 protected:
  // remove_tree(<scratch>, name), recording the failures.
  Errno remove(const char* name) {
    failures_.clear();
    return remove_tree(current_directory_fd, name, failures_);
  }
  std::vector<RemovalFailure> failures_;
};

TEST_F(RemoveTreeTest, EmptyDirectory) {
  ASSERT_EQ(::mkdir("t", 0700), 0);
  EXPECT_EQ(remove("t"), 0);
  EXPECT_TRUE(failures_.empty()) << describe(failures_);
  EXPECT_FALSE(exists_no_follow("t"));
}

TEST_F(RemoveTreeTest, NestedFilesAndDirectories) {
  fs::create_directories("t/a/b/c/d");
  fs::create_directories("t/a/empty");
  fs::create_directories("t/e");
  for (const char* file : {"t/f", "t/a/g", "t/a/b/h", "t/a/b/c/d/i", "t/e/j"}) {
    write_text(file, std::string(100, 'x'));
  }
  for (int i = 0; i < 300; ++i) {  // more than one getdents64 buffer of names in no case, but many
    write_text("t/a/b/many" + std::to_string(i), "");
  }
  EXPECT_EQ(remove("t"), 0);
  EXPECT_TRUE(failures_.empty()) << describe(failures_);
  EXPECT_FALSE(exists_no_follow("t"));
}

// A directory of 10,000 entries with long names fills several 64 KiB getdents64 buffers while
// entries are being removed; a wide tree has many subdirectories per level.
TEST_F(RemoveTreeTest, LargeFlatAndWideDirectories) {
  const FastDirectory fast(scratch());
  const fs::path flat = fast.path() / "flat";
  fs::create_directory(flat);
  const std::string long_name(100, 'n');
  for (int i = 0; i < 10000; ++i) {
    write_text(flat / (long_name + std::to_string(i)), "");
  }
  const fs::path wide = fast.path() / "wide";
  for (int i = 0; i < 200; ++i) {
    const fs::path dir = wide / ("d" + std::to_string(i)) / "sub";
    fs::create_directories(dir);
    write_text(dir / "f", "");
  }
  const FileDescriptor parent(::open(fast.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (const char* name : {"flat", "wide"}) {
    failures_.clear();
    EXPECT_EQ(remove_tree(parent.get(), name, failures_), 0) << name;
    EXPECT_TRUE(failures_.empty()) << describe(failures_);
  }
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

TEST_F(RemoveTreeTest, SymbolicLinksAreRemovedNotFollowed) {
  fs::create_directories("outside/victim_dir/inner");
  write_text("outside/victim_file", "precious");
  write_text("outside/victim_dir/inner/file", "precious too");
  ASSERT_EQ(::chmod("outside/victim_file", 0400), 0);
  fs::create_directories("t/sub");
  const fs::path outside = scratch() / "outside";
  fs::create_symlink(outside / "victim_file", "t/to_file");
  fs::create_directory_symlink(outside / "victim_dir", "t/to_dir");
  fs::create_directory_symlink("../../outside/victim_dir", "t/sub/relative_to_dir");
  fs::create_directory_symlink(outside, "t/sub/to_outside");
  fs::create_symlink("self", "t/self");        // a -> a
  fs::create_symlink("cycle_b", "t/cycle_a");  // a -> b -> a
  fs::create_symlink("cycle_a", "t/cycle_b");
  EXPECT_EQ(remove("t"), 0);
  EXPECT_TRUE(failures_.empty()) << describe(failures_);
  EXPECT_FALSE(exists_no_follow("t"));
  EXPECT_EQ(read_text("outside/victim_file"), "precious");
  EXPECT_EQ(read_text("outside/victim_dir/inner/file"), "precious too");
  EXPECT_EQ(fs::status("outside/victim_file").permissions(), fs::perms::owner_read);
  fs::remove_all("outside");
}

TEST_F(RemoveTreeTest, DanglingSymbolicLinks) {
  fs::create_directories("t/sub");
  fs::create_symlink("missing", "t/dangling");
  fs::create_directory_symlink("missing/dir/", "t/sub/dangling_dir");
  fs::create_symlink("/nonexistent/tempfile/target", "t/sub/absolute");
  EXPECT_EQ(remove("t"), 0);
  EXPECT_TRUE(failures_.empty()) << describe(failures_);
  EXPECT_FALSE(exists_no_follow("t"));
}

// FIFOs are unlinked without being opened (opening one for reading would block), sockets too.
TEST_F(RemoveTreeTest, FifosAndSocketsAreRemovedWithoutOpening) {
  fs::create_directories("t/sub");
  ASSERT_EQ(::mkfifo("t/fifo", 0600), 0);
  ASSERT_EQ(::mkfifo("t/sub/fifo", 0600), 0);
  const FileDescriptor sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(sock.valid());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, "t/sub/socket");  // NOLINT: fits, and the API wants a C array
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  ASSERT_EQ(::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  const int status = test::run_in_child([] {
    ::alarm(10);  // a blocked open would end the child with SIGALRM, not hang the suite
    std::vector<RemovalFailure> failures;
    const Errno err = remove_tree(current_directory_fd, "t", failures);
    return err == 0 && failures.empty() && !exists_no_follow("t") ? 0 : 1;
  });
  EXPECT_EQ(status, 0) << (status == 128 + SIGALRM ? "the remover blocked" : "not removed");
}

// What CPython's test_modes covers (every owner mode on directories, read-only files), plus
// unreadable and unsearchable roots. Root ignores modes, so this runs as uid 65534.
TEST_F(RemoveTreeTest, C7_ReadOnlyAndUnsearchableDirectoriesAreRemoved) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0) << std::strerror(errno);
  const int status = test::run_in_child([&] {
    if (test::permissions_are_bypassed() && !test::become_unprivileged()) {
      std::perror("become_unprivileged");
      return 2;
    }
    if (::chdir(work.c_str()) != 0) {
      return 3;
    }
    // t/m<mode>/{file, sub<mode>/{file}} for every owner mode 0..7, plus a 0400 file in each.
    for (const char* root : {"t", "t000", "t500"}) {
      ::mkdir(root, 0700);
      for (unsigned mode = 0; mode < 8; ++mode) {
        const std::string dir = std::string(root) + "/m" + std::to_string(mode);
        ::mkdir(dir.c_str(), 0700);
        ::mkdir((dir + "/sub").c_str(), 0700);
        for (const std::string& file : {dir + "/file", dir + "/sub/file", dir + "/ro"}) {
          const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
          ::close(fd);
        }
        ::chmod((dir + "/ro").c_str(), 0400);
        ::chmod((dir + "/sub").c_str(), mode << 6U);
        ::chmod(dir.c_str(), mode << 6U);
      }
    }
    ::chmod("t000", 0);
    ::chmod("t500", 0500);
    int result = 0;
    for (const char* root : {"t", "t000", "t500"}) {
      std::vector<RemovalFailure> failures;
      Recorder recorder;
      const Errno err = remove_tree(current_directory_fd, root, failures, &recorder);
      if (err != 0 || !failures.empty() || exists_no_follow(root)) {
        std::fprintf(stderr, "%s: %s, failures:%s\n", root, std::strerror(err),
                     describe(failures).c_str());
        result = 1;
      }
      // Proof that the modes mattered (this is not root in disguise): fixes were needed.
      if (fix_modes(recorder) < 8) {
        std::fprintf(stderr, "%s: only %d mode fixes\n", root, fix_modes(recorder));
        result = 1;
      }
    }
    return result;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(list_dir(work).empty());
  fs::remove(work);
}

// The remover never changes the mode of the directory it was given (only the tree's own): in a
// parent nobody may write, the contents go and the root is reported.
TEST_F(RemoveTreeTest, UnwritableParentIsNeverChanged) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0);
  const int status = test::run_in_child([&] {
    if (test::permissions_are_bypassed() && !test::become_unprivileged()) {
      return 2;
    }
    if (::chdir(work.c_str()) != 0 || ::mkdir("parent", 0700) != 0 ||
        ::mkdir("parent/t", 0700) != 0 || ::mkdir("parent/t/sub", 0500) != 0 ||
        ::chmod("parent", 0555) != 0) {
      return 3;
    }
    const FileDescriptor parent(::open("parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::vector<RemovalFailure> failures;
    const Errno err = remove_tree(parent.get(), "t", failures);
    struct stat info {};
    ::stat("parent", &info);
    const bool ok = err == EACCES && failures.size() == 1 && failures[0].path.empty() &&
                    failures[0].error == EACCES && (info.st_mode & 07777U) == 0555 &&
                    list_dir("parent/t").empty();
    if (!ok) {
      std::fprintf(stderr, "err %s, parent mode %o, failures:%s\n", std::strerror(err),
                   info.st_mode & 07777U, describe(failures).c_str());
    }
    ::chmod("parent", 0700);
    ::rmdir("parent/t");
    ::rmdir("parent");
    return ok ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(list_dir(work).empty());
  fs::remove(work);
}

// The root: missing is ENOENT; a file or a symbolic link is ENOTDIR and left untouched.
TEST_F(RemoveTreeTest, RootThatIsNotADirectory) {
  EXPECT_EQ(remove("missing"), ENOENT);
  ASSERT_EQ(failures_.size(), 1U);
  EXPECT_EQ(failures_[0].path, "");
  EXPECT_EQ(failures_[0].error, ENOENT);

  write_text("file", "kept");
  EXPECT_EQ(remove("file"), ENOTDIR);
  EXPECT_EQ(read_text("file"), "kept");

  fs::create_directories("target/inner");
  fs::create_directory_symlink("target", "link");
  EXPECT_EQ(remove("link"), ENOTDIR);
  ASSERT_EQ(failures_.size(), 1U) << describe(failures_);
  EXPECT_EQ(failures_[0].path, "");
  EXPECT_TRUE(fs::is_symlink("link"));
  EXPECT_TRUE(fs::is_directory("target/inner"));
  fs::remove("file");
  fs::remove("link");
  fs::remove_all("target");
}

// Something root cannot remove either (an immutable file, chattr +i): it and its ancestors are
// left, it alone is reported, with its path and errno; everything else goes.
TEST_F(RemoveTreeTest, C8_FailuresAreReportedAndTheRestRemoved) {
  fs::create_directories("t/keep/a");
  fs::create_directories("t/other/deep");
  write_text("t/keep/a/locked", "locked");
  write_text("t/keep/a/sibling", "");
  write_text("t/keep/file", "");
  write_text("t/other/deep/file", "");
  write_text("t/z", "");
  const FileDescriptor locked(::open("t/keep/a/locked", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(locked.valid());
  int flags = 0;
  if (::ioctl(locked.get(), FS_IOC_GETFLAGS, &flags) != 0) {
    fs::remove_all("t");
    GTEST_SKIP() << "FS_IOC_GETFLAGS refused here: " << std::strerror(errno);
  }
  const int unlocked_flags = flags;
  flags |= FS_IMMUTABLE_FL;
  if (::ioctl(locked.get(), FS_IOC_SETFLAGS, &flags) != 0) {
    fs::remove_all("t");
    GTEST_SKIP() << "chattr +i (FS_IOC_SETFLAGS) refused here: " << std::strerror(errno);
  }
  const Errno err = remove("t");
  int restore = unlocked_flags;
  ASSERT_EQ(::ioctl(locked.get(), FS_IOC_SETFLAGS, &restore), 0);
  EXPECT_EQ(err, EPERM);
  ASSERT_EQ(failures_.size(), 1U) << describe(failures_);
  EXPECT_EQ(failures_[0].path, "keep/a/locked");
  EXPECT_EQ(failures_[0].error, EPERM);
  EXPECT_EQ(list_dir("t"), std::set<std::string>{"keep"});
  EXPECT_EQ(list_dir("t/keep"), std::set<std::string>{"a"});
  EXPECT_EQ(list_dir("t/keep/a"), std::set<std::string>{"locked"});
  EXPECT_EQ(read_text("t/keep/a/locked"), "locked");
  fs::remove_all("t");
}

// bpo-37260's pattern: entries deleted by somebody else during the walk are not errors.
TEST_F(RemoveTreeTest, C13_EntriesRemovedMeanwhileAreIgnored) {
  fs::create_directories("t/a/x");
  fs::create_directories("t/b/y");
  fs::create_directories("t/c");
  write_text("t/b/y/file", "");
  write_text("t/c/file", "");
  bool acted = false;
  Recorder recorder([&](RemovalObserver::Step step, const std::string& path) {
    if (step == RemovalObserver::Step::descend && !acted) {
      acted = true;  // first descent: the others vanish before the remover gets to them
      std::error_code ec;
      for (const char* other : {"t/a", "t/b", "t/c"}) {
        if (path != fs::path(other).filename()) {
          fs::remove_all(other, ec);
        }
      }
      fs::remove_all("t/" + path, ec);  // and the one it is about to open
    }
  });
  EXPECT_EQ(remove_tree(current_directory_fd, "t", failures_, &recorder), 0);
  EXPECT_TRUE(acted);
  EXPECT_TRUE(failures_.empty()) << describe(failures_);
  EXPECT_FALSE(exists_no_follow("t"));
}

// Somebody keeps adding files to a directory being removed: a bounded number of rescans, then
// ENOTEMPTY for that directory (the remover must end).
TEST_F(RemoveTreeTest, C13_DirectoryThatKeepsFillingUpIsReported) {
  fs::create_directories("t/busy");
  int added = 0;
  Recorder recorder([&](RemovalObserver::Step step, const std::string& path) {
    if (step == RemovalObserver::Step::remove_directory && path == "busy") {
      write_text("t/busy/new" + std::to_string(added++), "");
    }
  });
  EXPECT_EQ(remove_tree(current_directory_fd, "t", failures_, &recorder), ENOTEMPTY);
  ASSERT_EQ(failures_.size(), 1U) << describe(failures_);
  EXPECT_EQ(failures_[0].path, "busy");
  EXPECT_EQ(failures_[0].error, ENOTEMPTY);
  EXPECT_EQ(added, 4);                       // the first removal and three rescans
  EXPECT_EQ(list_dir("t/busy").size(), 1U);  // the last file added; the others were removed
  fs::remove_all("t");
}

// The root's name checked (still our directory), then replaced before its rmdir: by a symbolic
// link to a victim, or by a file. The rmdir fails with ENOTDIR and removes nothing; that is
// reported as the replacement it is (as when the check itself sees it), and the victim, the
// impostor file and the moved directory's name are left alone.
TEST_F(RemoveTreeTest, C4_C6_HeldRootReplacedBetweenItsCheckAndItsRemovalIsReportedReplaced) {
  for (const bool with_symlink : {true, false}) {
    fs::create_directories("t/a");
    write_text("t/a/f", "");
    fs::create_directories("victim");
    write_text("victim/keep", "kept");
    const FileDescriptor root(::open("t", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root.valid());
    bool swapped = false;
    Recorder recorder([&](RemovalObserver::Step step, const std::string& path) {
      if (step == RemovalObserver::Step::remove_directory && path.empty() && !swapped) {
        swapped = true;
        std::error_code ec;
        fs::rename("t", "moved", ec);
        if (with_symlink) {
          fs::create_directory_symlink("victim", "t", ec);
        } else {
          write_text("t", "impostor");
        }
      }
    });
    std::vector<RemovalFailure> failures;
    EXPECT_EQ(remove_tree_at(current_directory_fd, "t", root.get(), failures, &recorder),
              removal_replaced)
        << (with_symlink ? "symlink" : "file");
    EXPECT_TRUE(swapped);
    ASSERT_EQ(failures.size(), 1U) << describe(failures);
    EXPECT_EQ(failures[0].path, "");
    EXPECT_EQ(failures[0].error, removal_replaced);
    EXPECT_EQ(read_text("victim/keep"), "kept");
    if (with_symlink) {
      EXPECT_TRUE(fs::is_symlink("t"));
    } else {
      EXPECT_EQ(read_text("t"), "impostor");
    }
    EXPECT_TRUE(list_dir("moved").empty()) << "the directory we held was emptied, not removed";
    fs::remove("t");
    fs::remove_all("moved");
    fs::remove_all("victim");
  }
}

// remove_tree_at: the caller's descriptor (its offset anywhere) is used for the contents; the
// root goes only while its name is still that directory.
TEST_F(RemoveTreeTest, HeldRootIsRemovedThroughItsDescriptor) {
  fs::create_directories("t/a/b");
  write_text("t/a/b/f", "");
  write_text("t/g", "");
  const FileDescriptor root(::open("t", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(root.valid());
  std::vector<RemovalFailure> failures;
  // Read it to the end first: the remover must not depend on the caller's offset.
  DIR* stream = ::fdopendir(::fcntl(root.get(), F_DUPFD_CLOEXEC, 0));
  ASSERT_NE(stream, nullptr);
  while (::readdir(stream) != nullptr) {
  }
  ::closedir(stream);
  EXPECT_EQ(remove_tree_at(current_directory_fd, "t", root.get(), failures), 0);
  EXPECT_TRUE(failures.empty()) << describe(failures);
  EXPECT_FALSE(exists_no_follow("t"));
  EXPECT_EQ(::fcntl(root.get(), F_GETFD), FD_CLOEXEC) << "the caller's descriptor stays open";

  ASSERT_EQ(::mkdir("empty", 0700), 0);
  const FileDescriptor empty(::open("empty", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  EXPECT_EQ(remove_tree_at(current_directory_fd, "empty", empty.get(), failures), 0);
  EXPECT_FALSE(exists_no_follow("empty"));
}

TEST_F(RemoveTreeTest, HeldRootWithoutNameKeepsTheRoot) {
  fs::create_directories("t/a");
  write_text("t/a/f", "");
  const FileDescriptor root(::open("t", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::vector<RemovalFailure> failures;
  EXPECT_EQ(remove_tree_at(current_directory_fd, nullptr, root.get(), failures), 0);
  EXPECT_TRUE(failures.empty()) << describe(failures);
  EXPECT_TRUE(fs::is_directory("t"));
  EXPECT_TRUE(list_dir("t").empty());
  fs::remove("t");
}

// security.md C6: the root was renamed away and something else put under its name. The
// original tree is emptied through the descriptor; the impostor is left alone and reported.
TEST_F(RemoveTreeTest, HeldRootReplacedUnderItsNameIsReported) {
  fs::create_directories("t/a");
  write_text("t/a/f", "");
  const FileDescriptor root(::open("t", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  fs::rename("t", "t.moved");
  fs::create_directories("t/impostor");
  std::vector<RemovalFailure> failures;
  EXPECT_EQ(remove_tree_at(current_directory_fd, "t", root.get(), failures), removal_replaced);
  ASSERT_EQ(failures.size(), 1U) << describe(failures);
  EXPECT_EQ(failures[0].path, "");
  EXPECT_TRUE(list_dir("t.moved").empty());
  EXPECT_EQ(list_dir("t"), std::set<std::string>{"impostor"});

  // Renamed away with nothing in its place: also not ours to find; reported the same way.
  fs::remove_all("t");
  failures.clear();
  EXPECT_EQ(remove_tree_at(current_directory_fd, "t", root.get(), failures), removal_replaced);
  EXPECT_TRUE(fs::is_directory("t.moved"));

  // Removed by somebody else meanwhile: done, nothing to report.
  fs::remove("t.moved");
  failures.clear();
  EXPECT_EQ(remove_tree_at(current_directory_fd, "t", root.get(), failures), 0);
  EXPECT_TRUE(failures.empty()) << describe(failures);
}

// C6 (a reused root descriptor), at the entry point every path shares: a held descriptor that
// is not the directory recorded at creation (its number closed and reused by another open) is
// never walked, by remove_held_directory nor by its signal-handler form; the first reports it.
// The same descriptor with the right identity empties the same tree: the check is what stops it.
TEST_F(RemoveTreeTest, C6_HeldDescriptorOfAnotherDirectoryIsNeverWalked) {
  fs::create_directories("ours");
  fs::create_directories("other/sub");
  write_text("other/f", "");
  write_text("other/sub/g", "");
  const FileDescriptor ours(::open("ours", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const FileDescriptor other(::open("other", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(ours.valid() && other.valid());
  EntryIdentity recorded;
  ASSERT_EQ(identify_fd(ours.get(), recorded), 0);
  const std::string path = (scratch() / "ours").string();
  std::vector<RemovalFailure> failures;
  EXPECT_EQ(remove_held_directory(path.c_str(), other.get(), recorded, failures),
            removal_wrong_descriptor);
  ASSERT_EQ(failures.size(), 1U) << describe(failures);
  EXPECT_EQ(failures[0].path, "");
  remove_held_directory_in_signal_handler(path.c_str(), other.get(), recorded);
  EXPECT_EQ(list_dir("other"), (std::set<std::string>{"f", "sub"}));
  EXPECT_EQ(list_dir("other/sub"), std::set<std::string>{"g"});
  // A closed descriptor is refused the same way.
  failures.clear();
  EXPECT_EQ(remove_held_directory(path.c_str(), 1 << 20, recorded, failures),
            removal_wrong_descriptor);
  // Control: with the identity it really has, the same call empties and removes it.
  EntryIdentity others;
  ASSERT_EQ(identify_fd(other.get(), others), 0);
  const std::string other_path = (scratch() / "other").string();
  failures.clear();
  EXPECT_EQ(remove_held_directory(other_path.c_str(), other.get(), others, failures), 0);
  EXPECT_FALSE(exists_no_follow("other"));
  // ours, empty, was removed by the first call's rmdir (its own name, its own directory).
  EXPECT_FALSE(exists_no_follow("ours"));
}

// C6 (a root moved away), at the shared entry point: the contents are removed through the
// descriptor and the root reported as replaced, by both forms; a root removed by somebody else
// is done.
TEST_F(RemoveTreeTest, C6_HeldRootMovedAwayIsEmptiedAndReported) {
  for (const bool in_signal_handler : {false, true}) {
    SCOPED_TRACE(in_signal_handler ? "signal handler" : "normal");
    fs::create_directories("t/a/b");
    write_text("t/a/b/f", "");
    write_text("t/g", "");
    const FileDescriptor root(::open("t", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    EntryIdentity recorded;
    ASSERT_EQ(identify_fd(root.get(), recorded), 0);
    fs::rename("t", "t.moved");
    const std::string path = (scratch() / "t").string();
    std::vector<RemovalFailure> failures;
    if (in_signal_handler) {
      if (!linux_fast_paths) {
        fs::remove_all("t.moved");  // the portable signal handler walks nothing
        continue;
      }
      remove_held_directory_in_signal_handler(path.c_str(), root.get(), recorded);
    } else {
      EXPECT_EQ(remove_held_directory(path.c_str(), root.get(), recorded, failures),
                removal_replaced);
      ASSERT_EQ(failures.size(), 1U) << describe(failures);
      EXPECT_EQ(failures[0].path, "");
    }
    EXPECT_TRUE(list_dir("t.moved").empty());
    fs::remove("t.moved");
    failures.clear();
    EXPECT_EQ(remove_held_directory(path.c_str(), root.get(), recorded, failures), 0);
    EXPECT_TRUE(failures.empty()) << describe(failures);
  }
}

// At most removal_descriptor_limit directory descriptors (+1 transient) at any step of a walk
// much deeper than that, climbing out included.
TEST_F(RemoveTreeTest, C11_DescriptorWindowIsBounded) {
  make_chain(current_directory_fd, "t", 300, "level");
  const std::size_t before = test::open_descriptors().size();
  std::size_t most = 0;
  int reopens = 0;
  Recorder recorder([&](RemovalObserver::Step step, const std::string&) {
    reopens += step == RemovalObserver::Step::reopen ? 1 : 0;
    most = std::max(most, test::open_descriptors().size() - before);
  });
  EXPECT_EQ(remove_tree(current_directory_fd, "t", failures_, &recorder), 0);
  EXPECT_TRUE(failures_.empty()) << describe(failures_);
  EXPECT_FALSE(exists_no_follow("t"));
  // open_descriptors() itself holds one more while it lists /proc/self/fd.
  EXPECT_LE(most, removal_descriptor_limit + 2);
  EXPECT_GT(reopens, 0) << "the chain should have needed closed ancestors re-opened";
  EXPECT_LT(reopens, 300 * 10) << "re-opening should stay near-linear in the depth";
}

// security.md C10/C11: a 10,000-deep chain (names of 16 characters: 170,000-character paths)
// under a real `ulimit -n 64`, in a child so the limit does not reach the test runner.
TEST_F(RemoveTreeTest, C10_C11_TenThousandDeepChainUnderUlimit64) {
  const FastDirectory fast(scratch());
  const FileDescriptor parent(::open(fast.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(parent.valid());
  make_chain(parent.get(), "t", 10000, std::string(16, 'd'));
  const int status = test::run_in_child([&] {
    if (!test::limit_open_files(64)) {
      return 2;
    }
    std::vector<RemovalFailure> failures;
    const Errno err = remove_tree(parent.get(), "t", failures);
    if (err != 0) {
      std::fprintf(stderr, "%s, failures:%s\n", std::strerror(err), describe(failures).c_str());
    }
    return err == 0 && failures.empty() ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// ---- System calls, counted with ptrace in a child (deterministic, no strace needed) ----

struct Call {
  long number = 0;
  long result = 0;
};

struct Trace {
  std::string refused;  // why tracing was not possible here
  std::vector<Call> calls;
};

bool is_memory_management(long number) {
  return number == SYS_brk || number == SYS_mmap || number == SYS_munmap ||
         number == SYS_mprotect || number == SYS_madvise || number == SYS_mremap;
}

// Runs `measured` in a forked child that stops itself under ptrace, and records each system call
// it makes (number and result) until an end marker; the allocator's memory calls are left out.
Trace trace_system_calls(const std::function<void()>& measured) {
  Trace trace;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) {
      ::_exit(3);
    }
    ::kill(::getpid(), SIGSTOP);
    measured();
    static_cast<void>(::getppid());  // the end marker: what follows (sanitizer exit work) is cut
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFSTOPPED(status)) {
    trace.refused = "ptrace(PTRACE_TRACEME) refused";
    return trace;
  }
  ::ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  int deliver = 0;
  for (;;) {
    ::ptrace(PTRACE_SYSCALL, pid, nullptr, deliver);
    deliver = 0;
    if (::waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) {
      break;
    }
    if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      deliver = WSTOPSIG(status);
      continue;
    }
    __ptrace_syscall_info info{};
    if (::ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0) {
      trace.refused = "PTRACE_GET_SYSCALL_INFO refused";
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return trace;
    }
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
      trace.calls.push_back({static_cast<long>(info.entry.nr), 0});
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT && !trace.calls.empty()) {
      trace.calls.back().result = static_cast<long>(info.exit.rval);
    }
  }
  std::vector<Call> kept;
  for (const Call& call : trace.calls) {
    if (call.number == SYS_getppid) {
      break;
    }
    if (!is_memory_management(call.number)) {
      kept.push_back(call);
    }
  }
  trace.calls = kept;
  return trace;
}

std::string call_name(long number) {
  switch (number) {
    case SYS_unlinkat:
      return "unlinkat";
    case SYS_openat:
      return "openat";
    case SYS_close:
      return "close";
    case SYS_getdents64:
      return "getdents64";
    case SYS_statx:
      return "statx";
    case SYS_newfstatat:
      return "newfstatat";
    case SYS_fstat:
      return "fstat";
    case SYS_fcntl:
      return "fcntl";
    case SYS_lseek:
      return "lseek";
    default:
      return "syscall " + std::to_string(number);
  }
}

std::string describe(const Trace& trace) {
  std::string text;
  for (const Call& call : trace.calls) {
    text +=
        " " + call_name(call.number) + (call.result < 0 ? "=-" + std::to_string(-call.result) : "");
  }
  return text;
}

std::vector<long> numbers(const Trace& trace) {
  std::vector<long> out;
  for (const Call& call : trace.calls) {
    out.push_back(call.number);
  }
  return out;
}

// The budget: creating and removing an empty directory costs 2 system calls, so the
// removal of an empty directory is exactly one unlinkat(AT_REMOVEDIR), in every build.
TEST_F(RemoveTreeTest, EmptyDirectoryCostsOneSystemCall) {
  ASSERT_EQ(::mkdir("t", 0700), 0);
  const Trace trace = trace_system_calls([] {
    std::vector<RemovalFailure> failures;
    static_cast<void>(remove_tree(current_directory_fd, "t", failures));
  });
  if (!trace.refused.empty()) {
    fs::remove("t");
    GTEST_SKIP() << trace.refused;
  }
  EXPECT_EQ(numbers(trace), std::vector<long>{SYS_unlinkat}) << describe(trace);
  EXPECT_FALSE(exists_no_follow("t"));
}

// A flat directory of N files: the floor (docs/performance.md, W4) is open, getdents64 until empty,
// N unlinkat, close, rmdir = N + 5. We add the first rmdir attempt and one statx (the mount
// check) per directory: N + 7 on Linux.
TEST_F(RemoveTreeTest, FlatDirectorySystemCalls) {
  ASSERT_EQ(::mkdir("t", 0700), 0);
  for (int i = 0; i < 3; ++i) {
    write_text("t/f" + std::to_string(i), "");
  }
  const Trace trace = trace_system_calls([] {
    std::vector<RemovalFailure> failures;
    static_cast<void>(remove_tree(current_directory_fd, "t", failures));
  });
  if (!trace.refused.empty()) {
    fs::remove_all("t");
    GTEST_SKIP() << trace.refused;
  }
  EXPECT_FALSE(exists_no_follow("t"));
  std::printf("flat directory of 3 files:%s (%zu calls)\n", describe(trace).c_str(),
              trace.calls.size());
  if (linux_fast_paths) {
    const std::vector<long> expected = {SYS_unlinkat, SYS_openat,   SYS_statx,    SYS_getdents64,
                                        SYS_unlinkat, SYS_unlinkat, SYS_unlinkat, SYS_getdents64,
                                        SYS_unlinkat, SYS_close};
    EXPECT_EQ(numbers(trace), expected) << describe(trace);
  } else {
    EXPECT_EQ(trace.calls.front().number, SYS_unlinkat) << describe(trace);
  }
}

}  // namespace
}  // namespace tempfile::os
