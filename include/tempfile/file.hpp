// SPDX-License-Identifier: MIT
/// The file interface shared by every temporary file object (TemporaryFile, NamedTemporaryFile,
/// SpooledTemporaryFile): Python's io methods and semantics.
/// @file
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iosfwd>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tempfile/export.hpp"

namespace tempfile {

namespace detail {
struct FileState;

template <class T>
inline constexpr bool is_character_unit = false;
template <>
inline constexpr bool is_character_unit<char> = true;
template <>
inline constexpr bool is_character_unit<char8_t> = true;

template <class T>
inline constexpr bool is_byte_unit = false;
template <>
inline constexpr bool is_byte_unit<std::byte> = true;
template <>
inline constexpr bool is_byte_unit<unsigned char> = true;
template <>
inline constexpr bool is_byte_unit<signed char> = true;
}  // namespace detail

class File;

/// A character type (char, char8_t): its sequences are text in a text-mode file and bytes in a
/// binary one, as std::string's are.
template <class T>
concept CharacterUnit = detail::is_character_unit<std::remove_cv_t<T>>;

/// A byte type (std::byte, unsigned char, signed char; std::uint8_t and std::int8_t are the
/// latter two): its sequences are bytes, which only a binary-mode file takes.
template <class T>
concept ByteUnit = detail::is_byte_unit<std::remove_cv_t<T>>;

/// One byte, of either kind.
template <class T>
concept OneByteUnit = CharacterUnit<T> || ByteUnit<T>;

/// A contiguous, sized range of one-byte units.
template <class R>
concept OneByteSequence = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    OneByteUnit<std::ranges::range_value_t<R>>;

/// Any contiguous, sized range of one-byte units that File::write() and writelines() take:
/// std::vector<std::uint8_t>, std::array<unsigned char, N>, std::span<const char>,
/// std::vector<std::byte>, std::u8string... Strings and everything else that converts to
/// std::string_view are not in it: they take write(std::string_view).
template <class R>
concept ByteRange = OneByteSequence<R> && !std::convertible_to<const R&, std::string_view>;

/// A contiguous, sized range of one-byte units that readinto() can fill: the same element
/// types, not const (std::vector<std::uint8_t>&, std::string&, std::span<char>...).
template <class R>
concept MutableByteRange = OneByteSequence<R> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

/// What File::writelines() takes as one line: a string (anything that converts to
/// std::string_view), a std::span<const std::byte>, or a ByteRange.
template <class T>
concept WritableLine = std::convertible_to<T, std::string_view> ||
    std::convertible_to<T, std::span<const std::byte>> || ByteRange<std::remove_cvref_t<T>>;

/// A range of lines for File::writelines().
template <class R>
concept LineRange =
    std::ranges::input_range<const R&> && WritableLine<std::ranges::range_reference_t<const R&>>;

/// Iterates a file's lines as Python's `for line in f`: each line with its line ending.
class TEMPFILE_API LineIterator {
 public:
  /// One pass: each line is read from the file once.
  using iterator_category = std::input_iterator_tag;
  /// A line, with its line ending.
  using value_type = std::string;
  /// As std::input_iterator requires.
  using difference_type = std::ptrdiff_t;
  /// What operator->() returns.
  using pointer = const std::string*;
  /// What operator*() returns.
  using reference = const std::string&;

  /// An iterator at the end, as File::end() is.
  LineIterator() = default;
  /// Reads the first line of `file`, from its current position (File::begin()). Throws as
  /// File::readline().
  explicit LineIterator(File& file);

  /// The current line, with its line ending (a last line may have none).
  reference operator*() const noexcept { return line_; }
  /// The current line, for `it->size()`.
  pointer operator->() const noexcept { return &line_; }
  /// Reads the next line; when there is none, the iterator is at the end. Throws as
  /// File::readline().
  LineIterator& operator++();
  /// Reads the next line, as ++it; returns nothing, since a copy would share the file.
  void operator++(int) { ++*this; }
  /// Whether `it` is at the end: the file had no line left.
  friend bool operator==(const LineIterator& it, std::default_sentinel_t) noexcept {
    return it.file_ == nullptr;
  }

 private:
  File* file_ = nullptr;
  std::string line_;
};

/// A file object with Python's io semantics, in binary mode (bytes in std::string) or text
/// mode (UTF-8 std::string, encoded to the file's encoding, newline translation).
///
/// Python: the object `open()` returns (BufferedRandom, BufferedWriter, FileIO or
/// TextIOWrapper, depending on mode and buffering); one C++ type covers them all and the mode
/// decides what is allowed, as Python decides by type.
///
/// Errors: OS failures throw tempfile::error; any operation but close()/closed() after
/// close() throws tempfile::closed_file_error ("I/O operation on closed file."); reading a
/// file not open for reading (or writing one not open for writing) throws
/// tempfile::unsupported_operation; bad arguments throw std::invalid_argument. The destructor
/// flushes and closes, and never throws: a flush error at destruction is lost, so call
/// close() yourself when the data matters.
///
/// Not thread-safe: one object, one thread at a time (as most C++ streams).
///
/// Held by its concrete type (TemporaryFile, NamedTemporaryFile, SpooledTemporaryFile) or
/// by reference: File's own move is protected, so `File f = NamedTemporaryFile();` does not
/// compile (it would slice off what the derived object promises, such as its removal).
class TEMPFILE_API File {
 public:
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  /// Flushes and closes, then removes what the derived object owns (as its class says); never
  /// throws: a flush error here is lost.
  virtual ~File();

  /// Binary mode: writes the bytes. Text mode: writes UTF-8 text. Returns the count written:
  /// bytes in binary mode, characters (code points) in text mode, as Python.
  ///
  /// Python keeps str and bytes apart and raises TypeError for str written to a binary file;
  /// C++ has one std::string for both, and read() returns bytes in it in binary mode, so a
  /// std::string (or anything that converts to std::string_view, or a range of char or char8_t)
  /// follows the file's mode: bytes in binary mode, text in text mode.
  std::size_t write(std::string_view data);
  /// Bytes: binary mode only (text mode: std::invalid_argument, as Python's TypeError).
  std::size_t write(std::span<const std::byte> data);
  /// Any other contiguous range of one-byte units (ByteRange): std::vector<std::uint8_t>,
  /// std::array<unsigned char, N>, std::span<const char>, std::vector<std::byte>... A range of
  /// std::byte, unsigned char or signed char is bytes (text mode: std::invalid_argument); a
  /// range of char or char8_t follows the mode as a std::string does.
  template <ByteRange Range>
  std::size_t write(const Range& data) {
    const auto* first = std::ranges::data(data);
    const auto count = static_cast<std::size_t>(std::ranges::size(data));
    if constexpr (CharacterUnit<std::ranges::range_value_t<Range>>) {
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): char8_t to char, same bytes
      return write(std::string_view(reinterpret_cast<const char*>(first), count));
    } else {
      return write(std::as_bytes(std::span(first, count)));
    }
  }
  /// Writes each element of a range: strings (anything convertible to std::string_view) or
  /// byte ranges (ByteRange), each as write() takes it. Python's writelines(): no line ends
  /// are added. Like Python, an empty range still checks that the file is open, and a
  /// SpooledTemporaryFile checks its size afterwards (so an empty range after a seek past
  /// max_size rolls it over).
  template <LineRange Range>
  void writelines(const Range& lines) {
    for (const auto& line : lines) {
      if constexpr (std::convertible_to<decltype(line), std::string_view>) {
        write(std::string_view(line));
      } else if constexpr (std::convertible_to<decltype(line), std::span<const std::byte>>) {
        write(std::span<const std::byte>(line));
      } else {
        write(line);
      }
    }
    end_writelines();
  }

  /// n = -1: to end of file. Otherwise up to n bytes (binary) or characters (text).
  std::string read(std::int64_t n = -1);
  /// One line including its line ending; at most `limit` bytes/characters when limit >= 0.
  std::string readline(std::int64_t limit = -1);
  /// All remaining lines; with hint > 0, stops once the lines read total more than hint
  /// (bytes, or characters in text mode), as Python.
  std::vector<std::string> readlines(std::int64_t hint = -1);
  /// Binary mode only: fills `into` as far as the file allows, returns the count.
  std::size_t readinto(std::span<std::byte> into);
  /// The same into any contiguous range of one-byte units (MutableByteRange): a
  /// std::vector<std::uint8_t>, std::array<unsigned char, N>, std::string, std::span<char>...
  /// Its size is how much to read; it is not resized.
  template <MutableByteRange Range>
  std::size_t readinto(Range&& into) {
    return readinto(std::as_writable_bytes(
        std::span(std::ranges::data(into), static_cast<std::size_t>(std::ranges::size(into)))));
  }
  /// Buffered binary mode only, as Python's BufferedReader/BufferedRandom: up to n bytes with at
  /// most one read from the file (n = -1: up to the buffer size; a spooled file in memory gives
  /// everything ahead, as BytesIO); only the buffered bytes when there are any. Text mode and
  /// buffering=0 throw unsupported_operation (Python: no such method).
  std::string read1(std::int64_t n = -1);
  /// Buffered binary mode only: the bytes ahead in the buffer, without moving; at least one
  /// unless at end of file, often more than n (C io's peek, which ignores n). A read-write file
  /// writes what is pending and refills from the position first. Text mode and buffering=0
  /// throw unsupported_operation (Python: no such method).
  std::string peek(std::int64_t n = 0);

  /// Binary mode: any offset with SEEK_SET/SEEK_CUR/SEEK_END. Text mode: a tell() cookie with
  /// SEEK_SET, or 0 with SEEK_CUR/SEEK_END (Python's rules). Returns the new position.
  std::int64_t seek(std::int64_t offset, int whence = SEEK_SET);
  /// Binary mode: the byte offset. Text mode: an opaque cookie for seek() on this object.
  std::int64_t tell();
  /// Resizes to `size` (default: the current position); the position does not move.
  std::int64_t truncate(std::optional<std::int64_t> size = std::nullopt);
  /// Python's flush(): writes the pending buffered data to the file (to the kernel: no fsync;
  /// for durability see persist() and atomic_write()). A read-only file keeps what it read
  /// ahead; a SpooledTemporaryFile in memory has nothing to write.
  void flush();
  /// Flushes and closes; idempotent. Reports the first error, but always ends closed.
  void close();

  /// Python's closed: whether the file was closed (true for a moved-from object too).
  [[nodiscard]] bool closed() const noexcept;
  /// Not const: a SpooledTemporaryFile rolls over to have a descriptor (and can throw).
  [[nodiscard]] int fileno();
  /// Not const, as fileno(): it asks the storage (a spooled file in memory is no terminal)
  /// and throws on a closed file.
  [[nodiscard]] bool isatty();
  /// Python's readable(): whether the mode allows reading ('r' or '+').
  [[nodiscard]] bool readable() const;
  /// Python's writable(): whether the mode allows writing ('w', 'x', 'a' or '+').
  [[nodiscard]] bool writable() const;
  /// Python's seekable(): always true (a regular file, or memory), but it throws
  /// closed_file_error on a closed file as Python does.
  [[nodiscard]] bool seekable() const;
  /// Python's name: the absolute path of a NamedTemporaryFile; for a TemporaryFile and a
  /// rolled-over SpooledTemporaryFile the descriptor number (Python's int fd) as text; empty
  /// for a SpooledTemporaryFile in memory (Python's None).
  ///
  /// NOT ALWAYS A PATH: for a file with no name, name() is e.g. "3", which
  /// std::filesystem::exists() or std::ifstream would take as a file "3" in the current
  /// directory. Code that needs the file's path asks path(), which says whether there is one;
  /// code that needs the descriptor asks fileno().
  [[nodiscard]] const std::filesystem::path& name() const noexcept;
  /// The file's path in the file system: the absolute path of a NamedTemporaryFile (also after
  /// close(), as name(); the file may be gone by then), std::nullopt for a file no name
  /// reaches (TemporaryFile, SpooledTemporaryFile before and after rollover). Not in Python,
  /// whose name mixes the two.
  [[nodiscard]] std::optional<std::filesystem::path> path() const;
  /// Python's mode, CPython's exact string: the mode string given, in text mode; in binary
  /// mode the raw file's mode as CPython 3.11-3.14 spell it ("rb+" for "w+b", "wb+" and "r+b";
  /// "xb+", "ab+", "wb", "rb"...; 3.15 says "wb+" for "w+b").
  [[nodiscard]] std::string mode() const;
  /// The encoding's Python name in text mode; nullopt in binary mode.
  [[nodiscard]] std::optional<std::string> encoding() const;
  /// Python's newlines: the line endings read so far in text mode ("\r", "\n", "\r\n" in that
  /// order); empty when none were seen or in binary mode.
  [[nodiscard]] std::vector<std::string> newlines() const;
  /// Changes the file's permission bits (fchmod), e.g. std::filesystem::perms::owner_read.
  void chmod(std::filesystem::perms permissions);

  /// A std::iostream over this file: the same bytes (binary mode) or UTF-8 text (text mode),
  /// the same position, the same buffer; `f.stream() << x` and `f.write(x)` interleave in
  /// order. The stream is created on first use and lives as long as the file.
  ///
  /// How: the stream's buffer keeps no data of its own except at most one looked-ahead
  /// character (std::istream's peek() needs one); any call on the file first gives it back.
  /// In text mode a character is the UTF-8 bytes of one code point.
  std::iostream& stream();

  /// A C stdio stream over a duplicate of the descriptor (dup with close-on-exec, then
  /// fdopen): the caller owns it and must std::fclose() it; closing it never closes this file.
  /// It shares the descriptor's offset, not our buffer: pending writes are flushed first and,
  /// in binary mode, the offset is set to tell(). In text mode the offset is exact when tell()
  /// is a plain byte position (always for ASCII); after reading into a multibyte character it
  /// is the start of that character. stdio buffers on its own: fflush() it before using this
  /// object again.
  [[nodiscard]] std::FILE* fdopen();

  /// Lines, as Python's iteration: `for (const std::string& line : file)`.
  LineIterator begin() { return LineIterator(*this); }
  /// The end of the lines: a LineIterator compares equal to it when no line is left.
  std::default_sentinel_t end() noexcept { return {}; }

 protected:
  /// For the library's own file classes: takes the open file they made (detail::FileState is
  /// not API).
  explicit File(std::unique_ptr<detail::FileState> state) noexcept;
  /// For the derived objects' own moves only (no slicing from outside, see above): takes
  /// `other`'s file, leaving `other` as a closed file.
  File(File&& other) noexcept;
  /// For the derived objects' own moves only: closes this object's file (with its cleanup, as
  /// the destructor), then takes `other`'s.
  File& operator=(File&& other) noexcept;
  /// The open file, for the derived classes' own operations. Throws closed_file_error for a
  /// moved-from object.
  [[nodiscard]] detail::FileState& state() const;
  /// The state, or null for a moved-from object; never throws.
  [[nodiscard]] detail::FileState* state_if_any() const noexcept { return state_.get(); }

 private:
  friend class LineIterator;  // reads lines through the layers, as readlines() does

  void end_writelines();

  std::unique_ptr<detail::FileState> state_;
};

}  // namespace tempfile
