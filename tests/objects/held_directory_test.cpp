// SPDX-License-Identifier: MIT
// Creation in a directory held by descriptor (tempfile::Directory, a TemporaryDirectory as
// `dir`): every creation function and class lands inside it with an absolute name, a path swapped
// after the open never redirects it, a closed holder is refused, and DirOption keeps what it is
// given.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "support/scratch.hpp"
#include "support/swap.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/options_builder.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

namespace fs = std::filesystem;
using test::list_dir;
using test::ScratchTest;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class HeldDirectoryTest : public ScratchTest {};

// What a name under `dir` must look like: absolute, directly inside it.
void expect_directly_in(const fs::path& name, const fs::path& dir) {
  EXPECT_TRUE(name.is_absolute()) << name;
  EXPECT_EQ(name.parent_path(), dir) << name;
}

TEST_F(HeldDirectoryTest, EveryCreationLandsInsideWithAnAbsoluteName) {
  fs::create_directory("held");
  const Directory held("held");
  const fs::path where = scratch() / "held";
  EXPECT_EQ(held.path(), where);
  EXPECT_GE(held.native_handle(), 0);

  auto [fd, file] = mkstemp({.suffix = ".c", .dir = held});
  ::close(fd);
  expect_directly_in(file, where);
  EXPECT_TRUE(fs::is_regular_file(file));

  const fs::path directory = mkdtemp({.prefix = "d", .dir = held});
  expect_directly_in(directory, where);
  EXPECT_TRUE(fs::is_directory(directory));
  {
    NamedTemporaryFile named({.dir = held});
    expect_directly_in(named.name(), where);
    named.write("x");
    named.flush();
    EXPECT_EQ(fs::file_size(named.name()), 1U);
    TemporaryFile unnamed({.dir = held});
    unnamed.write("y");
    TemporaryDirectory nested({.dir = held});
    expect_directly_in(nested.name(), where);
    SpooledTemporaryFile spooled({.max_size = 1, .dir = held});
    spooled.write("zz");  // rolls over into the held directory
    EXPECT_TRUE(spooled.rolled());
    EXPECT_THAT(list_dir(where), SizeIs(4));  // file, directory, named, nested
  }
  EXPECT_THAT(list_dir(where), SizeIs(2));  // only mkstemp's and mkdtemp's, which the caller owns
  fs::remove(file);
  fs::remove(directory);
  fs::remove("held");
}

TEST_F(HeldDirectoryTest, ATemporaryDirectoryHoldsWhatIsCreatedInIt) {
  TemporaryDirectory scratch_dir;
  NamedTemporaryFile named({.dir = scratch_dir, .delete_ = false});
  expect_directly_in(named.name(), scratch_dir.name());
  TemporaryDirectory nested({.dir = scratch_dir});
  expect_directly_in(nested.name(), scratch_dir.name());
  // The options follow the object across a move: they refer to what it holds, not to it.
  TemporaryDirectoryOptions options{.dir = scratch_dir};
  TemporaryDirectory moved = std::move(scratch_dir);
  const fs::path inner = mkdtemp({.dir = options.dir});
  expect_directly_in(inner, moved.name());
  named.close();
  nested.cleanup();
  moved.cleanup();  // removes the kept file and the inner directory with the tree
  EXPECT_FALSE(fs::exists(moved.name()));
}

// The point of holding it: after the open, the path can be renamed away and replaced by a
// symbolic link to somewhere else, and creation still goes to the directory that was opened.
TEST_F(HeldDirectoryTest, APathSwappedForASymlinkAfterTheOpenDoesNotRedirectCreation) {
  fs::create_directory("held");
  const Directory held("held");
  test::swap_for_symlink("held", "moved", "elsewhere");

  // Positive control: by path, the same options go where the symbolic link leads.
  auto [control_fd, control] = mkstemp({.dir = scratch() / "held"});
  ::close(control_fd);
  EXPECT_THAT(list_dir("elsewhere"), SizeIs(1)) << "the swap does redirect creation by path";
  fs::remove(control);

  auto [fd, file] = mkstemp({.dir = held});
  ::close(fd);
  const fs::path made = mkdtemp({.dir = held});
  {
    NamedTemporaryFile named({.dir = held, .delete_ = false});
    TemporaryFile unnamed({.dir = held});
    TemporaryDirectory nested({.dir = held, .delete_ = false});
    // Kept where it is (in the moved directory); its absolute name now leads into the
    // directory swapped in, where nothing is: keep() says so.
    EXPECT_THROW(static_cast<void>(nested.keep()), error);
  }
  EXPECT_THAT(list_dir("elsewhere"), SizeIs(0)) << "nothing may reach the directory swapped in";
  EXPECT_THAT(list_dir("moved"), SizeIs(4));  // mkstemp, mkdtemp, the named file, nested
  // Names are the held path plus the new name, as given at the open.
  expect_directly_in(file, scratch() / "held");
  EXPECT_TRUE(fs::exists(scratch() / "moved" / file.filename()));
  static_cast<void>(made);
  fs::remove("held");
  fs::remove_all("moved");
  fs::remove("elsewhere");
}

// The same swap against removal: objects made in the held directory, then its path renamed away
// and a symbolic link put there to a directory holding a twin of every object's name. close(),
// the destructors and cleanup() remove a name only while it still refers to the object: the file
// twins and the tree's twin stay as they were, the objects stay in the moved directory (the
// trees emptied through their descriptors) and cleanup() reports the tree as moved away. The
// empty directory's twin is the exception: removal starts with an rmdir of the name, whose
// parent is resolved through the link (docs/held-directories.md). Positive control: removing
// the same names by path reaches the remaining twins.
TEST_F(HeldDirectoryTest, B1_AHeldDirectorySwappedForASymlinkNeverLeadsCloseOrCleanupOut) {
  fs::create_directory("held");
  const Directory held("held");
  NamedTemporaryFile closed({.dir = held});
  std::optional<NamedTemporaryFile> destroyed(NamedTemporaryFileOptions{.dir = held});
  TemporaryDirectory tree({.dir = held});
  std::optional<TemporaryDirectory> empty(TemporaryDirectoryOptions{.dir = held});
  { std::ofstream(tree / "ours") << "ours"; }
  const std::string file_a = closed.name().filename().string();
  const std::string file_b = destroyed->name().filename().string();
  const std::string tree_name = tree.name().filename().string();
  const std::string empty_name = empty->name().filename().string();
  fs::create_directories("victim/" + tree_name + "/sub");
  { std::ofstream("victim/" + tree_name + "/sub/f") << "twin"; }
  { std::ofstream("victim/" + file_a) << "twin"; }
  { std::ofstream("victim/" + file_b) << "twin"; }
  fs::create_directory("victim/" + empty_name);
  test::swap_for_symlink("held", "moved", "victim");

  closed.close();
  destroyed.reset();
  try {
    tree.cleanup();
    ADD_FAILURE() << "cleanup() of a tree whose name leads elsewhere reported nothing";
  } catch (const cleanup_error& failure) {
    EXPECT_THAT(failure.what(), HasSubstr("moved away"));
  }
  empty.reset();
  EXPECT_EQ(list_dir("victim"), (std::set<std::string>{file_a, file_b, tree_name}))
      << "only the empty directory's twin may go (the rmdir of the name, through the link)";
  EXPECT_EQ(list_dir("victim/" + tree_name + "/sub"), std::set<std::string>{"f"});
  for (const std::string& twin : {file_a, file_b, tree_name + "/sub/f"}) {
    std::ifstream in(scratch() / "victim" / twin);
    std::string text;
    in >> text;
    EXPECT_EQ(text, "twin") << twin;
  }
  // Left where they now are, the trees without their contents.
  EXPECT_EQ(list_dir("moved"), (std::set<std::string>{file_a, file_b, tree_name, empty_name}));
  EXPECT_THAT(list_dir("moved/" + tree_name), SizeIs(0));

  // Positive control: by path, the names reach the twins.
  for (const std::string& name : {file_a, file_b, tree_name}) {
    EXPECT_GT(fs::remove_all(scratch() / "held" / name), 0U) << name;
  }
  EXPECT_THAT(list_dir("victim"), SizeIs(0));
  fs::remove("held");
  fs::remove_all("moved");
  fs::remove("victim");
}

TEST_F(HeldDirectoryTest, AHolderThatClosedItsDescriptorIsRefusedWithEbadf) {
  TemporaryDirectory scratch_dir;
  const MkstempOptions options{.dir = scratch_dir};
  scratch_dir.cleanup();
  try {
    static_cast<void>(mkstemp(options));
    ADD_FAILURE() << "created in a directory whose holder was cleaned up";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::error_code(EBADF, std::generic_category()));
    EXPECT_THAT(e.what(), HasSubstr(scratch_dir.name().string()));
    EXPECT_THAT(e.what(), HasSubstr("cleaned up"));
  }
  Directory opened(scratch());
  const TemporaryFileOptions file_options{.dir = opened};
  Directory taker = std::move(opened);
  // The option follows the descriptor to its new owner...
  TemporaryFile follows(file_options);
  // ...and a moved-from holder gives options that are refused, never the default directory.
  const MkdtempOptions from_moved{.dir = opened};  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(from_moved.dir.held());
  EXPECT_TRUE(from_moved.dir.path().empty());
  std::error_code ec;
  EXPECT_TRUE(mkdtemp(from_moved, ec).empty());
  EXPECT_EQ(ec, std::error_code(EBADF, std::generic_category()));
}

TEST_F(HeldDirectoryTest, OpeningChecksItsPath) {
  EXPECT_THROW(Directory(""), std::invalid_argument);
  EXPECT_THROW(Directory(std::string("a\0b", 3)), std::invalid_argument);
  try {
    Directory missing("missing");
    ADD_FAILURE() << "opened a missing directory";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), std::error_code(ENOENT, std::generic_category()));
    EXPECT_EQ(e.path1(), scratch() / "missing");
  }
  { std::ofstream("file") << "x"; }
  EXPECT_THROW(Directory("file"), error);  // ENOTDIR
  // A symbolic link in the path is followed once, at the open.
  fs::create_directory("real");
  fs::create_directory_symlink("real", "link");
  const Directory through_link("link");
  const fs::path made = mkdtemp({.dir = through_link});
  EXPECT_TRUE(fs::is_directory(scratch() / "real" / made.filename()));
  fs::remove(made);
  fs::remove("link");
  fs::remove("real");
  fs::remove("file");
}

#if defined(__linux__) && !defined(TEMPFILE_PORTABLE)
// O_PATH: a directory its owner may write and search but not list is held all the same.
TEST_F(HeldDirectoryTest, ADirectoryThatCannotBeListedCanBeHeld) {
  fs::create_directory("write-only");
  ASSERT_EQ(::chmod("write-only", 0300), 0);
  const Directory held("write-only");
  NamedTemporaryFile named({.dir = held});
  EXPECT_TRUE(fs::exists(named.name()));
  named.close();
  ASSERT_EQ(::chmod("write-only", 0700), 0);
  fs::remove("write-only");
}
#endif

TEST(DirOptionTest, KeepsWhatItIsGiven) {
  const DirOption none;
  EXPECT_FALSE(none.has_value());
  EXPECT_FALSE(none.held());
  EXPECT_TRUE(none.path().empty());
  EXPECT_EQ(DirOption(std::nullopt), none);

  const fs::path short_path = "/var/tmp";
  const DirOption from_path = short_path;
  EXPECT_TRUE(from_path.has_value());
  EXPECT_EQ(from_path.text(), "/var/tmp");
  EXPECT_EQ(from_path.path(), short_path);
  EXPECT_EQ(from_path, DirOption("/var/tmp"));
  EXPECT_EQ(from_path, DirOption(std::string("/var/tmp")));
  EXPECT_EQ(from_path, DirOption(std::optional<fs::path>(short_path)));
  EXPECT_EQ(DirOption(std::optional<fs::path>()), none);
  EXPECT_FALSE(from_path == DirOption("/var/tmp/"));

  // Longer than what is kept in place: the same, from the heap.
  const std::string long_text = "/" + std::string(300, 'a');
  DirOption long_option = long_text;
  EXPECT_EQ(long_option.text(), long_text);
  DirOption copy = long_option;
  EXPECT_EQ(copy.text(), long_text);
  DirOption moved = std::move(long_option);
  EXPECT_EQ(moved.text(), long_text);
  EXPECT_FALSE(long_option.has_value());  // NOLINT(bugprone-use-after-move): left empty
  copy = from_path;
  EXPECT_EQ(copy, from_path);
  copy = std::move(moved);
  EXPECT_EQ(copy.text(), long_text);

  // Through the builder, in any order, as a path or a held directory.
  const MkstempOptions built = options().dir("/srv").prefix("p");
  EXPECT_EQ(built.dir.text(), "/srv");
}

TEST_F(HeldDirectoryTest, TheBuilderTakesAHeldDirectory) {
  const Directory held(scratch());
  NamedTemporaryFile f(options().dir(held).suffix(".txt"));
  expect_directly_in(f.name(), scratch());
  EXPECT_EQ(f.name().extension(), ".txt");
}

}  // namespace
}  // namespace tempfile
