// SPDX-License-Identifier: MIT
// The per-thread spare blocks: a file's state is kept for the next file of the thread, one
// block per kind, and a recycled state starts afresh.
#include "os/spare_block.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "support/scratch.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::os {
namespace {

class SpareBlockTest : public test::ScratchTest {};

TEST_F(SpareBlockTest, AClosedFilesStateIsKeptForTheNextOne) {
  if (!keeps_spare_blocks) {
    GTEST_SKIP() << "blocks are not recycled under AddressSanitizer (use after close stays "
                    "detectable)";
  }
  { const TemporaryFile file; }
  void* state = take_spare_block(SpareKind::file_state);
  ASSERT_NE(state, nullptr) << "the file's state was not kept";
  EXPECT_EQ(take_spare_block(SpareKind::file_state), nullptr) << "the slot holds one";
  ASSERT_TRUE(keep_spare_block(SpareKind::file_state, state));
  // A second block of the same kind is not kept while the slot is full: the caller frees it.
  void* other = ::operator new(64);
  EXPECT_FALSE(keep_spare_block(SpareKind::file_state, other));
  ::operator delete(other);
  // The next file takes the kept block.
  { const TemporaryFile file; }
  EXPECT_EQ(take_spare_block(SpareKind::file_state), state);
  ASSERT_TRUE(keep_spare_block(SpareKind::file_state, state));
}

TEST_F(SpareBlockTest, KindsAndThreadsHaveSlotsOfTheirOwn) {
  if (!keeps_spare_blocks) {
    GTEST_SKIP() << "blocks are not recycled under AddressSanitizer";
  }
  { const TemporaryFile file; }  // both slots of this thread filled
  void* state = take_spare_block(SpareKind::file_state);
  void* buffer = take_spare_block(SpareKind::io_buffer);
  ASSERT_NE(state, nullptr);
  ASSERT_NE(buffer, nullptr);
  EXPECT_NE(state, buffer);
  void* in_other_thread = nullptr;
  std::thread([&] {
    EXPECT_EQ(take_spare_block(SpareKind::file_state), nullptr) << "a new thread has none";
    { const TemporaryFile file; }
    in_other_thread = take_spare_block(SpareKind::file_state);
    EXPECT_NE(in_other_thread, nullptr);
    EXPECT_TRUE(keep_spare_block(SpareKind::file_state, in_other_thread));
  }).join();  // that thread's spares are freed as it ends (a leak checker would say otherwise)
  EXPECT_NE(in_other_thread, state);
  EXPECT_TRUE(keep_spare_block(SpareKind::file_state, state));
  EXPECT_TRUE(keep_spare_block(SpareKind::io_buffer, buffer));
}

// A named file's path block is kept as it is destroyed and becomes the next path's: the next
// file's name lives in the same block, and nothing of the old name shows in it.
TEST_F(SpareBlockTest, ANamedFilesPathBlockIsTheNextPaths) {
  if (!keeps_spare_blocks) {
    // Under AddressSanitizer nothing is kept (a use after free stays detectable): a destroyed
    // file's name goes to the heap and the slot stays empty.
    { const NamedTemporaryFile file(NamedTemporaryFileOptions{.dir = scratch()}); }
    EXPECT_EQ(take_spare_string().capacity(), std::string().capacity());
    std::string path(100, 'p');
    keep_spare_string(path);
    EXPECT_EQ(path, std::string(100, 'p')) << "left to its owner";
    EXPECT_EQ(take_spare_string().capacity(), std::string().capacity());
    return;
  }
  std::string first_name;
  {
    const NamedTemporaryFile file(NamedTemporaryFileOptions{.dir = scratch()});
    first_name = file.name().string();
  }
  std::string spare = take_spare_string();
  ASSERT_GT(spare.capacity(), std::string().capacity()) << "the name's block was not kept";
  EXPECT_TRUE(spare.empty()) << "a spare string is handed out empty";
  const char* block = spare.data();
  keep_spare_string(spare);
  std::string again = take_spare_string();
  EXPECT_EQ(again.data(), block) << "kept again, and handed out again";
  keep_spare_string(again);
  {
    const NamedTemporaryFile file(NamedTemporaryFileOptions{.dir = scratch()});
    const std::string name = file.name().string();
    EXPECT_NE(name, first_name);
    EXPECT_EQ(name.rfind((scratch() / "tmp").string(), 0), 0U) << name;
    EXPECT_EQ(name.size(), first_name.size()) << "the new name is whole: " << name;
    EXPECT_EQ(name.find('\0'), std::string::npos) << "a NUL of the laid-out room was left";
  }
  EXPECT_EQ(take_spare_string().data(), block) << "the second name lived in the first's block";
}

// Only a block worth keeping is kept: a short string has none, a large one is freed, and a full
// slot keeps the block it has.
TEST_F(SpareBlockTest, OnlyAPathSizedBlockIsKeptAndOneAtATime) {
  if (!keeps_spare_blocks) {
    return;  // nothing is ever kept there (ANamedFilesPathBlockIsTheNextPaths checks it)
  }
  static_cast<void>(take_spare_string());  // an empty slot to start from
  std::string short_text = "short";
  keep_spare_string(short_text);
  EXPECT_EQ(short_text, "short") << "a short string is left to its owner";
  EXPECT_EQ(take_spare_string().capacity(), std::string().capacity()) << "nothing was kept";

  std::string large(spare_string_capacity + 1, 'x');
  keep_spare_string(large);
  EXPECT_EQ(large.size(), spare_string_capacity + 1) << "a large block is left to its owner";
  EXPECT_EQ(take_spare_string().capacity(), std::string().capacity()) << "nothing was kept";

  std::string path(100, 'p');
  const char* block = path.data();
  keep_spare_string(path);
  EXPECT_TRUE(path.empty()) << "the block was taken from the string";
  std::string second(100, 's');
  keep_spare_string(second);
  EXPECT_EQ(second, std::string(100, 's')) << "the slot holds one: the second is left";
  std::thread([] {
    EXPECT_EQ(take_spare_string().capacity(), std::string().capacity()) << "a new thread has none";
    std::string in_thread(200, 't');
    keep_spare_string(in_thread);  // freed as the thread ends (a leak checker would say otherwise)
  }).join();
  EXPECT_EQ(take_spare_string().data(), block);
}

// Only a named file's path takes the spare: the other paths creation lays out leave it for the
// next named file, since they would not give it back: the default directory a TemporaryFile
// resolves (and, without O_TMPFILE, its name unlinked at once), the paths mkstemp and mkdtemp
// hand to the caller, a TemporaryDirectory's root.
TEST_F(SpareBlockTest, OnlyANamedFilesPathTakesTheSpare) {
  if (!keeps_spare_blocks) {
    return;  // nothing is ever kept there (ANamedFilesPathBlockIsTheNextPaths checks it)
  }
  { const NamedTemporaryFile file(NamedTemporaryFileOptions{.dir = scratch()}); }
  std::string spare = take_spare_string();
  ASSERT_GT(spare.capacity(), std::string().capacity());
  const char* block = spare.data();
  keep_spare_string(spare);
  const auto spare_is_still_there = [block](const char* after) {
    std::string again = take_spare_string();
    EXPECT_EQ(again.data(), block) << after << " took the named files' spare";
    keep_spare_string(again);
  };
  { const TemporaryFile file; }  // in the default directory (the scratch one): resolved anew
  spare_is_still_there("a TemporaryFile");
  const MkstempResult made = mkstemp(MkstempOptions{.dir = scratch()});
  ::close(made.fd);
  spare_is_still_there("mkstemp");
  std::filesystem::remove(made.path);
  const std::filesystem::path made_directory = mkdtemp(MkdtempOptions{.dir = scratch()});
  spare_is_still_there("mkdtemp");
  std::filesystem::remove(made_directory);
  { const TemporaryDirectory directory(TemporaryDirectoryOptions{.dir = scratch()}); }
  spare_is_still_there("a TemporaryDirectory");
}

// As a thread ends its spares are freed; a file destroyed after that (by a thread_local made
// before the slots' owner, so destroyed after it) goes back to the heap, and no block is kept
// any more. The same in every build: under AddressSanitizer nothing is ever kept.
std::atomic<int> kept_after_the_end{-1};
struct DestroyedAfterTheSlots {
  std::optional<TemporaryFile> file;
  ~DestroyedAfterTheSlots() {
    // The owner emptied the slots as it ended: only its closed state refuses this block.
    void* block = ::operator new(64);
    const bool kept = keep_spare_block(SpareKind::file_state, block);
    if (!kept) {
      ::operator delete(block);
    }
    kept_after_the_end = kept ? 1 : 0;
    file.reset();  // its state and buffer: to the heap (a leak checker would see one kept)
  }
};

TEST_F(SpareBlockTest, AFileDestroyedAfterItsThreadsSlotsGoesToTheHeap) {
  std::thread([] {
    thread_local DestroyedAfterTheSlots late;  // made first: destroyed last
    late.file.emplace();
    late.file->write(std::string_view("late"));
    { const TemporaryFile file; }  // the slots' owner is made now, after `late`
  }).join();
  EXPECT_EQ(kept_after_the_end.load(), 0) << "a block was kept after the thread's slots ended";
}

// A state is built afresh in a recycled block: nothing of the last file (its mode, its text
// layer, its name, its removal hook) shows in the next.
TEST_F(SpareBlockTest, ARecycledStateStartsAfresh) {
  std::string last_name;
  {
    NamedTemporaryFile text_file(NamedTemporaryFileOptions{.mode = "w+", .encoding = "latin-1"});
    text_file.write(std::string_view("caf\xc3\xa9"));
    last_name = text_file.name().string();
  }
  EXPECT_FALSE(std::filesystem::exists(last_name)) << "the hook ran with its own file";
  TemporaryFile next;
  EXPECT_EQ(next.mode(), "rb+");
  EXPECT_NE(next.name().string(), last_name);
  EXPECT_EQ(next.name().string(), std::to_string(next.fileno()));
  next.write(std::string_view("\xff"));
  next.seek(0);
  EXPECT_EQ(next.read(), "\xff");  // bytes as they are: no codec left behind
  next.close();                    // no removal hook left behind: nothing to remove, nothing thrown
}

}  // namespace
}  // namespace tempfile::os
