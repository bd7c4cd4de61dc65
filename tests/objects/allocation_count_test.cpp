// SPDX-License-Identifier: MIT
// Heap allocations per operation of the creation functions and the temporary objects, counted
// by this binary's own operator new: a change that adds one fails here, not only in a benchmark.
#include <gtest/gtest.h>
#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp is POSIX
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

#include "os/spare_block.hpp"
#include "os/sys.hpp"
#include "support/scratch.hpp"
#include "tempfile/tempfile.hpp"

namespace {

std::atomic<long> allocations{0};

void* counted(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* block = std::malloc(size == 0 ? 1 : size)) {  // NOLINT(cppcoreguidelines-no-malloc)
    return block;
  }
  throw std::bad_alloc();
}

}  // namespace

// The replaceable global forms (the aligned and nothrow ones call these in libstdc++).
void* operator new(std::size_t size) {
  return counted(size);
}
void* operator new[](std::size_t size) {
  return counted(size);
}
void operator delete(void* block) noexcept {
  std::free(block);
}  // NOLINT
void operator delete[](void* block) noexcept {
  std::free(block);
}  // NOLINT
void operator delete(void* block, std::size_t) noexcept {
  std::free(block);
}  // NOLINT
void operator delete[](void* block, std::size_t) noexcept {
  std::free(block);
}  // NOLINT

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;

// The counts depend on the lengths of the strings involved: libstdc++ keeps up to 15 characters
// in place, and a std::filesystem::path keeps each component as a string of its own. So the
// objects are made in a directory of a fixed shape, /tmp/tfaXXXXXX (14 characters, no component
// over 15), wherever the test runs (the scratch directory's path is longer, and longer again in
// the unprivileged run). Its file names take 11 characters; the full paths, over 15, take one
// allocation each.
class AllocationCountTest : public ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    std::string pattern = "/tmp/tfaXXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << "mkdtemp under /tmp";
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    EXPECT_EQ(fs::remove(dir_, ignored), true) << dir_ << " is not empty: an operation leaked";
    ScratchTest::TearDown();
  }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

  // Allocations per run of `operation`, over 50 runs after 3 that warm up what a process does
  // once (caches, the random-name pool's first fill).
  static double per_operation(const std::function<void()>& operation) {
    for (int i = 0; i < 3; ++i) {
      operation();
    }
    const long before = allocations.load();
    constexpr int runs = 50;
    for (int i = 0; i < runs; ++i) {
      operation();
    }
    const double per_run = static_cast<double>(allocations.load() - before) / runs;
    RecordProperty("allocations_per_operation", std::to_string(per_run));
    std::printf("%.2f allocations per operation\n", per_run);
    return per_run;
  }

 private:
  fs::path dir_;
};

// The returned std::filesystem::path is all that each allocates: its text (built in place,
// with room for the name, and moved into the path) and the list of components libstdc++ keeps
// beside it.
TEST_F(AllocationCountTest, MkstempAndMkdtempAllocateOnlyTheReturnedPath) {
  const MkstempOptions file_options{.dir = dir()};
  EXPECT_LE(per_operation([&] {
              auto [fd, path] = mkstemp(file_options);
              ::close(fd);
              ::unlink(path.c_str());
            }),
            2.0);
  const MkdtempOptions directory_options{.dir = dir()};
  EXPECT_LE(per_operation([&] {
              const fs::path path = mkdtemp(directory_options);
              ::rmdir(path.c_str());
            }),
            2.0);
}

// Options built per call, as `mkstemp({.dir = d})` is mostly written: the directory's text is
// kept in the options themselves, so a path of a usual length costs nothing more, and neither
// does a directory held by descriptor.
TEST_F(AllocationCountTest, OptionsBuiltPerCallAllocateNothingMore) {
  const fs::path& where = dir();
  EXPECT_LE(per_operation([&] {
              auto [fd, path] = mkstemp({.dir = where});
              ::close(fd);
              ::unlink(path.c_str());
            }),
            2.0);
  const Directory held(where);
  EXPECT_LE(per_operation([&] {
              const fs::path path = mkdtemp({.dir = held});
              ::rmdir(path.c_str());
            }),
            2.0);
}

// A file's state and its 8 KiB buffer: the blocks the thread's last file gave back (none under
// AddressSanitizer, which then allocates both per file).
constexpr double recycled_blocks = os::keeps_spare_blocks ? 0.0 : 2.0;
// A named file's path: the block the thread's last named file gave back (none under
// AddressSanitizer either).
constexpr double recycled_name = os::keeps_spare_blocks ? 0.0 : 1.0;

// A TemporaryFile allocates nothing: its state and buffer are the thread's spares, the
// directory's text (kept for error messages) is kept in place, and no path is built (name()
// makes one only when asked). Without O_TMPFILE (the portable build) the file is created by name
// and unlinked, which costs the name.
TEST_F(AllocationCountTest, TemporaryFileAllocatesNothing) {
  const TemporaryFileOptions options{.dir = dir()};
  EXPECT_LE(per_operation([&] {
              TemporaryFile file(options);
              file.write(std::string_view("x"));
            }),
            (os::linux_fast_paths ? 0.0 : 2.0) + recycled_blocks);
}

// The same in a directory whose path is far longer than a short string's room (a std::string
// copy of it would be an allocation per file), given as a path and held by descriptor.
TEST_F(AllocationCountTest, TemporaryFileInALongDirectoryAllocatesNothing) {
  const fs::path long_dir = dir() / "a-directory-whose-name-is-longer-than-a-short-string";
  fs::create_directory(long_dir);
  const TemporaryFileOptions options{.dir = long_dir};
  EXPECT_LE(per_operation([&] {
              TemporaryFile file(options);
              file.write(std::string_view("x"));
            }),
            (os::linux_fast_paths ? 0.0 : 3.0) + recycled_blocks);
  {
    // Held by descriptor: the holder's own copy of the path is read, not copied.
    const Directory held(long_dir);
    const TemporaryFileOptions held_options{.dir = held};
    EXPECT_LE(per_operation([&] {
                TemporaryFile file(held_options);
                file.write(std::string_view("x"));
              }),
              (os::linux_fast_paths ? 0.0 : 3.0) + recycled_blocks);
  }
  fs::remove(long_dir);
}

// A NamedTemporaryFile allocates nothing either: its name is built once in the block the
// thread's last named file gave back, moved into the state and borrowed by the exit and signal
// handlers' registration; the state keeps its removal hook in place.
TEST_F(AllocationCountTest, NamedTemporaryFileAllocatesNothing) {
  const NamedTemporaryFileOptions file_options{.dir = dir()};
  EXPECT_LE(per_operation([&] {
              NamedTemporaryFile file(file_options);
              file.write(std::string_view("x"));
            }),
            recycled_name + recycled_blocks);
}

// persist() adds nothing to the file's own: the target, already absolute, is borrowed; the name
// staged beside it and its directory are built on the stack; a named file's new name takes its
// old one's room (the target, 21 bytes here, is shorter than the name, 26).
TEST_F(AllocationCountTest, PersistAllocatesNothingBeyondTheFile) {
  const fs::path target = dir() / "target";
  // Without O_TMPFILE (the portable build) a TemporaryFile has no way to a name.
  if (os::linux_fast_paths) {
    const TemporaryFileOptions unnamed_options{.dir = dir()};
    EXPECT_LE(per_operation([&] {
                TemporaryFile file(unnamed_options);
                file.write(std::string_view("x"));
                file.persist(target, {.durable = true});
              }),
              recycled_blocks);
  }
  const NamedTemporaryFileOptions named_options{.dir = dir()};
  EXPECT_LE(per_operation([&] {
              NamedTemporaryFile file(named_options);
              file.write(std::string_view("x"));
              file.persist(target, {.durable = true});
            }),
            recycled_name + recycled_blocks);
  ::unlink(target.c_str());
}

// atomic_write of bytes needs no file object: with an unnamed file it allocates nothing at all.
// Without O_TMPFILE it writes through a NamedTemporaryFile beside the target (its state and name,
// the target kept for commit(), the directory as text and as a `dir` option): 5, as a ceiling.
TEST_F(AllocationCountTest, AtomicWriteOfBytesAllocatesNothing) {
  const fs::path target = dir() / "target";
  const AtomicWriteOptions options{.permissions = PersistMode::umask_default()};
  EXPECT_LE(per_operation([&] { atomic_write(target, std::string_view("x"), options); }),
            os::linux_fast_paths ? 0.0 : 5.0);
  ::unlink(target.c_str());
}

// Today's count, as a ceiling that only goes down: a change that adds an allocation fails here.
TEST_F(AllocationCountTest, TemporaryDirectoryStaysWithinItsCount) {
  const TemporaryDirectoryOptions directory_options{.dir = dir()};
  EXPECT_LE(per_operation([&] { const TemporaryDirectory directory(directory_options); }), 3.0);
}

// Positive control: the counter sees allocations made through the library.
TEST_F(AllocationCountTest, TheCounterSeesTheLibrarysAllocations) {
  const MkstempOptions options{.dir = dir()};
  EXPECT_GE(per_operation([&] {
              auto [fd, path] = mkstemp(options);
              const fs::path copy = path / "x";  // one more path: at least one more allocation
              ::close(fd);
              ::unlink(path.c_str());
            }),
            3.0);
}

}  // namespace
}  // namespace tempfile::test
