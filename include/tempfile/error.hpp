// SPDX-License-Identifier: MIT
/// The exception type for operating-system failures: a std::filesystem::filesystem_error whose
/// what() reads ``tempfile: <what failed> '<path>': <reason>`` instead of libstdc++'s fixed format;
/// and the exceptions of cleanup and of the file objects.
/// @file
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "tempfile/export.hpp"

namespace tempfile {

/// Thrown for every operating-system failure. Catchable as std::filesystem::filesystem_error
/// (and std::system_error): code() is the errno in std::generic_category(), path1() is the
/// path the operation was about (the directory for creation) and path2() the exact path tried,
/// when there is one.
///
/// Why a subclass: libstdc++'s filesystem_error::what() always reads
/// `filesystem error: <msg>: <reason> [<path>]`; ours reads
/// ``tempfile: cannot create file in '/x': Permission denied``.
///
/// Paths in what() are escaped, so that a hostile file name cannot forge a log line or drive a
/// terminal (as Python's repr() of a path): printable ASCII and valid UTF-8 appear as they are;
/// a backslash and a single quote get a backslash; newline, carriage return and tab appear as
/// the two characters `\n`, `\r` and `\t`; every other control byte, and every byte that is not
/// part of valid UTF-8, as `\xHH` (a name `a<newline>b<0xff>` shows as ``'a\nb\xff'``); C1
/// controls and U+2028/U+2029 as `\uHHHH`. path1(), path2() and cleanup_error::failures() keep
/// the exact bytes.
class TEMPFILE_API error : public std::filesystem::filesystem_error {
 public:
  /// `action` says what failed, e.g. "cannot create file in"; the message becomes
  /// ``tempfile: <action> '<path1>': <strerror of code>``. `detail`, when not empty, replaces
  /// the reason text (used where errno alone would mislead, e.g. name exhaustion).
  error(const std::string& action, const std::filesystem::path& path1, std::error_code code,
        const std::string& detail = {});
  /// The same with a second path, path2(): the exact path tried (`path1` is then the directory
  /// it was tried in). The message names `path1` only.
  error(const std::string& action, const std::filesystem::path& path1,
        const std::filesystem::path& path2, std::error_code code, const std::string& detail = {});

  /// A message fully formed by the caller ("tempfile: ..."), for errors that are not about
  /// one path (e.g. no usable temporary directory among several candidates).
  static error with_message(std::string message, const std::filesystem::path& path1,
                            std::error_code code);

  /// The message, ``tempfile: <action> '<path1>': <reason>`` with the path escaped (above), or
  /// the one given to with_message().
  [[nodiscard]] const char* what() const noexcept override;

 private:
  struct raw_message {};
  error(raw_message, std::string message, const std::filesystem::path& path1,
        const std::filesystem::path& path2, std::error_code code);
  std::string message_;
};

/// Thrown by TemporaryDirectory::cleanup() when something could not be removed: code() and
/// path1() are the first failure's errno and the directory; failures() lists every entry left
/// behind (its path, absolute) with its errno (and, where errno alone would not explain it, a
/// reason in words), and what() names them all, escaped as above:
/// ``tempfile: cannot remove temporary directory '/tmp/tmpab12cd34': 1 entry left: '/tmp/...'
/// (Operation not permitted)``.
///
/// Also thrown by rmtree(): path1() is then the path it was given, and the failures' paths are
/// under it.
class TEMPFILE_API cleanup_error : public error {
 public:
  /// One entry left behind.
  struct failure {
    /// The entry's path, the directory's path joined with the entry's place in the tree (so
    /// absolute for a TemporaryDirectory), with its exact bytes (not escaped).
    std::filesystem::path path;
    /// Why it could not be removed: the errno of the failed call.
    std::error_code code;
    /// When not empty, what happened in words, shown by what() instead of code's message (for
    /// failures errno alone would not explain, such as a directory moved away).
    std::string reason{};
  };
  /// What the library throws: path1() is `directory`, code() the first failure's errno (none for
  /// an empty list), and what() lists every failure.
  cleanup_error(const std::filesystem::path& directory, std::vector<failure> failures);
  /// Copies the exception, failures included.
  cleanup_error(const cleanup_error&) = default;
  /// Copies the exception, failures included.
  cleanup_error& operator=(const cleanup_error&) = default;
  ~cleanup_error() override;

  /// Every entry left behind, each with its path, errno and reason.
  [[nodiscard]] const std::vector<failure>& failures() const noexcept { return failures_; }

 private:
  std::vector<failure> failures_;
};

/// Python's ValueError("I/O operation on closed file."): any operation but close() and
/// closed() on a file object that was closed.
class TEMPFILE_API closed_file_error : public std::logic_error {
 public:
  /// what() is "I/O operation on closed file.", Python's message.
  closed_file_error();
  /// Copies the exception.
  closed_file_error(const closed_file_error&) = default;
  /// Copies the exception.
  closed_file_error& operator=(const closed_file_error&) = default;
  ~closed_file_error() override;
};

/// Python's io.UnsupportedOperation: reading a file opened write-only, writing one opened
/// read-only. what() names the operation: "tempfile: read: file not open for reading".
class TEMPFILE_API unsupported_operation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
  /// Copies the exception.
  unsupported_operation(const unsupported_operation&) = default;
  /// Copies the exception.
  unsupported_operation& operator=(const unsupported_operation&) = default;
  ~unsupported_operation() override;
};

/// Python's UnicodeDecodeError / UnicodeEncodeError under errors="strict": text that the
/// file's encoding cannot represent. what() names the encoding and the offending position.
class TEMPFILE_API unicode_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
  /// Copies the exception.
  unicode_error(const unicode_error&) = default;
  /// Copies the exception.
  unicode_error& operator=(const unicode_error&) = default;
  ~unicode_error() override;
};

}  // namespace tempfile
