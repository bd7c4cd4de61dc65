// SPDX-License-Identifier: MIT
// tempfile::options(): every option struct built by named calls in any order, and the options a
// struct does not have refused at compile time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/scratch.hpp"
#include "tempfile/tempfile.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;

template <class Target, class Builder>
constexpr bool converts = std::is_convertible_v<Builder, Target>;

// Options a struct does not have do not compile.
using WithDeleteOnClose = decltype(options().delete_on_close(false));
static_assert(converts<NamedTemporaryFileOptions, WithDeleteOnClose>);
static_assert(!converts<MkstempOptions, WithDeleteOnClose>);
static_assert(!converts<TemporaryFileOptions, WithDeleteOnClose>);
static_assert(!converts<TemporaryDirectoryOptions, WithDeleteOnClose>);
using WithText = decltype(options().text(true));
static_assert(converts<MkstempOptions, WithText>);
static_assert(!converts<MkdtempOptions, WithText>);
using WithMode = decltype(options().suffix("s").mode("w+"));
static_assert(converts<TemporaryFileOptions, WithMode>);
static_assert(converts<SpooledTemporaryFileOptions, WithMode>);
static_assert(!converts<MkstempOptions, WithMode>);
static_assert(!converts<TemporaryDirectoryOptions, WithMode>);
using WithMaxSize = decltype(options().max_size(1));
static_assert(converts<SpooledTemporaryFileOptions, WithMaxSize>);
static_assert(!converts<NamedTemporaryFileOptions, WithMaxSize>);
using WithLock = decltype(options().lock(false));
static_assert(converts<TemporaryDirectoryOptions, WithLock>);
static_assert(converts<NamedTemporaryFileOptions, WithLock>);
static_assert(!converts<TemporaryFileOptions, WithLock>);
using WithCleanupParallel = decltype(options().cleanup_parallel(RmtreeParallel::never));
static_assert(converts<TemporaryDirectoryOptions, WithCleanupParallel>);
static_assert(!converts<NamedTemporaryFileOptions, WithCleanupParallel>);
// The name parts every creation function has: one builder, every struct.
using NameOnly = decltype(options().prefix("p").suffix("s").dir("/x"));
static_assert(converts<MkstempOptions, NameOnly> && converts<MkdtempOptions, NameOnly> &&
              converts<MktempOptions, NameOnly> && converts<TemporaryFileOptions, NameOnly> &&
              converts<NamedTemporaryFileOptions, NameOnly> &&
              converts<SpooledTemporaryFileOptions, NameOnly> &&
              converts<TemporaryDirectoryOptions, NameOnly>);

class OptionsBuilderTest : public test::ScratchTest {};

TEST_F(OptionsBuilderTest, PrefixBeforeSuffixBuildsWhatDesignatedInitializersWould) {
  const NamedTemporaryFileOptions built = options()
                                              .prefix("p-")
                                              .suffix(".txt")
                                              .dir(scratch())
                                              .errors("replace")
                                              .delete_on_close(false)
                                              .mode("w+")
                                              .encoding("latin-1")
                                              .delete_(false)
                                              .newline("\r\n")
                                              .buffering(1);
  EXPECT_EQ(built.mode, "w+");
  EXPECT_EQ(built.buffering, 1);
  EXPECT_EQ(built.encoding, "latin-1");
  EXPECT_EQ(built.newline, "\r\n");
  EXPECT_EQ(built.suffix, ".txt");
  EXPECT_EQ(built.prefix, "p-");
  EXPECT_EQ(built.dir, scratch());
  EXPECT_FALSE(built.delete_);
  EXPECT_EQ(built.errors, "replace");
  EXPECT_FALSE(built.delete_on_close);
}

TEST_F(OptionsBuilderTest, OptionsNotGivenKeepTheStructsDefaults) {
  const NamedTemporaryFileOptions named = options().prefix("p");
  const NamedTemporaryFileOptions defaults{};
  EXPECT_EQ(named.mode, defaults.mode);
  EXPECT_EQ(named.buffering, defaults.buffering);
  EXPECT_EQ(named.suffix, std::nullopt);
  EXPECT_EQ(named.dir, std::nullopt);
  EXPECT_TRUE(named.delete_);
  EXPECT_TRUE(named.delete_on_close);
  EXPECT_TRUE(named.lock);
  const MktempOptions mktemp_options = options().suffix(".x");
  EXPECT_EQ(mktemp_options.prefix, "tmp");  // mktemp's own default
  EXPECT_EQ(mktemp_options.suffix, ".x");
  const TemporaryDirectoryOptions directory = options().ignore_cleanup_errors(true);
  EXPECT_TRUE(directory.lock);
  EXPECT_TRUE(directory.delete_);
  EXPECT_TRUE(directory.ignore_cleanup_errors);
  EXPECT_EQ(directory.cleanup_parallel, RmtreeParallel::automatic);
  const TemporaryDirectoryOptions alone = options().cleanup_parallel(RmtreeParallel::never);
  EXPECT_EQ(alone.cleanup_parallel, RmtreeParallel::never);
  EXPECT_TRUE(alone.delete_);
  const SpooledTemporaryFileOptions spooled = options().memfd(true).max_size(64);
  EXPECT_EQ(spooled.max_size, 64);
  EXPECT_TRUE(spooled.memfd);
  EXPECT_EQ(spooled.mode, "w+b");
}

TEST_F(OptionsBuilderTest, EveryCreationFunctionAndObjectTakesABuilder) {
  const auto names = options().prefix("b-").suffix(".end").dir(scratch());
  {
    auto [fd, path] = mkstemp(names);
    EXPECT_EQ(path.parent_path(), scratch());
    EXPECT_TRUE(path.filename().string().starts_with("b-"));
    EXPECT_TRUE(path.filename().string().ends_with(".end"));
    ::close(fd);
    fs::remove(path);
  }
  {
    auto [fd, path] = mkstemp(options().suffix(".c").text(true).dir(scratch()));
    EXPECT_EQ(path.extension(), ".c");
    ::close(fd);
    fs::remove(path);
  }
  {
    const fs::path path = mkdtemp(names);
    EXPECT_TRUE(path.filename().string().starts_with("b-"));
    fs::remove(path);
  }
  {
    NamedTemporaryFile f(options().suffix(".txt").mode("w+").prefix("n-").dir(scratch()));
    EXPECT_TRUE(f.name().filename().string().starts_with("n-"));
    EXPECT_EQ(f.name().extension(), ".txt");
    EXPECT_EQ(f.encoding(), "utf-8");  // text mode
  }
  {
    TemporaryFile f(options().mode("w+").encoding("utf-16"));
    EXPECT_EQ(f.encoding(), "utf-16");
  }
  {
    SpooledTemporaryFile f(options().mode("w+").max_size(4));
    f.write(std::string_view("12345"));
    EXPECT_TRUE(f.rolled());
  }
  {
    fs::path kept;
    {
      TemporaryDirectory d(options().delete_(false).prefix("d-"));
      kept = d.name();
      EXPECT_TRUE(kept.filename().string().starts_with("d-"));
    }
    EXPECT_TRUE(fs::exists(kept));
    fs::remove(kept);
  }
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

}  // namespace
}  // namespace tempfile
