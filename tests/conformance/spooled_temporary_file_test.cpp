// SPDX-License-Identifier: MIT
// Port of CPython's TestSpooledTemporaryFile (Lib/test/test_tempfile.py, 3.14 semantics for
// writelines): when the object rolls over, and what it reports before and after.
//
// Adapted: Python's private `_rolled` is rolled(); `_file.getvalue()` is seek(0) + read();
// AttributeError for encoding/newlines in binary mode is nullopt / an empty vector; `with` is a
// scope that calls close() at its end (Python's __exit__), and "re-entering" a closed object is
// using it, which throws tempfile::closed_file_error (Python's ValueError); a bound method taken
// before rollover is a File& (and a stream()) taken before rollover; mode after rollover is
// "rb+" as in 3.11-3.14 (3.15 says "wb+"); newlines == os.linesep is newlines() == {"\n"}.
//
// not ported: test_is_iobase — isinstance(io.IOBase) has no C++ counterpart; File is the
//   interface and SpooledTemporaryFile derives from it (checked at compile time below).
// not ported: test_class_getitem — SpooledTemporaryFile[bytes] (types.GenericAlias) is Python
//   typing only.
// not ported: test_del_unrolled_file and the ResourceWarning half of test_del_rolled_file —
//   the destructor closes silently (there is no warnings machinery); the intent (destruction
//   releases the descriptor and leaves no file) is tested.
// not ported, part of test_iobase_interface: detach (the object owns its layers; nothing can
//   be taken out of it), readinto1 (read, read1 and readinto are the byte reads of the public
//   interface), errors (not exposed; the "strict"/"ignore" checks of test_text_mode and
//   test_text_newline_and_encoding are done by behaviour instead), __enter__/__exit__ (RAII and
//   close()), __next__ (LineIterator's operator++).
#include "tempfile/spooled_temporary_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "conformance/conformance_helpers.hpp"
#include "os/linesep.hpp"
#include "support/descriptor.hpp"
#include "support/scratch.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"

// Each conformance file keeps CPython's helper names (do_create, ...) in a namespace of its own.
namespace tempfile::spooled_conformance {
namespace {

using ::testing::ElementsAre;

// test_iobase_interface: every IOBase/BufferedIOBase/TextIOBase member that has a C++
// counterpart exists on SpooledTemporaryFile with a usable signature.
template <class F>
concept IOBaseInterface = requires(F& f, const F& cf, std::span<std::byte> bytes,
                                   const std::vector<std::string>& lines) {
  { f.fileno() } -> std::same_as<int>;  // not const: it rolls a spooled file over
  { f.seek(std::int64_t{0}, SEEK_SET) } -> std::same_as<std::int64_t>;
  { f.truncate() } -> std::same_as<std::int64_t>;
  { f.truncate(std::int64_t{0}) } -> std::same_as<std::int64_t>;
  f.close();
  { cf.closed() } -> std::same_as<bool>;
  f.flush();
  { f.isatty() } -> std::same_as<bool>;
  { f.begin() } -> std::input_iterator;  // __iter__ / __next__
  { f.begin() == f.end() } -> std::same_as<bool>;
  { cf.readable() } -> std::same_as<bool>;
  { f.readline() } -> std::same_as<std::string>;
  { f.readlines() } -> std::same_as<std::vector<std::string>>;
  { cf.seekable() } -> std::same_as<bool>;
  { f.tell() } -> std::same_as<std::int64_t>;
  { cf.writable() } -> std::same_as<bool>;
  f.writelines(lines);
  { f.read() } -> std::same_as<std::string>;
  { f.read(std::int64_t{1}) } -> std::same_as<std::string>;
  { f.write(std::string_view()) } -> std::same_as<std::size_t>;
  { f.readinto(bytes) } -> std::same_as<std::size_t>;
  { cf.encoding() } -> std::same_as<std::optional<std::string>>;
  { cf.newlines() } -> std::same_as<std::vector<std::string>>;
  // What the spooled object adds.
  f.rollover();
  { cf.rolled() } -> std::same_as<bool>;
};
static_assert(IOBaseInterface<SpooledTemporaryFile>);
// fileno() rolls a spooled file over, and both can throw: neither is on a const object.
template <class F>
concept ConstFileno = requires(const F& cf) {
  cf.fileno();
};
template <class F>
concept ConstIsatty = requires(const F& cf) {
  cf.isatty();
};
static_assert(!ConstFileno<SpooledTemporaryFile>);
static_assert(!ConstIsatty<SpooledTemporaryFile>);
static_assert(std::is_base_of_v<File, SpooledTemporaryFile>);
static_assert(std::is_nothrow_move_constructible_v<SpooledTemporaryFile>);

class SpooledTemporaryFileConformanceTest : public test::ScratchTest {};

// CPython's do_create(max_size=0, dir=None, pre="", suf=""): dir defaults to gettempdir().
SpooledTemporaryFile do_create(std::int64_t max_size = 0,
                               const std::optional<std::filesystem::path>& dir = std::nullopt,
                               const std::string& prefix = "", const std::string& suffix = "") {
  return SpooledTemporaryFile({.max_size = max_size,
                               .suffix = suffix,
                               .prefix = prefix,
                               .dir = dir.value_or(gettempdir())});
}

// Python's `with f: body`: the body runs, then __exit__ closes the file (also on an exception).
template <class Body>
void with(File& f, Body body) {
  try {
    body();
  } catch (...) {
    f.close();
    throw;
  }
  f.close();
}

// "Re-entering" a closed object: every use but close()/closed() throws closed_file_error.
void expect_unusable_after_close(SpooledTemporaryFile& f) {
  EXPECT_TRUE(f.closed());
  EXPECT_THROW(static_cast<void>(f.tell()), closed_file_error);
  EXPECT_THROW(static_cast<void>(f.read()), closed_file_error);
  EXPECT_THROW(static_cast<void>(f.write(std::string_view("x"))), closed_file_error);
  EXPECT_THROW(static_cast<void>(f.readable()), closed_file_error);
  f.close();  // still idempotent
}

// U+D800 in generalized UTF-8 (how the text layer carries surrogates): no codec can encode it.
constexpr std::string_view lone_surrogate = "\xed\xa0\x80";

std::string contents(File& f) {
  f.seek(0);
  return f.read();
}

TEST_F(SpooledTemporaryFileConformanceTest, Basic) {
  const SpooledTemporaryFile f = do_create();
  EXPECT_FALSE(f.rolled());
  const SpooledTemporaryFile g = do_create(100, std::nullopt, "a", ".txt");
  EXPECT_FALSE(g.rolled());
  EXPECT_FALSE(g.closed());
}

TEST_F(SpooledTemporaryFileConformanceTest, DelOnClose) {
  const std::filesystem::path dir = make_subdir("dir");
  SpooledTemporaryFile f({.max_size = 10, .dir = dir});
  EXPECT_FALSE(f.rolled());
  std::string blat;
  for (int i = 0; i < 5; ++i) {
    blat += "blat ";
  }
  f.write(blat);
  EXPECT_TRUE(f.rolled());
  const std::filesystem::path name = f.name();
  EXPECT_EQ(name, std::to_string(f.fileno()));  // an int name, as on POSIX: nothing to stat
  f.close();
  EXPECT_TRUE(test::list_dir(dir).empty());
  EXPECT_TRUE(std::filesystem::remove(dir));
}

TEST_F(SpooledTemporaryFileConformanceTest, DelRolledFileClosesTheDescriptor) {
  int fd = -1;
  {
    SpooledTemporaryFile f = do_create(2);
    f.write(std::string_view("foo"));
    ASSERT_TRUE(f.rolled());
    fd = std::stoi(f.name().string());  // the name is the descriptor, as on POSIX
    EXPECT_TRUE(test::is_open_descriptor(fd)) << "the name is not a live descriptor";
  }  // f.__del__()
  EXPECT_FALSE(test::is_open_descriptor(fd));
  EXPECT_EQ(errno, EBADF);
  EXPECT_TRUE(test::list_dir(scratch()).empty());
}

TEST_F(SpooledTemporaryFileConformanceTest, RewriteSmall) {
  SpooledTemporaryFile f = do_create(30);
  EXPECT_FALSE(f.rolled());
  for (int i = 0; i < 5; ++i) {
    f.seek(0, SEEK_SET);
    f.write(std::string(20, 'x'));
  }
  EXPECT_FALSE(f.rolled());
}

TEST_F(SpooledTemporaryFileConformanceTest, WriteSequential) {
  SpooledTemporaryFile f = do_create(30);
  EXPECT_FALSE(f.rolled());
  f.write(std::string(20, 'x'));
  EXPECT_FALSE(f.rolled());
  f.write(std::string(10, 'x'));
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("x"));
  EXPECT_TRUE(f.rolled());
}

TEST_F(SpooledTemporaryFileConformanceTest, Writelines) {
  SpooledTemporaryFile f = do_create();
  f.writelines(std::vector<std::string_view>{"x", "y", "z"});
  EXPECT_EQ(f.seek(0), 0);
  EXPECT_EQ(f.read(), "xyz");
}

// A generator, as Python's: each element is produced only when the iteration gets there, and
// the test's checks run when it resumes (after the previous element was written).
class CheckingGenerator {
 public:
  struct Step {
    std::string value;
    std::function<void()> on_resume;  // runs when iteration moves past this element
  };

  explicit CheckingGenerator(std::vector<Step> steps) : steps_(std::move(steps)) {}

  class iterator {
   public:
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(const std::vector<Step>* steps) : steps_(steps) {}
    const std::string& operator*() const { return (*steps_)[index_].value; }
    iterator& operator++() {
      if (const auto& check = (*steps_)[index_].on_resume; check) {
        check();
      }
      ++index_;
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return index_ == steps_->size(); }

   private:
    const std::vector<Step>* steps_ = nullptr;
    std::size_t index_ = 0;
  };

  [[nodiscard]] iterator begin() const { return iterator(&steps_); }
  [[nodiscard]] std::default_sentinel_t end() const { return {}; }

 private:
  std::vector<Step> steps_;
};

TEST_F(SpooledTemporaryFileConformanceTest, WritelinesRollover) {
  SpooledTemporaryFile f = do_create(2);
  int resumed = 0;
  const CheckingGenerator lines({
      {"xy",
       [&] {
         EXPECT_FALSE(f.rolled());
         ++resumed;
       }},
      {"z",
       [&] {
         EXPECT_TRUE(f.rolled()) << "writelines did not roll over before the range ended";
         ++resumed;
       }},
  });
  f.writelines(lines);
  EXPECT_EQ(resumed, 2);
  EXPECT_EQ(f.seek(0), 0);
  EXPECT_EQ(f.read(), "xyz");
}

TEST_F(SpooledTemporaryFileConformanceTest, WritelinesFastPath) {
  SpooledTemporaryFile f = do_create(2);
  f.write(std::string_view("abc"));
  EXPECT_TRUE(f.rolled());
  f.writelines(std::vector<std::string>{"d", "e", "f"});
  EXPECT_EQ(f.seek(0), 0);
  EXPECT_EQ(f.read(), "abcdef");
}

TEST_F(SpooledTemporaryFileConformanceTest, WritelinesSequential) {
  SpooledTemporaryFile f = do_create(35);
  f.writelines(
      std::vector<std::string>{std::string(20, 'x'), std::string(10, 'x'), std::string(5, 'x')});
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("x"));
  EXPECT_TRUE(f.rolled());
}

TEST_F(SpooledTemporaryFileConformanceTest, Sparse) {
  SpooledTemporaryFile f = do_create(30);
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.seek(100, SEEK_SET), 100);
  EXPECT_FALSE(f.rolled());
  f.write(std::string_view("x"));
  EXPECT_TRUE(f.rolled());
}

TEST_F(SpooledTemporaryFileConformanceTest, Fileno) {
  SpooledTemporaryFile f = do_create(30);
  EXPECT_FALSE(f.rolled());
  EXPECT_GT(f.fileno(), 0);
  EXPECT_TRUE(f.rolled());
}

TEST_F(SpooledTemporaryFileConformanceTest, MultipleCloseBeforeRollover) {
  SpooledTemporaryFile f;
  f.write(std::string_view("abc\n"));
  EXPECT_FALSE(f.rolled());
  f.close();
  f.close();
  f.close();
  EXPECT_TRUE(f.closed());
}

TEST_F(SpooledTemporaryFileConformanceTest, MultipleCloseAfterRollover) {
  SpooledTemporaryFile f(1);
  f.write(std::string_view("abc\n"));
  EXPECT_TRUE(f.rolled());
  f.close();
  f.close();
  f.close();
  EXPECT_TRUE(f.closed());
}

TEST_F(SpooledTemporaryFileConformanceTest, BoundMethods) {
  SpooledTemporaryFile f = do_create(30);
  File& handle = f;  // taken before rollover, as Python's read = f.read...
  std::iostream& stream = f.stream();
  handle.write(std::string(35, 'a'));
  EXPECT_TRUE(f.rolled());
  handle.write(std::string(35, 'b'));
  handle.seek(0, SEEK_SET);
  EXPECT_EQ(handle.read(70), std::string(35, 'a') + std::string(35, 'b'));
  handle.seek(30);
  std::string word;
  stream >> word;
  EXPECT_EQ(word, "aaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
}

TEST_F(SpooledTemporaryFileConformanceTest, Properties) {
  SpooledTemporaryFile f(10);
  f.write(std::string(10, 'x'));
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.mode(), "w+b");
  EXPECT_TRUE(f.name().empty());      // None
  EXPECT_TRUE(f.newlines().empty());  // binary: no newlines
  EXPECT_EQ(f.encoding(), std::nullopt);

  f.write(std::string_view("x"));
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.mode(), "rb+");
  EXPECT_FALSE(f.name().empty());
  EXPECT_TRUE(f.newlines().empty());
  EXPECT_EQ(f.encoding(), std::nullopt);
}

TEST_F(SpooledTemporaryFileConformanceTest, TextMode) {
  SpooledTemporaryFile f({.max_size = 10, .mode = "w+", .encoding = "utf-8"});
  f.write(std::string_view("abc\n"));
  f.seek(0);
  EXPECT_EQ(f.read(), "abc\n");
  f.write(std::string_view("def\n"));
  f.seek(0);
  EXPECT_EQ(f.read(), "abc\ndef\n");
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.mode(), "w+");
  EXPECT_TRUE(f.name().empty());
  EXPECT_THAT(f.newlines(),
              ElementsAre(std::string(os::line_separator)));  // os.linesep, as CPython
  EXPECT_EQ(f.encoding(), "utf-8");
  // errors == "strict", by behaviour: a lone surrogate (U+D800) cannot be encoded.
  EXPECT_THROW(static_cast<void>(f.write(lone_surrogate)), unicode_error);

  f.write(std::string_view("xyzzy\n"));
  f.seek(0);
  EXPECT_EQ(f.read(), "abc\ndef\nxyzzy\n");
  // Ctrl+Z does not truncate the file.
  f.write(
      std::string_view("foo\x1a"
                       "bar\n"));
  f.seek(0);
  EXPECT_EQ(f.read(),
            "abc\ndef\nxyzzy\nfoo\x1a"
            "bar\n");
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.mode(), "w+");
  EXPECT_FALSE(f.name().empty());
  EXPECT_THAT(f.newlines(),
              ElementsAre(std::string(os::line_separator)));  // os.linesep, as CPython
  EXPECT_EQ(f.encoding(), "utf-8");
  EXPECT_THROW(static_cast<void>(f.write(lone_surrogate)), unicode_error);
}

TEST_F(SpooledTemporaryFileConformanceTest, TextNewlineAndEncoding) {
  SpooledTemporaryFile f(
      {.max_size = 10, .mode = "w+", .encoding = "utf-8", .newline = "", .errors = "ignore"});
  f.write(std::string_view("\u039B\r\n"));
  f.seek(0);
  EXPECT_EQ(f.read(), "\u039B\r\n");
  EXPECT_FALSE(f.rolled());
  EXPECT_EQ(f.mode(), "w+");
  EXPECT_TRUE(f.name().empty());
  EXPECT_FALSE(f.newlines().empty());
  EXPECT_EQ(f.encoding(), "utf-8");
  // errors == "ignore", by behaviour: what cannot be encoded is dropped; the read-back at the
  // end shows that nothing of it reached the file.
  f.seek(0, SEEK_END);
  EXPECT_EQ(f.write(lone_surrogate), 1U);
  EXPECT_FALSE(f.rolled());

  std::string mu;
  std::string nu;
  for (int i = 0; i < 10; ++i) {
    mu += "\u039C";
  }
  for (int i = 0; i < 20; ++i) {
    nu += "\u039D";
  }
  f.write(mu + "\r\n");
  f.write(nu);
  f.seek(0);
  EXPECT_EQ(f.read(), "\u039B\r\n" + mu + "\r\n" + nu);
  EXPECT_TRUE(f.rolled());
  EXPECT_EQ(f.mode(), "w+");
  EXPECT_FALSE(f.name().empty());
  EXPECT_FALSE(f.newlines().empty());
  EXPECT_EQ(f.encoding(), "utf-8");
}

TEST_F(SpooledTemporaryFileConformanceTest, ContextManagerBeforeRollover) {
  SpooledTemporaryFile f(1);
  with(f, [&] {
    EXPECT_FALSE(f.rolled());
    EXPECT_FALSE(f.closed());
  });
  EXPECT_TRUE(f.closed());
  expect_unusable_after_close(f);
}

TEST_F(SpooledTemporaryFileConformanceTest, ContextManagerDuringRollover) {
  SpooledTemporaryFile f(1);
  with(f, [&] {
    EXPECT_FALSE(f.rolled());
    f.write(std::string_view("abc\n"));
    f.flush();
    EXPECT_TRUE(f.rolled());
    EXPECT_FALSE(f.closed());
  });
  EXPECT_TRUE(f.closed());
  expect_unusable_after_close(f);
}

TEST_F(SpooledTemporaryFileConformanceTest, ContextManagerAfterRollover) {
  SpooledTemporaryFile f(1);
  f.write(std::string_view("abc\n"));
  f.flush();
  EXPECT_TRUE(f.rolled());
  with(f, [&] { EXPECT_FALSE(f.closed()); });
  EXPECT_TRUE(f.closed());
  expect_unusable_after_close(f);
}

TEST_F(SpooledTemporaryFileConformanceTest, TruncateWithSizeParameter) {
  {
    SpooledTemporaryFile f(10);
    f.write(std::string_view("abcdefg\n"));
    f.seek(0);
    f.truncate();
    EXPECT_FALSE(f.rolled());
    EXPECT_EQ(contents(f), "");
    EXPECT_FALSE(f.rolled());
  }
  {
    SpooledTemporaryFile f(10);
    f.write(std::string_view("abcdefg\n"));
    f.truncate(4);
    EXPECT_FALSE(f.rolled());
    EXPECT_EQ(contents(f), "abcd");
    EXPECT_FALSE(f.rolled());
  }
  {
    SpooledTemporaryFile f(10);
    f.write(std::string_view("abcdefg\n"));
    f.truncate(20);
    EXPECT_TRUE(f.rolled());
    struct stat info {};
    ASSERT_EQ(::fstat(f.fileno(), &info), 0);
    EXPECT_EQ(info.st_size, 20);
  }
}

}  // namespace
}  // namespace tempfile::spooled_conformance
