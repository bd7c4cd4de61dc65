// SPDX-License-Identifier: MIT
/// `tempfile::atomic_write`: writes a whole file beside its target and puts it in place in one
/// step, durably, or leaves the target as it was.
/// @file
#pragma once

#include <concepts>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "tempfile/export.hpp"
#include "tempfile/file.hpp"
#include "tempfile/persist.hpp"

namespace tempfile {

/// What atomic_write(path, fn, options) writes, and how it publishes it (docs/atomic-write.md).
/// An aggregate in this order; fields are only ever added at the end.
struct AtomicWriteOptions {
  /// Python's open() mode for the file `fn` writes: "w+b" (default), "wb", "w" or "w+" (text),
  /// with 't' allowed. The file starts empty, so only 'w' modes are accepted.
  std::string mode = "w+b";
  /// As TemporaryFile's: -1 an 8 KiB buffer, 0 unbuffered (binary), 1 line buffered (text).
  int buffering = -1;
  /// Text mode only; nullopt means "utf-8".
  std::optional<std::string> encoding{};
  /// Text mode only: nullopt, "", "\n", "\r" or "\r\n", with Python's meaning.
  std::optional<std::string> newline{};
  /// Text mode only: "strict" (default), "replace", "ignore" or "surrogateescape".
  std::optional<std::string> errors{};
  /// true: an existing file at `path` is replaced in one rename. false: `path` must name
  /// nothing (not even a dangling symbolic link), else EEXIST and nothing changes.
  bool overwrite = true;
  /// true (default): the data are synced before the file gets its name and the directory
  /// after, so that after a power loss `path` holds the old file or the new one. false: as
  /// fast as a rename; after a crash of the system (not of the process) either may be lost.
  bool durable = true;
  /// The permissions (and owner) of the new file: by default those of the file it replaces,
  /// owner and group included where this process may set them; for a new file, the umask's
  /// (0666 less the umask), as open(O_CREAT) would give. See PersistMode.
  PersistMode permissions = PersistMode::preserve_target();
  /// Where a relative `path` is, as PersistOptions::dir: empty (default), the current
  /// directory; a path, that directory; a held directory (tempfile::Directory,
  /// TemporaryDirectory), its descriptor: the temporary is made and published relative to it
  /// (openat, linkat, renameat, the directory sync), so a path swapped for a symbolic link
  /// since the directory was opened cannot redirect the file. An absolute `path` ignores it,
  /// as openat() does (docs/atomic-write.md).
  DirOption dir{};
};

namespace objects {
struct PersistTarget;
}  // namespace objects

namespace detail {

/// The file atomic_write() hands to its callback, and what it does with it afterwards. Use
/// atomic_write() rather than this class: commit() only after the callback returned normally.
class TEMPFILE_API AtomicWriteFile final : public File {
 public:
  /// Creates the temporary beside `path` (an unnamed O_TMPFILE file where the file system has
  /// it, else a named ".tmp" + 8 characters one). Throws std::invalid_argument for bad options
  /// or a `path` naming no file, tempfile::error when the file cannot be created.
  AtomicWriteFile(const std::filesystem::path& path, const AtomicWriteOptions& options);
  AtomicWriteFile(const AtomicWriteFile&) = delete;
  AtomicWriteFile& operator=(const AtomicWriteFile&) = delete;
  AtomicWriteFile(AtomicWriteFile&&) = delete;
  AtomicWriteFile& operator=(AtomicWriteFile&&) = delete;
  /// Without commit(): the temporary goes, and `path` is untouched.
  ~AtomicWriteFile() override;

  /// Flushes, syncs (durable), gives the file the name `path`, syncs the directory (durable)
  /// and closes it. Throws as persist() does; on any failure `path` is as before and nothing
  /// is left beside it, except persisted_not_durable_error: the new file is at `path`.
  void commit();

 private:
  TEMPFILE_LOCAL AtomicWriteFile(objects::PersistTarget&& target,
                                 const AtomicWriteOptions& options);

  std::string target_;      // absolute
  std::size_t at_start_{};  // in a held directory (persist_.dir): where its name starts in target_
  PersistOptions persist_;
  bool named_ = false;           // a named ".tmp" file, not an unnamed one
  bool has_umask_mode_ = false;  // created 0666 less the umask
};

/// Throws std::ios_base::failure when `stream` failed while the callback wrote to it.
TEMPFILE_API void check_stream_after_callback(const std::ostream& stream,
                                              const std::filesystem::path& path);

}  // namespace detail

/// What atomic_write() accepts as its callback: something callable with a tempfile::File& or
/// with a std::ostream&.
template <class Fn>
concept AtomicWriteCallback = std::invocable<Fn&, File&> || std::invocable<Fn&, std::ostream&>;

/// Writes the file `path` through `fn` and publishes it atomically: `fn` receives a writable
/// tempfile::File& (or, if it takes one, a std::ostream&, the same file through stream()) for
/// a temporary file beside `path`; when `fn` returns, the file is flushed, synced, renamed
/// over `path` and the directory synced (options.durable, on by default). Readers of `path`
/// see the old file or the complete new one, never a mix, and so does anyone after a crash.
///
/// If `fn` throws, its exception propagates after the temporary is removed: `path` is
/// unchanged and nothing is left beside it. If publishing fails, tempfile::error names the
/// step and the paths, and `path` is unchanged (persisted_not_durable_error alone means the
/// new file is in place but the directory sync failed). A process killed at any point leaves
/// the old or the new file, and at most one ".tmp" + 8 characters file beside it, which
/// sweep(dir, {.prefix = ".tmp"}) removes (docs/atomic-write.md, "Crashes").
///
/// Returns what `fn` returns.
template <AtomicWriteCallback Fn>
decltype(auto) atomic_write(const std::filesystem::path& path, Fn&& fn,
                            const AtomicWriteOptions& options = {}) {
  detail::AtomicWriteFile file(path, options);
  if constexpr (std::is_invocable_v<Fn&, File&>) {
    using Result = std::invoke_result_t<Fn&, File&>;
    if constexpr (std::is_void_v<Result>) {
      std::invoke(fn, static_cast<File&>(file));
      file.commit();
    } else {
      Result result = std::invoke(fn, static_cast<File&>(file));
      file.commit();
      return result;
    }
  } else {
    std::ostream& stream = file.stream();
    using Result = std::invoke_result_t<Fn&, std::ostream&>;
    if constexpr (std::is_void_v<Result>) {
      std::invoke(fn, stream);
      detail::check_stream_after_callback(stream, path);
      file.commit();
    } else {
      Result result = std::invoke(fn, stream);
      detail::check_stream_after_callback(stream, path);
      file.commit();
      return result;
    }
  }
}

/// Writes `content` to `path` atomically, as atomic_write(path, fn) with an fn that writes it
/// (bytes in a binary mode, UTF-8 text in a text mode).
TEMPFILE_API void atomic_write(const std::filesystem::path& path, std::string_view content,
                               const AtomicWriteOptions& options = {});

}  // namespace tempfile
