// SPDX-License-Identifier: MIT
// The parallel tree removal against the sequential one: the same trees removed, links not
// followed, modes fixed, mounts not crossed, the same failures reported, and its descriptor
// bound, checked at every step and under a real `ulimit -n`; and the same walk behind
// TemporaryDirectory::cleanup() and its destructor. Label concurrency: also run under
// ThreadSanitizer.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "os/fd.hpp"
#include "os/remove_tree.hpp"
#include "os/sys.hpp"
#include "security/harness.hpp"
#include "support/files.hpp"
#include "support/immutable.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"

namespace tempfile::os {
namespace {

namespace fs = std::filesystem;
using test::exists_no_follow;
using test::list_dir;

constexpr ParallelRemoval sequential{};
constexpr ParallelRemoval parallel{.mode = ParallelRemoval::Mode::always, .max_threads = 4};

std::string describe(const std::vector<RemovalFailure>& failures) {
  std::string text;
  for (const RemovalFailure& failure : failures) {
    text += " '" + failure.path + "' (" + std::strerror(failure.error) + ")";
  }
  return text.empty() ? " none" : text;
}

std::set<std::pair<std::string, Errno>> as_set(const std::vector<RemovalFailure>& failures) {
  std::set<std::pair<std::string, Errno>> set;
  for (const RemovalFailure& failure : failures) {
    set.emplace(failure.path, failure.error);
  }
  return set;
}

void touch(const fs::path& path) {
  const FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path << ": " << std::strerror(errno);
}

// A chain `depth` directories deep below `top`, a file in each.
void make_chain(const fs::path& top, int depth) {
  fs::path dir = top;
  for (int level = 0; level < depth; ++level) {
    dir /= "c";
    fs::create_directories(dir);
    touch(dir / "f");
  }
}

// The shapes the tests remove: wide (many small subdirectories), deep (chains deeper than a
// worker's window below a wide level), and mixed (a wide level one below the root, beside files,
// links, FIFOs, empty directories and a single chain).
void make_tree(const fs::path& root, const std::string& shape) {
  fs::create_directories(root);
  if (shape == "wide") {
    for (int d = 0; d < 120; ++d) {
      const fs::path dir = root / ("d" + std::to_string(d));
      fs::create_directory(dir);
      for (int f = 0; f < 20; ++f) {
        touch(dir / ("f" + std::to_string(f)));
      }
    }
  } else if (shape == "deep") {
    for (int d = 0; d < 12; ++d) {
      make_chain(root / ("d" + std::to_string(d)), 40);
    }
  } else {
    touch(root / "top_file");
    fs::create_symlink("top_file", root / "link");
    ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
    make_chain(root / "chain", 25);
    const fs::path middle = root / "one" / "middle";
    for (int d = 0; d < 60; ++d) {
      const fs::path dir = middle / ("d" + std::to_string(d));
      fs::create_directories(dir / "empty");
      touch(dir / "f");
      if (d % 5 == 0) {
        make_chain(dir, 12);
      }
      if (d % 7 == 0) {
        ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
        fs::create_symlink("../d0", dir / "sibling_link");
      }
    }
  }
}

// The threads of this process now (a sanitizer may run one of its own).
std::size_t process_threads() {
  std::error_code ec;
  std::size_t count = 0;
  for (fs::directory_iterator it("/proc/self/task", ec), end; !ec && it != end; it.increment(ec)) {
    ++count;
  }
  return count;
}

void raise_to(std::atomic<std::size_t>& most, std::size_t value) {
  std::size_t seen = most.load();
  while (value > seen && !most.compare_exchange_weak(seen, value)) {
  }
}

// Told at each step, from every thread: the threads that took part, whether the process had
// more threads than before the walk at any step (the pool's, whether or not they got a share
// on a busy machine), and the most descriptors open at once (listing /proc/self/fd takes one
// more descriptor per thread listing it).
class Watcher final : public RemovalObserver {
 public:
  explicit Watcher(bool count_descriptors = false)
      : count_descriptors_(count_descriptors), threads_before_(process_threads()) {}
  void before(Step step, const std::string& /*path*/) noexcept override {
    if (count_descriptors_) {
      raise_to(most_, test::open_descriptors().size());
    }
    raise_to(most_threads_, process_threads());
    const std::lock_guard lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    fixes_ += step == Step::fix_mode ? 1 : 0;
  }
  std::size_t threads() {
    const std::lock_guard lock(mutex_);
    return threads_.size();
  }
  int fixes() {
    const std::lock_guard lock(mutex_);
    return fixes_;
  }
  [[nodiscard]] std::size_t most() const { return most_.load(); }
  /// The pool ran: the process had threads it did not have before the walk.
  [[nodiscard]] bool pool_started() const { return most_threads_.load() > threads_before_; }
  [[nodiscard]] std::size_t most_threads() const { return most_threads_.load(); }

 private:
  bool count_descriptors_;
  std::size_t threads_before_;
  std::atomic<std::size_t> most_{0};
  std::atomic<std::size_t> most_threads_{0};
  std::mutex mutex_;
  std::set<std::thread::id> threads_;
  int fixes_ = 0;
};

class RemoveTreeParallelTest : public test::ScratchTest {};

// Each shape twice, removed sequentially and in parallel: both gone, nothing reported; the
// parallel walk really used several threads (else this would compare the sequential walk with
// itself), and automatic removes the same.
TEST_F(RemoveTreeParallelTest, SameResultAsTheSequentialWalk) {
  const test::FastDirectory fast(scratch());
  const FileDescriptor parent(::open(fast.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(parent.valid());
  for (const char* shape : {"wide", "deep", "mixed"}) {
    SCOPED_TRACE(shape);
    for (const ParallelRemoval& mode :
         {sequential, parallel, ParallelRemoval{.mode = ParallelRemoval::Mode::automatic}}) {
      make_tree(fast.path() / "t", shape);
      std::vector<RemovalFailure> failures;
      Watcher watcher;
      EXPECT_EQ(remove_tree(parent.get(), "t", failures, mode, &watcher), 0);
      EXPECT_TRUE(failures.empty()) << describe(failures);
      EXPECT_FALSE(exists_no_follow(fast.path() / "t"));
      if (mode.mode == ParallelRemoval::Mode::never) {
        EXPECT_EQ(watcher.threads(), 1U);
      } else if (mode.mode == ParallelRemoval::Mode::always) {
        EXPECT_TRUE(watcher.pool_started()) << "the pool never ran";
      }
      test::force_remove_all(fast.path() / "t");
    }
  }
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// A flat directory starts no thread in automatic mode: nothing to hand out.
TEST_F(RemoveTreeParallelTest, FlatDirectoryStaysOnTheCallingThread) {
  fs::create_directory("t");
  for (int f = 0; f < 200; ++f) {
    touch(fs::path("t") / ("f" + std::to_string(f)));
  }
  fs::create_directory("t/one");
  std::vector<RemovalFailure> failures;
  Watcher watcher;
  EXPECT_EQ(remove_tree(current_directory_fd, "t", failures,
                        ParallelRemoval{.mode = ParallelRemoval::Mode::automatic}, &watcher),
            0);
  EXPECT_EQ(watcher.threads(), 1U);
  EXPECT_FALSE(watcher.pool_started());
  EXPECT_FALSE(exists_no_follow("t"));
}

// Links to directories and files outside, in every subdirectory a worker removes: unlinked,
// never followed. The positive control: the targets still exist, with every file.
TEST_F(RemoveTreeParallelTest, SymbolicLinksToOutsideAreNeverFollowed) {
  fs::create_directories("outside/dir/inner");
  touch("outside/file");
  touch("outside/dir/inner/file");
  const fs::path outside = scratch() / "outside";
  for (int d = 0; d < 50; ++d) {
    const fs::path dir = fs::path("t") / ("d" + std::to_string(d));
    fs::create_directories(dir / "sub");
    fs::create_directory_symlink(outside / "dir", dir / "to_dir");
    fs::create_directory_symlink("../../../outside", dir / "sub" / "relative");
    fs::create_symlink(outside / "file", dir / "to_file");
  }
  std::vector<RemovalFailure> failures;
  Watcher watcher;
  EXPECT_EQ(remove_tree(current_directory_fd, "t", failures, parallel, &watcher), 0);
  EXPECT_TRUE(failures.empty()) << describe(failures);
  EXPECT_FALSE(exists_no_follow("t"));
  EXPECT_TRUE(watcher.pool_started());
  EXPECT_TRUE(fs::is_regular_file("outside/file"));
  EXPECT_TRUE(fs::is_regular_file("outside/dir/inner/file"));
  EXPECT_EQ(list_dir("outside"), (std::set<std::string>{"dir", "file"}));
  fs::remove_all("outside");
}

// Directories whose modes forbid the walk (0500 with contents, 0000, 0300) inside the
// subdirectories the workers get, and 0500 ones that hold the subdirectories handed out:
// fixed through descriptors and removed. As uid 65534, for whom the modes count.
TEST_F(RemoveTreeParallelTest, ReadOnlyDirectoriesInsideAreFixedAndRemoved) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0) << std::strerror(errno);
  const int status = test::run_in_child([&] {
    if (test::permissions_are_bypassed() && !test::become_unprivileged()) {
      return 2;
    }
    if (::chdir(work.c_str()) != 0) {
      return 3;
    }
    const unsigned modes[] = {0500, 0000, 0300, 0100, 0700};
    for (int d = 0; d < 40; ++d) {
      const std::string dir = "t/wide/d" + std::to_string(d);
      fs::create_directories(dir + "/sub");
      touch(dir + "/sub/f");
      touch(dir + "/f");
      ::chmod((dir + "/sub").c_str(), modes[d % 5]);
      ::chmod(dir.c_str(), modes[(d + 1) % 5]);
    }
    ::chmod("t/wide", 0500);  // the parent the workers remove from
    std::vector<RemovalFailure> failures;
    Watcher watcher;
    const Errno err = remove_tree(current_directory_fd, "t", failures, parallel, &watcher);
    if (err != 0 || !failures.empty() || exists_no_follow("t")) {
      std::fprintf(stderr, "%s, failures:%s\n", std::strerror(err), describe(failures).c_str());
      return 1;
    }
    if (watcher.fixes() < 40 || !watcher.pool_started()) {
      std::fprintf(stderr, "%d fixes, pool started: %d\n", watcher.fixes(),
                   watcher.pool_started() ? 1 : 0);
      return 1;
    }
    return 0;
  });
  EXPECT_EQ(status, 0);
  test::force_remove_all(work / "t");
  EXPECT_TRUE(list_dir(work).empty());
  fs::remove(work);
}

// Entries uid 65534 cannot remove (a root-owned directory holding a root-owned file, in some of
// the subdirectories the workers get; its mode cannot be fixed by a user who does not own it):
// the parallel walk reports exactly what the sequential one reports, and leaves the same.
TEST_F(RemoveTreeParallelTest, FailuresAreReportedAsTheSequentialWalkReportsThem) {
  if (!test::permissions_are_bypassed()) {
    GTEST_SKIP() << "needs root to make entries another user cannot remove";
  }
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);
  const fs::path work = make_subdir("work");
  for (const char* copy : {"seq", "par"}) {
    for (int d = 0; d < 50; ++d) {
      const fs::path dir = work / copy / ("d" + std::to_string(d));
      fs::create_directories(dir / "inner");
      touch(dir / "f");
      touch(dir / "inner" / "g");
      if (d % 10 == 3) {
        fs::create_directories(dir / "inner" / "locked");
        touch(dir / "inner" / "locked" / "kept");
      }
    }
    // Everything but the locked directories and their files belongs to 65534.
    for (const auto& entry : fs::recursive_directory_iterator(work / copy)) {
      if (entry.path().string().find("locked") == std::string::npos) {
        ASSERT_EQ(::lchown(entry.path().c_str(), 65534, 65534), 0);
      }
    }
    ASSERT_EQ(::chown((work / copy).c_str(), 65534, 65534), 0);
  }
  ASSERT_EQ(::chown(work.c_str(), 65534, 65534), 0);
  const int status = test::run_in_child([&] {
    if (!test::become_unprivileged() || ::chdir(work.c_str()) != 0) {
      return 2;
    }
    std::vector<RemovalFailure> by_sequential;
    std::vector<RemovalFailure> by_parallel;
    Watcher watcher;
    const Errno seq_err = remove_tree(current_directory_fd, "seq", by_sequential, sequential);
    const Errno par_err = remove_tree(current_directory_fd, "par", by_parallel, parallel, &watcher);
    // The same entries with the same errors, in the same order: the pool merges its workers'
    // reports in the order the sequential walk would have entered their subdirectories.
    const bool same = seq_err == EACCES && par_err == EACCES && by_sequential.size() == 5 &&
                      describe(by_sequential) == describe(by_parallel) &&
                      as_set(by_sequential) == as_set(by_parallel) &&
                      list_dir("seq") == list_dir("par") && watcher.pool_started();
    if (!same) {
      std::fprintf(stderr, "sequential:%s\nparallel:%s\n", describe(by_sequential).c_str(),
                   describe(by_parallel).c_str());
    }
    return same ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(list_dir(work / "par"), (std::set<std::string>{"d13", "d23", "d3", "d33", "d43"}));
  EXPECT_EQ(list_dir(work / "par" / "d3" / "inner" / "locked"), std::set<std::string>{"kept"});
  test::force_remove_all(work / "seq");
  test::force_remove_all(work / "par");
  EXPECT_TRUE(list_dir(work).empty());
  fs::remove(work);
}

// Mount points in subdirectories the workers get, in a private mount namespace: a tmpfs, and a
// bind mount of a victim directory of the same file system (another mount id, the same st_dev).
// Neither is entered nor removed; the parallel walk reports them exactly as the sequential walk
// does (removal_other_mount), and their files and the victim's survive.
TEST_F(RemoveTreeParallelTest, MountPointsAreNotCrossedAndReportedAsSequentially) {
  test::fill_victim_files(scratch() / "victim", 5);
  for (const char* copy : {"seq", "par"}) {
    for (int d = 0; d < 40; ++d) {
      test::fill_victim_files(scratch() / copy / ("d" + std::to_string(d)), 2);
    }
    fs::create_directories(scratch() / copy / "d5" / "sub" / "tmpfs");
    fs::create_directories(scratch() / copy / "d20" / "bind");
  }
  const bool bind_detectable = linux_fast_paths;  // portable builds compare st_dev only
  const test::ChildRun child = test::run_child([&](std::string& out) {
    const fs::path first = scratch() / "seq" / "d5" / "sub" / "tmpfs";
    if (const int status = test::mount_private_tmpfs(first, 0, "size=64k", out); status != 0) {
      return status;
    }
    for (const char* copy : {"seq", "par"}) {
      const fs::path tmpfs = scratch() / copy / "d5" / "sub" / "tmpfs";
      if ((tmpfs != first && ::mount("tmpfs", tmpfs.c_str(), "tmpfs", 0, "size=64k") != 0) ||
          (bind_detectable &&
           ::mount((scratch() / "victim").c_str(), (scratch() / copy / "d20" / "bind").c_str(),
                   nullptr, MS_BIND, nullptr) != 0)) {
        out = std::string("mount: ") + std::strerror(errno);
        return errno == EPERM ? test::child_capability_missing : 1;
      }
      test::fill_victim_files(tmpfs, 1);
    }
    std::vector<RemovalFailure> by_sequential;
    std::vector<RemovalFailure> by_parallel;
    Watcher watcher;
    const Errno seq_err = remove_tree(current_directory_fd, "seq", by_sequential, sequential);
    const Errno par_err = remove_tree(current_directory_fd, "par", by_parallel, parallel, &watcher);
    test::add_fact(out, "sequential", describe(by_sequential));
    test::add_fact(out, "parallel", describe(by_parallel));
    test::add_fact(out, "errors", std::to_string(seq_err) + " " + std::to_string(par_err));
    test::add_fact(out, "pool", watcher.pool_started() ? "yes" : "no");
    test::add_fact(out, "tmpfs_files",
                   std::to_string(test::count_files(scratch() / "seq" / "d5" / "sub" / "tmpfs") +
                                  test::count_files(scratch() / "par" / "d5" / "sub" / "tmpfs")));
    return 0;
  });
  if (child.status == test::child_capability_missing) {
    for (const char* left : {"seq", "par", "victim"}) {
      test::force_remove_all(scratch() / left);
    }
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  const std::string reported = test::fact(child.output, "sequential").value_or("?");
  EXPECT_EQ(test::fact(child.output, "parallel"), reported);
  EXPECT_THAT(reported, ::testing::HasSubstr("'d5/sub/tmpfs' (" +
                                             std::string(std::strerror(removal_other_mount))));
  if (bind_detectable) {
    EXPECT_THAT(reported, ::testing::HasSubstr("'d20/bind'"));
  }
  const std::string exdev = std::to_string(removal_other_mount);
  EXPECT_EQ(test::fact(child.output, "errors"), exdev + " " + exdev);
  EXPECT_EQ(test::fact(child.output, "pool"), "yes");
  EXPECT_EQ(test::fact(child.output, "tmpfs_files"), "2");
  EXPECT_EQ(test::count_files(scratch() / "victim"), 5U);
  EXPECT_EQ(list_dir(scratch() / "par"), list_dir(scratch() / "seq"));
  for (const char* left : {"seq", "par", "victim"}) {
    test::force_remove_all(scratch() / left);
  }
}

// The bound of remove_tree.hpp, checked before every step of a walk of chains much deeper than a
// worker's window (so workers close and re-open ancestors): at most removal_descriptor_limit +
// threads * removal_worker_descriptor_limit directory descriptors (+ one per thread listing).
TEST_F(RemoveTreeParallelTest, DescriptorBoundHoldsAtEveryStep) {
  const test::FastDirectory fast(scratch());
  for (int d = 0; d < 16; ++d) {
    make_chain(fast.path() / "t" / ("d" + std::to_string(d)), 30);
  }
  const FileDescriptor parent(::open(fast.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const std::size_t before = test::open_descriptors().size();
  std::vector<RemovalFailure> failures;
  Watcher watcher(true);
  EXPECT_EQ(remove_tree(parent.get(), "t", failures, parallel, &watcher), 0);
  EXPECT_TRUE(failures.empty()) << describe(failures);
  EXPECT_TRUE(watcher.pool_started());
  const std::size_t threads = parallel.max_threads;
  EXPECT_LE(watcher.most() - before,
            removal_descriptor_limit + threads * removal_worker_descriptor_limit + threads);
  std::printf("most descriptors open during the walk: %zu\n", watcher.most() - before);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// Under a real `ulimit -n 64`, in a child: the pool shrinks to what fits in half the limit (2
// threads: 16 + 2 * 8 = 32) and removes chains deeper than every window, with nothing left.
TEST_F(RemoveTreeParallelTest, RemovesUnderUlimit64) {
  const test::FastDirectory fast(scratch());
  for (int d = 0; d < 20; ++d) {
    make_chain(fast.path() / "t" / ("d" + std::to_string(d)), 60);
  }
  const FileDescriptor parent(::open(fast.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const int status = test::run_in_child([&] {
    if (!test::limit_open_files(64)) {
      return 2;
    }
    std::vector<RemovalFailure> failures;
    Watcher watcher;
    const Errno err = remove_tree(parent.get(), "t", failures, parallel, &watcher);
    // 2 threads: the calling one and one worker, the most that fit.
    if (err != 0 || !failures.empty() || !watcher.pool_started() ||
        watcher.most_threads() != process_threads() + 1) {
      std::fprintf(stderr, "%s, %zu threads at most, failures:%s\n", std::strerror(err),
                   watcher.most_threads(), describe(failures).c_str());
      return 1;
    }
    return 0;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// TemporaryDirectory::cleanup() and its destructor through the held root descriptor, fanned out
// (the walk is watched through the held-removal seam). cleanup() with always: the pool ran and
// everything went. The destructor with the default options (automatic) and a tree wide enough
// for the sample to measure well over 4 ms left (the watcher's own /proc listing at each step
// makes every step slow): the pool ran too. Then a small tree (31 subdirectories, one short of
// a candidate for automatic), automatic: no thread at all, however slow its steps.
TEST_F(RemoveTreeParallelTest, TemporaryDirectoryCleanupAndDestructorFanOut) {
  const test::FastDirectory fast(scratch());
  {
    TemporaryDirectory directory({.dir = fast.path(), .cleanup_parallel = RmtreeParallel::always});
    make_tree(directory.path(), "wide");
    Watcher watcher;
    const test::HeldRemovalObserved observed(&watcher);
    EXPECT_NO_THROW(directory.cleanup());
    EXPECT_TRUE(watcher.pool_started()) << "cleanup() never started the pool";
    EXPECT_GT(watcher.threads(), 1U);
    EXPECT_FALSE(exists_no_follow(directory.path()));
  }
  {
    Watcher watcher;
    const test::HeldRemovalObserved observed(&watcher);
    fs::path name;
    {
      const TemporaryDirectory directory({.dir = fast.path()});
      name = directory.path();
      for (int d = 0; d < 400; ++d) {
        const fs::path dir = name / ("d" + std::to_string(d));
        fs::create_directory(dir);
        for (int f = 0; f < 5; ++f) {
          touch(dir / ("f" + std::to_string(f)));
        }
      }
    }
    EXPECT_TRUE(watcher.pool_started()) << "the destructor's automatic walk never fanned out";
    EXPECT_FALSE(exists_no_follow(name));
  }
  {
    Watcher watcher;
    const test::HeldRemovalObserved observed(&watcher);
    TemporaryDirectory directory({.dir = fast.path()});
    for (std::size_t d = 0; d + 1 < removal_automatic_width; ++d) {  // one short of a candidate
      const fs::path dir = directory.path() / ("d" + std::to_string(d));
      fs::create_directory(dir);
      touch(dir / "f");
      make_chain(dir, 3);
    }
    EXPECT_NO_THROW(directory.cleanup());
    EXPECT_EQ(watcher.threads(), 1U) << "a small tree started threads";
    EXPECT_FALSE(watcher.pool_started());
  }
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

// A held descriptor that is no longer the recorded root is refused before any walk, fanned out
// or not: the identity check comes first, and nothing of the other directory is touched.
TEST_F(RemoveTreeParallelTest, HeldRootOfAnotherDirectoryIsNeverWalkedInParallel) {
  make_tree("other", "wide");
  fs::create_directory("ours");
  const FileDescriptor ours(::open("ours", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const FileDescriptor other(::open("other", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(ours.valid() && other.valid());
  EntryIdentity recorded;
  ASSERT_EQ(identify_fd(ours.get(), recorded), 0);
  touch("ours/f");  // not empty: the rmdir fast path does not end it
  const std::string path = (scratch() / "ours").string();
  std::vector<RemovalFailure> failures;
  EXPECT_EQ(remove_held_directory(path.c_str(), other.get(), recorded, failures, parallel),
            removal_wrong_descriptor);
  ASSERT_EQ(failures.size(), 1U) << describe(failures);
  EXPECT_EQ(failures[0].path, "");
  EXPECT_EQ(list_dir("other").size(), 120U);
  // Control: the right identity, the same call, the same mode: all gone.
  EntryIdentity others;
  ASSERT_EQ(identify_fd(other.get(), others), 0);
  const std::string other_path = (scratch() / "other").string();
  failures.clear();
  EXPECT_EQ(remove_held_directory(other_path.c_str(), other.get(), others, failures, parallel), 0);
  EXPECT_TRUE(failures.empty()) << describe(failures);
  EXPECT_FALSE(exists_no_follow("other"));
  test::force_remove_all("ours");
}

// Entries nobody can remove (chattr +i) in three of the subdirectories a pool's threads get:
// cleanup() fanned out throws the same cleanup_error as the sequential one (the same paths and
// EPERM, in the same order: both trees have the same names, made in the same order), keeps the
// directory, and a later cleanup() finishes it.
TEST_F(RemoveTreeParallelTest, TemporaryDirectoryCleanupReportsWhatThePoolLeftAsSequentially) {
  std::vector<std::vector<std::string>> reports;
  for (const RmtreeParallel choice : {RmtreeParallel::never, RmtreeParallel::always}) {
    SCOPED_TRACE(choice == RmtreeParallel::never ? "never" : "always");
    TemporaryDirectory directory({.dir = scratch(), .cleanup_parallel = choice});
    make_tree(directory.path(), "wide");
    std::vector<std::unique_ptr<test::Immutable>> locks;
    for (const char* dir : {"d3", "d17", "d101"}) {
      locks.push_back(std::make_unique<test::Immutable>(directory.path() / dir / "f7"));
      if (!locks.back()->locked()) {
        GTEST_SKIP() << locks.back()->refused();
      }
    }
    Watcher watcher;
    const test::HeldRemovalObserved observed(&watcher);
    std::vector<std::string> reported;
    try {
      directory.cleanup();
      ADD_FAILURE() << "no cleanup_error";
    } catch (const cleanup_error& failure) {
      EXPECT_EQ(failure.code(), std::errc::operation_not_permitted) << test::describe(failure);
      for (const cleanup_error::failure& left : failure.failures()) {
        reported.push_back(left.path.lexically_relative(directory.path()).string() + " " +
                           left.code.message());
      }
    }
    EXPECT_EQ(list_dir(directory.path()), (std::set<std::string>{"d101", "d17", "d3"}));
    if (choice == RmtreeParallel::always) {
      EXPECT_TRUE(watcher.pool_started());
    }
    reports.push_back(reported);
    locks.clear();
    EXPECT_NO_THROW(directory.cleanup());
    EXPECT_FALSE(exists_no_follow(directory.path()));
  }
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_THAT(reports[0], ::testing::UnorderedElementsAre("d3/f7 Operation not permitted",
                                                          "d17/f7 Operation not permitted",
                                                          "d101/f7 Operation not permitted"));
  EXPECT_EQ(reports[0], reports[1]);
}

// Under a real `ulimit -n 64`, in a child: a TemporaryDirectory's fanned-out cleanup() fits its
// pool to the limit (2 threads) and removes chains deeper than every window, leaving nothing.
TEST_F(RemoveTreeParallelTest, TemporaryDirectoryCleanupUnderUlimit64) {
  const test::FastDirectory fast(scratch());
  const int status = test::run_in_child([&] {
    if (!test::limit_open_files(64)) {
      return 2;
    }
    TemporaryDirectory directory({.dir = fast.path(), .cleanup_parallel = RmtreeParallel::always});
    for (int d = 0; d < 20; ++d) {
      make_chain(directory.path() / ("d" + std::to_string(d)), 60);
    }
    Watcher watcher;
    const test::HeldRemovalObserved observed(&watcher);
    try {
      directory.cleanup();
    } catch (const cleanup_error& failure) {
      std::fprintf(stderr, "cleanup_error:%s\n", test::describe(failure).c_str());
      return 1;
    }
    if (!watcher.pool_started() || watcher.most_threads() != process_threads() + 1 ||
        exists_no_follow(directory.path())) {
      std::fprintf(stderr, "%zu threads at most\n", watcher.most_threads());
      return 1;
    }
    return 0;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(list_dir(fast.path()).empty());
}

}  // namespace
}  // namespace tempfile::os
