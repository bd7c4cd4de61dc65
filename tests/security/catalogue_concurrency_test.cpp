// SPDX-License-Identifier: MIT
// security.md A4 at CPython's test_threadedtempfile scale and beyond: 20 threads, each making
// 1,000 entries in one directory with mkstemp, NamedTemporaryFile and TemporaryFile in turn,
// while the first gettempdir() call races too. Run under ThreadSanitizer by the tsan preset.
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <latch>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

class CatalogueConcurrencyTest : public ScratchTest {
 protected:
  void TearDown() override {
    tempfile::set_tempdir(scratch());
    ScratchTest::TearDown();
  }
};

struct ThreadReport {
  std::vector<std::string> names;  // mkstemp and NamedTemporaryFile names, while they existed
  std::vector<std::string> failures;
  std::string tempdir;  // what this thread's first gettempdir() said
  int unnamed_files = 0;
};

TEST_F(CatalogueConcurrencyTest, A4_TwentyThreadsOfEveryCreatorInOneDirectory) {
  const FastDirectory shared(scratch());
  const fs::path& dir = shared.path();
  // The default directory is searched by the threads' first calls, all at once: TMPDIR names
  // the shared directory, and the cache starts empty.
  const TempdirEnvironmentScope environment;
  TempdirEnvironmentScope::set("TMPDIR", dir.native());
  tempfile::set_tempdir(std::nullopt);

  constexpr int thread_count = 20;
  constexpr int per_thread = 1000;
  std::vector<ThreadReport> reports(thread_count);
  std::latch start(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, mine = &reports[static_cast<std::size_t>(t)]] {
      start.arrive_and_wait();
      try {
        mine->tempdir = tempfile::gettempdir().native();
        // Named files stay (closed, delete_on_close off) until the thread ends, so their
        // names are all taken at once, as mkstemp's are.
        std::vector<tempfile::NamedTemporaryFile> named;
        std::vector<std::string> mkstemp_paths;
        for (int i = 0; i < per_thread; ++i) {
          switch (i % 3) {
            case 0: {
              auto [fd, path] = tempfile::mkstemp();  // the default directory: the race
              ::close(fd);
              mine->names.push_back(path.filename().string());
              mkstemp_paths.push_back(path.native());
              break;
            }
            case 1: {
              named.emplace_back(tempfile::NamedTemporaryFileOptions{.delete_on_close = false});
              named.back().write(std::string_view("n"));
              named.back().close();
              mine->names.push_back(named.back().name().filename().string());
              break;
            }
            default: {
              tempfile::TemporaryFile file;
              file.write(std::string_view("unnamed"));
              file.seek(0);
              if (file.read() == "unnamed") {
                ++mine->unnamed_files;
              }
              break;
            }
          }
        }
        for (const std::string& path : mkstemp_paths) {
          ::unlink(path.c_str());
        }
      } catch (const std::exception& failure) {
        mine->failures.push_back(failure.what());
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  std::set<std::string> names;
  std::size_t expected_names = 0;
  for (const ThreadReport& report : reports) {
    EXPECT_THAT(report.failures, ::testing::IsEmpty());
    EXPECT_EQ(report.tempdir, dir.native());
    EXPECT_EQ(report.unnamed_files, per_thread / 3);
    names.insert(report.names.begin(), report.names.end());
    expected_names += report.names.size();
  }
  EXPECT_EQ(expected_names, std::size_t{thread_count} * (per_thread - per_thread / 3));
  EXPECT_EQ(names.size(), expected_names) << "two entries had the same name";
  EXPECT_TRUE(list_dir(dir).empty()) << "entries left in the shared directory";
}

}  // namespace
}  // namespace tempfile::test
