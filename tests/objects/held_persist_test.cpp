// SPDX-License-Identifier: MIT
// persist() and atomic_write() with `dir`: a target relative to a directory held by descriptor
// lands inside it under an absolute name, a path swapped for a symbolic link after the open never
// redirects it, a closed holder is refused with the object handed back, and a `dir` path is where
// a relative target is.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "objects/atomic_write_seam.hpp"
#include "objects/persist_support.hpp"
#include "support/files.hpp"
#include "support/scratch.hpp"
#include "support/swap.hpp"
#include "tempfile/atomic_write.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/error.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class HeldPersistTest : public ScratchTest {};

const std::error_code ebadf(EBADF, std::generic_category());
const std::error_code eexist(EEXIST, std::generic_category());

TEST_F(HeldPersistTest, ANamedFileLandsInTheHeldDirectoryWithAnAbsoluteName) {
  fs::create_directory("held");
  const Directory held("held");
  for (const bool durable : {false, true}) {
    NamedTemporaryFile f;
    f.write(std::string_view("one"));
    f.persist("target", {.durable = durable, .dir = held});
    EXPECT_EQ(f.name(), scratch() / "held" / "target");
    EXPECT_EQ(read_file("held/target"), "one");
  }
  // No clobber: refused, the file still the temporary's own.
  NamedTemporaryFile g;
  const fs::path own = g.name();
  try {
    g.persist("target", {.overwrite = false, .dir = held});
    ADD_FAILURE() << "replaced an existing target without overwrite";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), eexist);
    EXPECT_THAT(e.what(), HasSubstr((scratch() / "held" / "target").string()));
  }
  EXPECT_EQ(g.name(), own);
  EXPECT_TRUE(fs::exists(own));
  g.persist("new", {.overwrite = false, .dir = held});
  EXPECT_EQ(g.name(), scratch() / "held" / "new");
  fs::remove_all("held");
}

TEST_F(HeldPersistTest, AnUnnamedFileLandsInTheHeldDirectory) {
  if (!unnamed_files_link_here()) {
    GTEST_SKIP() << "no O_TMPFILE here: an unnamed file cannot be persisted";
  }
  fs::create_directories("held/sub");
  const Directory held("held");
  for (const bool overwrite : {true, false}) {
    for (const bool durable : {false, true}) {
      TemporaryFile f;
      f.write(std::string_view("two"));
      f.persist("sub/target", {.overwrite = overwrite, .durable = durable, .dir = held});
      EXPECT_EQ(read_file("held/sub/target"), "two");
      if (!overwrite) {
        TemporaryFile again;
        std::error_code ec;
        EXPECT_FALSE(again.persist("sub/target", {.overwrite = false, .dir = held}, ec));
        EXPECT_EQ(ec, eexist);
      }
      fs::remove("held/sub/target");
    }
  }
  // Mode from the target it replaces, looked up relative to the descriptor.
  write_file("held/old", "old");
  fs::permissions("held/old", fs::perms::owner_read | fs::perms::owner_write |
                                  fs::perms::group_read | fs::perms::others_read);
  TemporaryFile f;
  f.persist("old", {.mode = PersistMode::preserve_target(), .dir = held});
  EXPECT_EQ(fs::status("held/old").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
  EXPECT_THAT(list_dir("held"), SizeIs(2));  // old and sub: nothing staged is left
  fs::remove_all("held");
}

TEST_F(HeldPersistTest, AtomicWriteWritesIntoTheHeldDirectory) {
  fs::create_directory("held");
  const Directory held("held");
  atomic_write("a.txt", std::string_view("bytes"), {.dir = held});
  EXPECT_EQ(read_file("held/a.txt"), "bytes");
  atomic_write("a.txt", [](std::ostream& out) { out << "text"; }, {.mode = "w", .dir = held});
  EXPECT_EQ(read_file("held/a.txt"), "text");
  try {
    atomic_write("a.txt", std::string_view("no"), {.overwrite = false, .dir = held});
    ADD_FAILURE() << "replaced an existing target without overwrite";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), eexist);
  }
  EXPECT_EQ(read_file("held/a.txt"), "text");
  EXPECT_THAT(list_dir("held"), SizeIs(1));
  fs::remove_all("held");
}

TEST_F(HeldPersistTest, AtomicWriteWithoutUnnamedFilesUsesANamedFileBesideTheTarget) {
  fs::create_directories("held/sub");
  const Directory held("held");
  objects::atomic_write_named_only(true);  // as where there is no O_TMPFILE
  atomic_write("a.txt", std::string_view("straight"), {.dir = held});
  atomic_write("sub/b.txt", std::string_view("below"), {.durable = false, .dir = held});
  objects::atomic_write_named_only(false);
  EXPECT_EQ(read_file("held/a.txt"), "straight");
  EXPECT_EQ(read_file("held/sub/b.txt"), "below");
  EXPECT_THAT(list_dir("held"), SizeIs(2));  // a.txt and sub: no .tmp file left
  EXPECT_THAT(list_dir("held/sub"), SizeIs(1));
  fs::remove_all("held");
}

TEST_F(HeldPersistTest, APathSwappedForASymlinkAfterTheOpenDoesNotRedirectPublication) {
  fs::create_directory("held");
  const Directory held("held");
  swap_for_symlink("held", "moved", "elsewhere");

  // Positive control: by path, the same target goes where the symbolic link leads.
  {
    NamedTemporaryFile control;
    control.persist(scratch() / "held" / "control");
    // Not durable: the sync opens the directory without following a final symbolic link.
    atomic_write(scratch() / "held" / "control-atomic", std::string_view("c"), {.durable = false});
  }
  EXPECT_THAT(list_dir("elsewhere"), SizeIs(2)) << "the swap does redirect publication by path";
  fs::remove("elsewhere/control");
  fs::remove("elsewhere/control-atomic");

  // The named file's own name is a path in the scratch directory (its source stays path-based).
  NamedTemporaryFile named({.dir = scratch()});
  named.write(std::string_view("named"));
  named.persist("named", {.durable = true, .dir = held});
  EXPECT_EQ(named.name(), scratch() / "held" / "named");  // the held path, as given at the open
  NamedTemporaryFile named_no_clobber({.dir = scratch()});
  named_no_clobber.persist("named-no-clobber", {.overwrite = false, .dir = held});
  if (unnamed_files_link_here()) {
    TemporaryFile unnamed;
    unnamed.write(std::string_view("unnamed"));
    unnamed.persist("unnamed", {.durable = true, .dir = held});
    TemporaryFile unnamed_no_clobber;
    unnamed_no_clobber.persist("unnamed-no-clobber", {.overwrite = false, .dir = held});
    atomic_write("atomic", std::string_view("atomic"), {.dir = held});
    atomic_write("atomic-stream", [](std::ostream& out) { out << "s"; },
                 {.mode = "w", .dir = held});
  }
  EXPECT_THAT(list_dir("elsewhere"), IsEmpty()) << "nothing may reach the directory swapped in";
  EXPECT_EQ(read_file("moved/named"), "named");
  EXPECT_TRUE(fs::exists("moved/named-no-clobber"));
  if (unnamed_files_link_here()) {
    EXPECT_EQ(read_file("moved/unnamed"), "unnamed");
    EXPECT_EQ(read_file("moved/atomic"), "atomic");
    EXPECT_EQ(read_file("moved/atomic-stream"), "s");
    EXPECT_THAT(list_dir("moved"), SizeIs(6));
  }
  fs::remove("held");
  fs::remove_all("moved");
  fs::remove("elsewhere");
}

TEST_F(HeldPersistTest, AClosedHolderIsRefusedWithEbadfAndTheObjectHandedBack) {
  std::optional<TemporaryDirectory> holder(std::in_place, TemporaryDirectoryOptions{.dir = "."});
  const PersistOptions options{.dir = *holder};
  const fs::path where = holder->name();
  holder->cleanup();
  EXPECT_FALSE(fs::exists(where));

  NamedTemporaryFile named;
  const fs::path own = named.name();
  named.write(std::string_view("kept"));
  try {
    named.persist("target", options);
    ADD_FAILURE() << "persisted into a directory whose holder was cleaned up";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), ebadf);
    EXPECT_THAT(e.what(), HasSubstr(where.string()));
  }
  EXPECT_EQ(named.name(), own);  // still open, still owning its temporary
  EXPECT_TRUE(fs::exists(own));
  named.write(std::string_view(" still"));
  named.flush();
  EXPECT_EQ(read_file(own), "kept still");

  TemporaryFile unnamed;
  std::error_code ec;
  EXPECT_FALSE(unnamed.persist("target", options, ec));
  EXPECT_EQ(ec, ebadf);
  unnamed.write(std::string_view("open"));

  try {
    atomic_write("target", std::string_view("x"), {.dir = *holder});
    ADD_FAILURE() << "atomic_write into a directory whose holder was cleaned up";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), ebadf);
  }
  holder.reset();  // the fixture checks that the objects leave nothing behind
}

TEST_F(HeldPersistTest, ATargetMustStayInsideTheHeldDirectoryUnlessItIsAbsolute) {
  fs::create_directory("held");
  const Directory held("held");
  NamedTemporaryFile f({.dir = scratch()});
  EXPECT_THROW(f.persist("../out", {.dir = held}), std::invalid_argument);
  EXPECT_THROW(f.persist(".", {.dir = held}), std::invalid_argument);
  EXPECT_THROW(atomic_write("sub/..", std::string_view("x"), {.dir = held}), std::invalid_argument);
  // "a/../b" stays inside: made normal.
  f.persist("a/../b", {.dir = held});
  EXPECT_EQ(f.name(), scratch() / "held" / "b");
  // An absolute target ignores the held directory, as openat() ignores its descriptor.
  f.persist(scratch() / "absolute", {.dir = held});
  EXPECT_EQ(f.name(), scratch() / "absolute");
  fs::remove("absolute");
  fs::remove_all("held");
}

TEST_F(HeldPersistTest, ARelativeTargetIsRelativeToADirPath) {
  fs::create_directory("there");
  NamedTemporaryFile f;
  f.persist("target", {.dir = scratch() / "there"});
  EXPECT_EQ(f.name(), scratch() / "there" / "target");
  atomic_write("written", std::string_view("w"), {.dir = "there"});
  EXPECT_EQ(read_file("there/written"), "w");
  // An empty path is the current directory, as `dir` is for creation.
  f.persist("here", {.dir = ""});
  EXPECT_EQ(f.name(), scratch() / "here");
  fs::remove("here");
  fs::remove_all("there");
}

}  // namespace
}  // namespace tempfile::test
