// SPDX-License-Identifier: MIT
// What persist()'s tests share: whether unnamed files link here, the persist driver run under
// strace and the reading of its trace, the child that persists and is killed on the way, and the
// check of what the target holds afterwards. (TEMPFILE_PERSIST_DRIVER: the driver's path.)
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "os/persist.hpp"
#include "support/files.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {

/// Device and inode of what `path` names, not following a final symbolic link; {0, 0} if none.
inline std::pair<dev_t, ino_t> identity_of(const std::filesystem::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return {0, 0};
  }
  return {info.st_dev, info.st_ino};
}

/// Device and inode of what `fd` refers to; {0, 0} if fstat fails.
inline std::pair<dev_t, ino_t> identity_of_fd(int fd) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return {0, 0};
  }
  return {info.st_dev, info.st_ino};
}

/// Whether this build and this file system give TemporaryFile an O_TMPFILE file (only such a
/// file can be persisted at all; the portable build's cannot).
inline bool unnamed_files_link_here() {
  TemporaryFile probe;
  return os::is_linkable_unnamed(probe.fileno());
}

/// Whether strace runs here (installed, and ptrace permitted).
inline bool strace_works() {
  // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command
  return std::system("strace -qq -o /dev/null true >/dev/null 2>&1") == 0;
}

/// One persist_driver run under strace: its status and the trace's lines.
struct Trace {
  int status = -1;
  std::vector<std::string> lines;
};

/// Runs persist_driver `kind` (named, temporary, atomic, atomic-named, named-cross,
/// temporary-cross, each also with -chmod) on `dir` and `target` under strace, tracing the syncs,
/// opens, renames, links and mode changes; the log goes beside `dir` and is removed.
/// `rounds` is the driver's ROUNDS; `strace_options` go to strace too (e.g. an injection).
inline Trace trace_driver(const std::string& kind, const std::filesystem::path& dir,
                          const std::filesystem::path& target, bool overwrite, bool durable,
                          int rounds = 1, const std::string& strace_options = "") {
  const std::filesystem::path log = dir.parent_path() / ("strace-" + kind + ".log");
  // A sanitizer's leak check cannot run under ptrace; the trace is what is checked here.
  const std::string command =
      "ASAN_OPTIONS=detect_leaks=0 strace -qq " + strace_options +
      " -e trace=fsync,fdatasync,openat,rename,renameat,renameat2,link,linkat,fchmod,fchown -o '" +
      log.string() + "' '" TEMPFILE_PERSIST_DRIVER "' " + kind + " '" + dir.string() + "' '" +
      target.string() + "' " + (overwrite ? "1" : "0") + " " + (durable ? "1" : "0") + " " +
      std::to_string(rounds);
  Trace trace;
  // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command with our paths
  trace.status = std::system(command.c_str());
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    trace.lines.push_back(line);
  }
  std::filesystem::remove(log);
  return trace;
}

/// The index of the first line from `from` on matching `pattern`, or -1.
inline int find_line(const std::vector<std::string>& lines, const std::string& pattern,
                     std::smatch* match = nullptr, std::size_t from = 0) {
  const std::regex re(pattern);
  for (std::size_t i = from; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_search(lines[i], m, re)) {
      if (match != nullptr) {
        *match = m;
      }
      return static_cast<int>(i);
    }
  }
  return -1;
}

/// The lines as one text, for failure messages.
inline std::string joined(const std::vector<std::string>& lines) {
  std::ostringstream out;
  for (const auto& line : lines) {
    out << line << '\n';
  }
  return out.str();
}

/// What a crash may leave at the target: the old file, the new one, or (no clobber) nothing.
enum class TargetAfterCrash { old_file, new_file, absent };

/// In a crash child: a NamedTemporaryFile (`named`) or a TemporaryFile in `dir`, `content`
/// written, persisted to `target`. The object is never destroyed: the child is to be killed with
/// it alive, by a step hook. Returns 5, the child's status when no step killed it.
inline int persist_until_killed(bool named, const std::filesystem::path& dir,
                                const std::string& content, const std::filesystem::path& target,
                                const PersistOptions& options) {
  if (named) {
    auto* file = new NamedTemporaryFile({.dir = dir});  // NOLINT(cppcoreguidelines-owning-memory)
    file->write(std::string_view(content));
    file->persist(target, options);
  } else {
    auto* file = new TemporaryFile({.dir = dir});  // NOLINT(cppcoreguidelines-owning-memory)
    file->write(std::string_view(content));
    file->persist(target, options);
  }
  return 5;
}

/// The target after the crash is `expected`, complete.
inline void expect_target_after_crash(TargetAfterCrash expected,
                                      const std::filesystem::path& target,
                                      const std::string& old_content,
                                      const std::string& new_content) {
  switch (expected) {
    case TargetAfterCrash::old_file:
      EXPECT_EQ(read_file(target), old_content);
      break;
    case TargetAfterCrash::new_file:
      EXPECT_EQ(read_file(target), new_content);
      break;
    case TargetAfterCrash::absent:
      EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(target)));
      break;
  }
}

}  // namespace tempfile::test
