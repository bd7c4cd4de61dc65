// SPDX-License-Identifier: MIT
// Threads and processes creating at once: unique names under contention, one gettempdir()
// answer for racing first calls, race-free tempdir state (run under ThreadSanitizer in CI), and
// forked children that never repeat each other's names (security.md A3).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "os/random.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

class ConcurrencyTest : public ScratchTest {
 protected:
  void TearDown() override {
    tempfile::set_tempdir(scratch());
    ScratchTest::TearDown();
  }
};

// What one worker thread made; gathered and checked on the main thread.
struct WorkerResult {
  std::vector<std::string> paths;
  std::vector<std::string> failures;
};

TEST_F(ConcurrencyTest, A4_ThreadsCreatingFilesAndDirectoriesInOneDirectoryNeverCollide) {
  const FastDirectory shared(scratch());
  const fs::path& dir = shared.path();
  constexpr int threads_per_kind = 4;
  constexpr int per_thread = 500;
  std::vector<WorkerResult> results(2 * threads_per_kind);
  std::latch start(2 * threads_per_kind);
  std::vector<std::thread> workers;
  for (int t = 0; t < 2 * threads_per_kind; ++t) {
    const bool files = t < threads_per_kind;
    workers.emplace_back([&, files, mine = &results[static_cast<std::size_t>(t)]] {
      mine->paths.reserve(per_thread);
      start.arrive_and_wait();
      for (int i = 0; i < per_thread; ++i) {
        std::error_code ec;
        fs::path made;
        if (files) {
          const auto [fd, path] = tempfile::mkstemp({.dir = dir}, ec);
          if (fd >= 0) {
            ::close(fd);
          }
          made = path;
        } else {
          made = tempfile::mkdtemp({.dir = dir}, ec);
        }
        if (ec) {
          mine->failures.push_back(ec.message());
        } else {
          mine->paths.push_back(made.native());
        }
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }

  std::set<std::string> names;
  std::size_t files = 0;
  std::size_t directories = 0;
  for (const WorkerResult& result : results) {
    EXPECT_THAT(result.failures, ::testing::IsEmpty());
    for (const std::string& path : result.paths) {
      EXPECT_EQ(fs::path(path).parent_path(), dir);
      EXPECT_TRUE(names.insert(fs::path(path).filename().string()).second) << "repeated " << path;
      const EntrySnapshot entry = snapshot(path);
      files += S_ISREG(entry.mode) ? 1 : 0;
      directories += S_ISDIR(entry.mode) ? 1 : 0;
    }
  }
  constexpr std::size_t per_kind = std::size_t{threads_per_kind} * per_thread;
  EXPECT_EQ(files, per_kind);
  EXPECT_EQ(directories, per_kind);
  EXPECT_EQ(list_dir(dir), names);

  for (const WorkerResult& result : results) {
    for (const std::string& path : result.paths) {
      EXPECT_TRUE(fs::remove(path)) << path;
    }
  }
  EXPECT_TRUE(list_dir(dir).empty());
}

TEST_F(ConcurrencyTest, A4_RacingFirstCallsToGettempdirAllGetTheSameDirectory) {
  const fs::path searched = make_subdir("searched");
  {
    // Set before any thread starts; the search then finds scratch/searched first.
    const TempdirEnvironmentScope environment;
    TempdirEnvironmentScope::set("TMPDIR", searched.native());
    tempfile::set_tempdir(std::nullopt);
    ASSERT_EQ(tempfile::tempdir(), std::nullopt);

    constexpr int thread_count = 8;
    std::vector<std::string> seen(thread_count);
    std::latch start(thread_count);
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
      threads.emplace_back([&, mine = &seen[static_cast<std::size_t>(t)]] {
        start.arrive_and_wait();
        std::error_code ec;
        *mine = tempfile::gettempdir(ec).native();
        if (ec) {
          *mine = "error: " + ec.message();
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    for (const std::string& value : seen) {
      EXPECT_EQ(value, searched.native());
    }
    EXPECT_EQ(tempfile::tempdir(), searched);
  }
  EXPECT_TRUE(list_dir(searched).empty()) << "a probe file of the search was left behind";
  tempfile::set_tempdir(scratch());
  EXPECT_EQ(tempfile::gettempdir(), scratch());
  EXPECT_TRUE(fs::remove(searched));
}

TEST_F(ConcurrencyTest, ConcurrentSetTempdirAndReadersSeeOnlyWrittenValues) {
  const fs::path searched = make_subdir("searched");
  const TempdirEnvironmentScope environment;
  TempdirEnvironmentScope::set("TMPDIR", searched.native());
  // set_tempdir does not check its argument, so these need not exist.
  const std::array<fs::path, 3> written = {scratch() / "a", scratch() / "b", scratch() / "c"};
  tempfile::set_tempdir(written[0]);

  constexpr int writers = 2;
  constexpr int readers = 3;
  constexpr int rounds = 5000;
  std::latch start(writers + readers);
  std::mutex unexpected_mutex;
  std::vector<std::string> unexpected;
  const auto allowed = [&](const fs::path& value) {
    // nullopt written by a writer makes the next gettempdir() search, which finds searched/.
    return value == written[0] || value == written[1] || value == written[2] || value == searched;
  };
  const auto report = [&](const std::string& what) {
    const std::lock_guard lock(unexpected_mutex);
    unexpected.push_back(what);
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int i = 0; i < rounds; ++i) {
        const int choice = (i + w) % 4;
        if (choice == 3) {
          tempfile::set_tempdir(std::nullopt);
        } else {
          tempfile::set_tempdir(written[static_cast<std::size_t>(choice)]);
        }
      }
    });
  }
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < rounds; ++i) {
        if (const std::optional<fs::path> now = tempfile::tempdir(); now && !allowed(*now)) {
          report("tempdir() = " + now->native());
        }
        std::error_code ec;
        const fs::path found = tempfile::gettempdir(ec);
        if (ec || !allowed(found)) {
          report("gettempdir() = '" + found.native() + "' " + ec.message());
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_THAT(unexpected, ::testing::IsEmpty());
  EXPECT_TRUE(list_dir(searched).empty());
  EXPECT_TRUE(fs::remove(searched));
}

// A3: children forked at once create files in one directory right after fork. The parent drew a
// name first, so its per-thread random buffer is full: a child that kept using the inherited
// buffer would draw exactly the parent's next names, and so would every sibling.
TEST_F(ConcurrencyTest, A3_ForkedChildrenNeverRepeatEachOthersNames) {
  const fs::path dir = make_subdir("forked");
  std::array<char, os::name_length> drawn{};
  os::random_name(drawn.data());  // fills this thread's buffer before the fork

  constexpr int children = 8;
  constexpr int per_child = 20;
  std::array<int, 2> go{-1, -1};
  ASSERT_EQ(::pipe2(go.data(), O_CLOEXEC), 0);
  std::vector<std::pair<pid_t, int>> started;  // (pid, read end of its report pipe)
  for (int c = 0; c < children; ++c) {
    std::array<int, 2> report{-1, -1};
    ASSERT_EQ(::pipe2(report.data(), O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) {
      ::alarm(30);  // never outlive a parent that failed before releasing us
      ::close(report[0]);
      ::close(go[1]);
      char byte = 0;
      while (::read(go[0], &byte, 1) < 0 && errno == EINTR) {
      }
      std::string names;
      for (int i = 0; i < per_child; ++i) {
        std::error_code ec;
        const auto [fd, path] = tempfile::mkstemp({.dir = dir}, ec);
        if (ec) {
          names += "error:" + ec.message() + "\n";
          break;
        }
        ::close(fd);
        names += path.filename().native() + "\n";
      }
      const bool sent =
          ::write(report[1], names.data(), names.size()) == static_cast<ssize_t>(names.size());
      ::_exit(sent ? 0 : 1);
    }
    ::close(report[1]);
    started.emplace_back(pid, report[0]);
  }
  // The parent's own next name, drawn after the fork from the buffer the children inherited.
  std::array<char, os::name_length> parent_next{};
  os::random_name(parent_next.data());
  ::close(go[0]);
  ::close(go[1]);  // EOF on go[0]: every child starts creating at once

  std::map<std::string, int> owner;  // name -> child index
  std::set<std::string> first_names;
  for (std::size_t c = 0; c < started.size(); ++c) {
    const auto [pid, read_end] = started[c];
    std::string text;
    std::array<char, 4096> buffer{};
    for (ssize_t got = 0; (got = ::read(read_end, buffer.data(), buffer.size())) != 0;) {
      if (got < 0 && errno == EINTR) {
        continue;
      }
      ASSERT_GT(got, 0) << std::strerror(errno);
      text.append(buffer.data(), static_cast<std::size_t>(got));
    }
    ::close(read_end);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << c;

    std::istringstream lines(text);
    std::vector<std::string> names;
    for (std::string line; std::getline(lines, line);) {
      names.push_back(line);
    }
    ASSERT_EQ(names.size(), static_cast<std::size_t>(per_child)) << text;
    for (const std::string& name : names) {
      const auto [it, inserted] = owner.emplace(name, static_cast<int>(c));
      EXPECT_TRUE(inserted) << name << " made by child " << c << " and child " << it->second;
    }
    EXPECT_TRUE(first_names.insert(names.front()).second)
        << "two children started with " << names.front();
    EXPECT_NE(names.front().substr(3), std::string(parent_next.data(), parent_next.size()))
        << "child " << c << " drew the parent's next name";
  }
  EXPECT_EQ(owner.size(), static_cast<std::size_t>(children * per_child));
  EXPECT_EQ(list_dir(dir).size(), owner.size());
  for (const auto& [name, child] : owner) {
    EXPECT_TRUE(fs::remove(dir / name)) << name;
  }
  EXPECT_TRUE(fs::remove(dir));
}

}  // namespace
}  // namespace tempfile::test
