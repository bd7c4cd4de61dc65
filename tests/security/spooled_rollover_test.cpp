// SPDX-License-Identifier: MIT
// security.md E2 and rule 9: a SpooledTemporaryFile whose rollover hits a real fault (a full
// tmpfs, RLIMIT_FSIZE, a full descriptor table) loses no byte, stays in memory unchanged and can
// retry; the positive control shows CPython losing data on the same tmpfs.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "harness.hpp"
#include "os/sys.hpp"
#include "support/files.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/spooled_temporary_file.hpp"

namespace tempfile::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

// security.md E2's setup: a 16 KiB tmpfs with 12 KiB taken, so 4 KiB are left for 8 KiB of
// spooled data (CPython then keeps only the first 4 KiB).
constexpr const char* tiny_tmpfs_options = "size=16k";
constexpr std::size_t filler_size = std::size_t{12} * 1024;
constexpr std::size_t spooled_size = 8192;
constexpr std::int64_t some_position = 1000;
const char* const filler_name = "filler";

// 8 KiB that are not all alike (every byte value, '\0', '\n' and '\r' among them), so that a
// shifted, truncated or partly zeroed copy cannot compare equal.
std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 131 + i / 256) % 256);
  }
  return bytes;
}

// "same", or how two byte strings differ: a child reports this instead of kilobytes of data.
std::string compare(const std::string& got, const std::string& want) {
  if (got == want) {
    return "same";
  }
  std::size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) {
    ++at;
  }
  return "got " + std::to_string(got.size()) + " bytes, want " + std::to_string(want.size()) +
         ", first difference at " + std::to_string(at);
}

std::string error_outcome(int err) {
  return "error " + std::to_string(err) + ": ";
}

// The whole file as the descriptor has it, read with pread (the object's position untouched).
std::string disk_bytes(File& f) {
  f.flush();
  const int fd = f.fileno();
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return "<fstat failed>";
  }
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got =
        ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (got <= 0) {
      return "<pread failed>";
    }
    done += static_cast<std::size_t>(got);
  }
  return bytes;
}

// Reads everything from the start, then puts the position back.
std::string contents_keeping_position(File& f) {
  const std::int64_t position = f.tell();
  f.seek(0);
  std::string all = f.read();
  f.seek(position);
  return all;
}

std::string free_bytes(const fs::path& dir) {
  struct statvfs info {};
  if (::statvfs(dir.c_str(), &info) != 0) {
    return "<statvfs failed>";
  }
  return std::to_string(static_cast<unsigned long long>(info.f_bavail) * info.f_frsize);
}

std::string names_in(const fs::path& dir) {
  std::string names;
  for (const std::string& name : list_dir(dir)) {
    names += (names.empty() ? "" : ",") + name;
  }
  return names;
}

// In a child: the tiny tmpfs on `mountpoint` in a private mount namespace, with the filler
// taking 12 KiB. Returns 0, child_capability_missing or 1 (reason in `out`).
int mount_nearly_full_tmpfs(const fs::path& mountpoint, std::string& out) {
  if (const int status = mount_private_tmpfs(mountpoint, 0, tiny_tmpfs_options, out); status != 0) {
    return status;
  }
  const std::string filler(filler_size, 'F');
  const int fd =
      ::open((mountpoint / filler_name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || os::write_all(fd, filler.data(), filler.size()) != 0) {
    out += std::string("cannot write the filler: ") + errno_text(errno);
    return 1;
  }
  ::close(fd);
  add_fact(out, "free_when_filled", free_bytes(mountpoint));
  return 0;
}

void remove_filler(const fs::path& mountpoint, std::string& out) {
  add_fact(out, "filler_removed",
           ::unlink((mountpoint / filler_name).c_str()) == 0 ? "yes" : errno_text(errno));
}

std::string value(const ChildRun& child, const std::string& key) {
  return fact(child.output, key).value_or("<missing: " + key + ">");
}

// The checks every failed rollover shares: still in memory, name empty, the position and
// every byte as before. `prefix` tells apart the facts of one child's several checks.
void report_unchanged(SpooledTemporaryFile& f, const std::string& want, const std::string& prefix,
                      std::string& out) {
  add_fact(out, prefix + "rolled", f.rolled() ? "yes" : "no");
  add_fact(out, prefix + "name", f.name().string());
  add_fact(out, prefix + "tell", std::to_string(f.tell()));
  add_fact(out, prefix + "contents", compare(contents_keeping_position(f), want));
  add_fact(out, prefix + "tell_after_read", std::to_string(f.tell()));
}

void expect_unchanged(const ChildRun& child, std::int64_t position, const std::string& prefix) {
  SCOPED_TRACE(prefix);
  EXPECT_EQ(value(child, prefix + "rolled"), "no");
  EXPECT_EQ(value(child, prefix + "name"), "");
  EXPECT_EQ(value(child, prefix + "tell"), std::to_string(position));
  EXPECT_EQ(value(child, prefix + "contents"), "same");
  EXPECT_EQ(value(child, prefix + "tell_after_read"), std::to_string(position));
}

// The error of a failed rollover: the errno, the directory and the reason in the message.
void expect_rollover_error(const std::string& got, int err, const fs::path& dir) {
  EXPECT_THAT(got, StartsWith(error_outcome(err)));
  EXPECT_THAT(got, HasSubstr("'" + dir.native() + "'"));
  EXPECT_THAT(got, HasSubstr(errno_text(err)));
}

class SpooledRolloverTest : public ScratchTest {};

// (a) E2 exactly: 8192 bytes spooled, fileno()/rollover() into a tmpfs with 4 KiB left.
TEST_F(SpooledRolloverTest, E2_EnospcAtRolloverKeepsEveryByteAndRetryWorks) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_nearly_full_tmpfs(mountpoint, out); status != 0) {
      return status;
    }
    const std::string data = pattern(spooled_size);
    SpooledTemporaryFile f({.max_size = 100000, .dir = mountpoint});
    add_fact(out, "wrote", std::to_string(f.write(data)));
    f.seek(some_position);
    add_fact(out, "fileno", outcome([&] { static_cast<void>(f.fileno()); }));
    report_unchanged(f, data, "after_fileno.", out);
    add_fact(out, "rollover", outcome([&] { f.rollover(); }));
    report_unchanged(f, data, "after_rollover.", out);
    add_fact(out, "entries_when_full", names_in(mountpoint));
    add_fact(out, "free_after_failures", free_bytes(mountpoint));

    remove_filler(mountpoint, out);
    add_fact(out, "retry", outcome([&] { f.rollover(); }));
    add_fact(out, "rolled", f.rolled() ? "yes" : "no");
    add_fact(out, "name_is_fd", f.name() == std::to_string(f.fileno()) ? "yes" : "no");
    add_fact(out, "tell", std::to_string(f.tell()));
    add_fact(out, "disk", compare(disk_bytes(f), data));
    add_fact(out, "read_on", compare(f.read(), data.substr(some_position)));
    add_fact(out, "entries_after", names_in(mountpoint));
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(value(child, "free_when_filled"), "4096");
  EXPECT_EQ(value(child, "wrote"), std::to_string(spooled_size));
  expect_rollover_error(value(child, "fileno"), ENOSPC, mountpoint);
  EXPECT_THAT(value(child, "fileno"), HasSubstr("No space left"));
  expect_unchanged(child, some_position, "after_fileno.");
  expect_rollover_error(value(child, "rollover"), ENOSPC, mountpoint);
  expect_unchanged(child, some_position, "after_rollover.");
  EXPECT_EQ(value(child, "entries_when_full"), filler_name) << "a failed rollover left a file";
  EXPECT_EQ(value(child, "free_after_failures"), "4096") << "a failed rollover kept its blocks";
  EXPECT_EQ(value(child, "filler_removed"), "yes");
  EXPECT_EQ(value(child, "retry"), "ok");
  EXPECT_EQ(value(child, "rolled"), "yes");
  EXPECT_EQ(value(child, "name_is_fd"), "yes");
  EXPECT_EQ(value(child, "tell"), std::to_string(some_position));
  EXPECT_EQ(value(child, "disk"), "same");
  EXPECT_EQ(value(child, "read_on"), "same");
  EXPECT_EQ(value(child, "entries_after"), "");
}

// (a) The write that crosses max_size needs the rollover: it throws and stores nothing of
// itself; what was written before is intact; the same write succeeds once there is room.
TEST_F(SpooledRolloverTest, E2_EnospcInTheWriteThatCrossesMaxSizeWritesNothing) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_nearly_full_tmpfs(mountpoint, out); status != 0) {
      return status;
    }
    const std::string data = pattern(spooled_size);
    const std::string tail = "the write that crosses max_size";
    SpooledTemporaryFile f(
        {.max_size = static_cast<std::int64_t>(spooled_size), .dir = mountpoint});
    f.write(data);
    add_fact(out, "rolled_at_max", f.rolled() ? "yes" : "no");
    add_fact(out, "write", outcome([&] { static_cast<void>(f.write(tail)); }));
    report_unchanged(f, data, "after_write.", out);
    add_fact(out, "size", std::to_string(f.seek(0, SEEK_END)));
    add_fact(out, "entries_when_full", names_in(mountpoint));

    remove_filler(mountpoint, out);
    add_fact(out, "retry",
             outcome([&] { add_fact(out, "retry_count", std::to_string(f.write(tail))); }));
    add_fact(out, "rolled", f.rolled() ? "yes" : "no");
    add_fact(out, "tell", std::to_string(f.tell()));
    add_fact(out, "disk", compare(disk_bytes(f), data + tail));
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(value(child, "rolled_at_max"), "no");
  expect_rollover_error(value(child, "write"), ENOSPC, mountpoint);
  expect_unchanged(child, static_cast<std::int64_t>(spooled_size), "after_write.");
  EXPECT_EQ(value(child, "size"), std::to_string(spooled_size));
  EXPECT_EQ(value(child, "entries_when_full"), filler_name);
  EXPECT_EQ(value(child, "retry"), "ok");
  EXPECT_EQ(value(child, "retry_count"), "31");
  EXPECT_EQ(value(child, "rolled"), "yes");
  EXPECT_EQ(value(child, "tell"), std::to_string(spooled_size + 31));
  EXPECT_EQ(value(child, "disk"), "same");
}

// (a) Text mode: the decoder holds a '\r' (it ends the decoded chunk: a '\n' may follow) when
// the rollover fails, and again when it succeeds; the '\r', the cookie and newlines() carry
// over. Then a text write that crosses max_size fails and is taken back whole.
TEST_F(SpooledRolloverTest, E2_EnospcInTextModeKeepsTheDecoderState) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_nearly_full_tmpfs(mountpoint, out); status != 0) {
      return status;
    }
    // 8192 bytes: "ab\r\n", 8187 'c', then a '\r' at the very end.
    const std::string text = "ab\r\n" + std::string(spooled_size - 5, 'c') + "\r";
    SpooledTemporaryFile f({.max_size = 100000, .mode = "w+", .dir = mountpoint});
    f.write(text);
    f.seek(0);
    add_fact(out, "first", f.read(3));
    const std::int64_t cookie = f.tell();
    add_fact(out, "rollover", outcome([&] { f.rollover(); }));
    add_fact(out, "rolled_after_failure", f.rolled() ? "yes" : "no");
    add_fact(out, "same_cookie_after_failure", f.tell() == cookie ? "yes" : "no");
    add_fact(out, "entries_when_full", names_in(mountpoint));

    remove_filler(mountpoint, out);
    add_fact(out, "retry", outcome([&] { f.rollover(); }));
    add_fact(out, "rolled", f.rolled() ? "yes" : "no");
    add_fact(out, "same_cookie", f.tell() == cookie ? "yes" : "no");
    add_fact(out, "disk", compare(disk_bytes(f), text));
    const std::string want_rest = std::string(spooled_size - 5, 'c') + "\n";
    add_fact(out, "rest", compare(f.read(), want_rest));
    f.seek(cookie);
    add_fact(out, "rest_again", compare(f.read(), want_rest));
    std::string newlines;
    for (const std::string& ending : f.newlines()) {
      newlines += ending == "\r" ? "CR;" : ending == "\n" ? "LF;" : "CRLF;";
    }
    add_fact(out, "newlines", newlines);
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(value(child, "first"), "ab\n");
  expect_rollover_error(value(child, "rollover"), ENOSPC, mountpoint);
  EXPECT_EQ(value(child, "rolled_after_failure"), "no");
  EXPECT_EQ(value(child, "same_cookie_after_failure"), "yes");
  EXPECT_EQ(value(child, "entries_when_full"), filler_name);
  EXPECT_EQ(value(child, "retry"), "ok");
  EXPECT_EQ(value(child, "rolled"), "yes");
  EXPECT_EQ(value(child, "same_cookie"), "yes");
  EXPECT_EQ(value(child, "disk"), "same");
  EXPECT_EQ(value(child, "rest"), "same");
  EXPECT_EQ(value(child, "rest_again"), "same");
  EXPECT_EQ(value(child, "newlines"), "CR;CRLF;");
}

TEST_F(SpooledRolloverTest, E2_EnospcInATextWriteTakesTheWriteBack) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_nearly_full_tmpfs(mountpoint, out); status != 0) {
      return status;
    }
    // 8192 encoded bytes (a 2-byte character among them) exactly at max_size, not rolled.
    const std::string text = "\u039b\r\n" + std::string(spooled_size - 5, 'x') + "\r";
    const std::string more = "\n\u039c more";
    SpooledTemporaryFile f({.max_size = static_cast<std::int64_t>(spooled_size),
                            .mode = "w+",
                            .newline = "",
                            .dir = mountpoint});
    f.write(text);
    add_fact(out, "rolled_at_max", f.rolled() ? "yes" : "no");
    add_fact(out, "tell_at_max", std::to_string(f.tell()));
    add_fact(out, "write", outcome([&] { static_cast<void>(f.write(more)); }));
    add_fact(out, "rolled_after_failure", f.rolled() ? "yes" : "no");
    add_fact(out, "tell_after_failure", std::to_string(f.tell()));
    add_fact(out, "contents_after_failure", compare(contents_keeping_position(f), text));
    add_fact(out, "flush_after_failure", outcome([&] { f.flush(); }));
    add_fact(out, "contents_after_flush", compare(contents_keeping_position(f), text));

    remove_filler(mountpoint, out);
    add_fact(out, "retry",
             outcome([&] { add_fact(out, "retry_count", std::to_string(f.write(more))); }));
    add_fact(out, "rolled", f.rolled() ? "yes" : "no");
    add_fact(out, "disk", compare(disk_bytes(f), text + more));
    f.seek(0);
    add_fact(out, "read_back", compare(f.read(), text + more));
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(value(child, "rolled_at_max"), "no");
  EXPECT_EQ(value(child, "tell_at_max"), std::to_string(spooled_size));
  expect_rollover_error(value(child, "write"), ENOSPC, mountpoint);
  EXPECT_EQ(value(child, "rolled_after_failure"), "no");
  EXPECT_EQ(value(child, "tell_after_failure"), std::to_string(spooled_size));
  EXPECT_EQ(value(child, "contents_after_failure"), "same");
  EXPECT_EQ(value(child, "flush_after_failure"), "ok") << "the failed write was left pending";
  EXPECT_EQ(value(child, "contents_after_flush"), "same");
  EXPECT_EQ(value(child, "retry"), "ok");
  EXPECT_EQ(value(child, "retry_count"), "7");
  EXPECT_EQ(value(child, "rolled"), "yes");
  EXPECT_EQ(value(child, "disk"), "same");
  EXPECT_EQ(value(child, "read_back"), "same");
}

// In a child: files may grow to `bytes` (RLIMIT_FSIZE), SIGXFSZ ignored so that write(2)
// reports EFBIG; `original` keeps the limit to restore. False, with the reason in `out`, if
// the limit cannot be set.
bool limit_file_size(rlim_t bytes, rlimit& original, std::string& out) {
  static_cast<void>(std::signal(SIGXFSZ, SIG_IGN));
  ::getrlimit(RLIMIT_FSIZE, &original);
  rlimit small = original;
  small.rlim_cur = bytes;
  if (::setrlimit(RLIMIT_FSIZE, &small) != 0) {
    out = std::string("setrlimit(RLIMIT_FSIZE) failed: ") + errno_text(errno);
    return false;
  }
  return true;
}

// (b) EFBIG: RLIMIT_FSIZE of 4 KiB in a child (SIGXFSZ ignored, so write(2) reports it). The
// copy writes 4096 bytes, then fails: the half-filled file must be dropped, not kept.
TEST_F(SpooledRolloverTest, E2_EfbigAtRolloverKeepsEveryByteAndRetryWorks) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    rlimit original{};
    if (!limit_file_size(4096, original, out)) {
      return 1;
    }
    const std::string data = pattern(spooled_size);
    const std::string tail = "tail";
    SpooledTemporaryFile f({.max_size = 100000, .dir = dir});
    f.write(data);
    f.seek(some_position);
    add_fact(out, "fileno", outcome([&] { static_cast<void>(f.fileno()); }));
    report_unchanged(f, data, "after_fileno.", out);
    add_fact(out, "rollover", outcome([&] { f.rollover(); }));
    report_unchanged(f, data, "after_rollover.", out);

    SpooledTemporaryFile g({.max_size = static_cast<std::int64_t>(spooled_size), .dir = dir});
    g.write(data);
    add_fact(out, "write", outcome([&] { static_cast<void>(g.write(tail)); }));
    report_unchanged(g, data, "after_write.", out);
    add_fact(out, "entries_when_limited", names_in(dir));

    if (::setrlimit(RLIMIT_FSIZE, &original) != 0) {
      out += std::string("cannot restore RLIMIT_FSIZE: ") + errno_text(errno);
      return 1;
    }
    add_fact(out, "retry", outcome([&] { f.rollover(); }));
    add_fact(out, "rolled", f.rolled() ? "yes" : "no");
    add_fact(out, "tell", std::to_string(f.tell()));
    add_fact(out, "disk", compare(disk_bytes(f), data));
    add_fact(out, "retry_write", outcome([&] { static_cast<void>(g.write(tail)); }));
    add_fact(out, "rolled_g", g.rolled() ? "yes" : "no");
    add_fact(out, "disk_g", compare(disk_bytes(g), data + tail));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  expect_rollover_error(value(child, "fileno"), EFBIG, dir);
  EXPECT_THAT(value(child, "fileno"), HasSubstr("File too large"));
  expect_unchanged(child, some_position, "after_fileno.");
  expect_rollover_error(value(child, "rollover"), EFBIG, dir);
  expect_unchanged(child, some_position, "after_rollover.");
  expect_rollover_error(value(child, "write"), EFBIG, dir);
  expect_unchanged(child, static_cast<std::int64_t>(spooled_size), "after_write.");
  EXPECT_EQ(value(child, "entries_when_limited"), "");
  EXPECT_EQ(value(child, "retry"), "ok");
  EXPECT_EQ(value(child, "rolled"), "yes");
  EXPECT_EQ(value(child, "tell"), std::to_string(some_position));
  EXPECT_EQ(value(child, "disk"), "same");
  EXPECT_EQ(value(child, "retry_write"), "ok");
  EXPECT_EQ(value(child, "rolled_g"), "yes");
  EXPECT_EQ(value(child, "disk_g"), "same");
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

// (b) EFBIG in the bytes of the write that asked for the rollover, after the spooled bytes
// fitted: at the end (they join the memory for one write(2)) and over earlier bytes (a pwrite
// after the copy). Either way the write stores nothing and the object stays in memory; once
// the limit is lifted the same writes succeed and the file holds every byte.
TEST_F(SpooledRolloverTest, E2_EfbigInTheRolloverWriteStoresNothing) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    rlimit original{};
    if (!limit_file_size(4096, original, out)) {
      return 1;
    }
    const std::string data = pattern(3000);
    const std::string more(2500, 'z');
    SpooledTemporaryFile at_end({.max_size = 3000, .dir = dir});
    at_end.write(data);
    add_fact(out, "at_end", outcome([&] { static_cast<void>(at_end.write(more)); }));
    report_unchanged(at_end, data, "after_at_end.", out);
    SpooledTemporaryFile inside({.max_size = 3000, .dir = dir});
    inside.write(data);
    inside.seek(2000);
    add_fact(out, "inside", outcome([&] { static_cast<void>(inside.write(more)); }));
    report_unchanged(inside, data, "after_inside.", out);
    add_fact(out, "entries_when_limited", names_in(dir));

    if (::setrlimit(RLIMIT_FSIZE, &original) != 0) {
      out += std::string("cannot restore RLIMIT_FSIZE: ") + errno_text(errno);
      return 1;
    }
    add_fact(out, "retry_at_end", outcome([&] { static_cast<void>(at_end.write(more)); }));
    add_fact(out, "disk_at_end", compare(disk_bytes(at_end), data + more));
    add_fact(out, "retry_inside", outcome([&] { static_cast<void>(inside.write(more)); }));
    add_fact(out, "tell_inside", std::to_string(inside.tell()));
    add_fact(out, "disk_inside", compare(disk_bytes(inside), data.substr(0, 2000) + more));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  expect_rollover_error(value(child, "at_end"), EFBIG, dir);
  expect_unchanged(child, 3000, "after_at_end.");
  expect_rollover_error(value(child, "inside"), EFBIG, dir);
  expect_unchanged(child, 2000, "after_inside.");
  EXPECT_EQ(value(child, "entries_when_limited"), "");
  EXPECT_EQ(value(child, "retry_at_end"), "ok");
  EXPECT_EQ(value(child, "disk_at_end"), "same");
  EXPECT_EQ(value(child, "retry_inside"), "ok");
  EXPECT_EQ(value(child, "tell_inside"), "4500");
  EXPECT_EQ(value(child, "disk_inside"), "same");
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

// (c) EMFILE: a real RLIMIT_NOFILE and a table filled with /dev/null; the rollover cannot get a
// descriptor (for a file in dir, or a memfd). Nothing changes, no descriptor leaks, and once
// the soft limit is raised the same objects roll over.
TEST_F(SpooledRolloverTest, E2_EmfileAtRolloverKeepsEveryByteAndRetryWorks) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    // Warm-up while descriptors are free (UBSan's vptr check needs a pipe on a type-cache
    // miss; see fail_fast_test.cpp): both kinds of rollover once, and a failing one.
    for (const bool memfd : {false, true}) {
      SpooledTemporaryFile warm({.dir = dir, .memfd = memfd});
      warm.write(std::string_view("warm"));
      warm.rollover();
      SpooledTemporaryFile failing({.dir = dir / "missing"});
      static_cast<void>(outcome([&] { failing.rollover(); }));
    }
    const std::string data = pattern(spooled_size);
    SpooledTemporaryFile f({.max_size = 100000, .dir = dir});
    f.write(data);
    f.seek(some_position);
    SpooledTemporaryFile m({.max_size = 100000, .dir = dir, .memfd = true});
    m.write(data);
    m.seek(some_position);

    rlimit original{};
    ::getrlimit(RLIMIT_NOFILE, &original);
    const std::set<int> open_at_start = open_descriptors();
    const int highest = open_at_start.empty() ? 2 : *open_at_start.rbegin();
    rlimit low = original;
    low.rlim_cur = static_cast<rlim_t>(highest) + 16;
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) {
      out = std::string("setrlimit(RLIMIT_NOFILE) failed: ") + errno_text(errno);
      return 1;
    }
    std::vector<int> fillers;
    int fill_errno = 0;
    for (;;) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        fill_errno = errno;
        break;
      }
      fillers.push_back(fd);
    }
    const std::set<int> before = open_descriptors();
    const std::string fileno_outcome = outcome([&] { static_cast<void>(f.fileno()); });
    const std::string rollover_outcome = outcome([&] { f.rollover(); });
    const std::string memfd_outcome = outcome([&] { m.rollover(); });
    const bool descriptors_unchanged = open_descriptors() == before;
    // Strings only from here on while the table is full (they need no descriptor).
    std::string facts;
    report_unchanged(f, data, "file.", facts);
    report_unchanged(m, data, "memfd.", facts);

    rlimit raised = low;
    raised.rlim_cur += 4;
    const bool could_raise = ::setrlimit(RLIMIT_NOFILE, &raised) == 0;
    const std::string retry = outcome([&] { f.rollover(); });
    const std::string retry_memfd = outcome([&] { m.rollover(); });
    for (const int fd : fillers) {
      ::close(fd);
    }
    ::setrlimit(RLIMIT_NOFILE, &original);
    out += facts;
    add_fact(out, "fill_errno", std::to_string(fill_errno));
    add_fact(out, "fillers", std::to_string(fillers.size()));
    add_fact(out, "fileno", fileno_outcome);
    add_fact(out, "rollover", rollover_outcome);
    add_fact(out, "memfd_rollover", memfd_outcome);
    add_fact(out, "descriptors_unchanged", descriptors_unchanged ? "yes" : "no");
    add_fact(out, "could_raise", could_raise ? "yes" : "no");
    add_fact(out, "retry", retry);
    add_fact(out, "retry_memfd", retry_memfd);
    add_fact(out, "rolled", f.rolled() && m.rolled() ? "yes" : "no");
    add_fact(out, "tell", std::to_string(f.tell()) + "," + std::to_string(m.tell()));
    add_fact(out, "disk", compare(disk_bytes(f), data));
    add_fact(out, "disk_memfd", compare(disk_bytes(m), data));
    add_fact(out, "entries", names_in(dir));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(value(child, "fill_errno"), std::to_string(EMFILE));
  EXPECT_NE(value(child, "fillers"), "0");
  expect_rollover_error(value(child, "fileno"), EMFILE, dir);
  expect_rollover_error(value(child, "rollover"), EMFILE, dir);
  EXPECT_THAT(value(child, "memfd_rollover"), StartsWith(error_outcome(EMFILE)));
  if (os::linux_fast_paths) {
    EXPECT_THAT(value(child, "memfd_rollover"), HasSubstr("memfd"));
  } else {
    expect_rollover_error(value(child, "memfd_rollover"), EMFILE, dir);
  }
  EXPECT_EQ(value(child, "descriptors_unchanged"), "yes") << "a failed rollover leaked";
  expect_unchanged(child, some_position, "file.");
  expect_unchanged(child, some_position, "memfd.");
  EXPECT_EQ(value(child, "could_raise"), "yes");
  EXPECT_EQ(value(child, "retry"), "ok");
  EXPECT_EQ(value(child, "retry_memfd"), "ok");
  EXPECT_EQ(value(child, "rolled"), "yes");
  EXPECT_EQ(value(child, "tell"), "1000,1000");
  EXPECT_EQ(value(child, "disk"), "same");
  EXPECT_EQ(value(child, "disk_memfd"), "same");
  EXPECT_EQ(value(child, "entries"), "");
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

// python3 on PATH, or empty.
std::string find_python() {
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): one thread here
  std::string entries = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= entries.size()) {
    std::size_t end = entries.find(':', start);
    if (end == std::string::npos) {
      end = entries.size();
    }
    std::string candidate =
        (end > start ? entries.substr(start, end - start) : std::string(".")) + "/python3";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return {};
}

// In a child: runs `python -c script args...`, returns its stdout (and exit status in
// `status`).
std::string run_python(const std::string& python, const std::string& script,
                       const std::vector<std::string>& args, int& status) {
  std::array<int, 2> pipe_fds{-1, -1};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    status = -1;
    return "pipe2 failed";
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);  // its "Exception ignored" noise too
    std::vector<std::string> arguments = {python, "-c", script};
    arguments.insert(arguments.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(arguments.size() + 1);
    for (std::string& argument : arguments) {
      argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    ::execv(python.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string output = read_to_end(pipe_fds[0]);
  ::close(pipe_fds[0]);
  int wait_status = 0;
  status = -1;
  if (pid > 0 && ::waitpid(pid, &wait_status, 0) == pid && WIFEXITED(wait_status)) {
    status = WEXITSTATUS(wait_status);
  }
  return output;
}

// E2's reproduction in CPython: 8192 bytes accepted, fileno() hits ENOSPC. It prints facts in
// our format. How much the object can still give back while the tmpfs is full: 3.11 and 3.12
// keep the second 4 KiB in the new file's write buffer, which cannot be flushed, so every
// seek()/read() raises ENOSPC and nothing is readable; 3.13 drops them (4096 readable,
// security.md E2). Either way the rollover cannot be retried (its arguments were deleted).
// After the filler is removed, 3.11/3.12 can flush the buffer again; 3.13 has lost the bytes for
// good.
constexpr const char* cpython_e2 = R"(
import os, sys, tempfile
d = sys.argv[1]
data = bytes(range(256)) * 32
f = tempfile.SpooledTemporaryFile(max_size=100000, dir=d)
f.write(data)
try:
    f.fileno()
    print("fact.py_fileno=ok")
except OSError as e:
    print("fact.py_fileno=%d" % e.errno)
try:
    f.seek(0)
    print("fact.py_readable=%d" % len(f.read()))
except OSError as e:
    print("fact.py_readable=0")
    print("fact.py_read_error=%d" % e.errno)
print("fact.py_rolled=%s" % f._rolled)
try:
    f.rollover()
    print("fact.py_retry=ok")
except Exception as e:
    print("fact.py_retry=%s" % type(e).__name__)
os.unlink(os.path.join(d, "filler"))
try:
    f.seek(0)
    print("fact.py_intact_after_freeing=%s" % (f.read() == data))
except OSError as e:
    print("fact.py_intact_after_freeing=error %d" % e.errno)
f.close()
)";

// (d) Positive control for the ENOSPC tests: the same tiny tmpfs, the same 8192 bytes and the
// same fileno(), run through CPython in the same mount namespace, and then through ours. The
// harness must see CPython lose data (fewer than 8192 bytes readable), or its "no byte lost"
// result for ours would prove nothing.
TEST_F(SpooledRolloverTest, E2_PositiveControlCPythonLosesDataOnTheSameTmpfs) {
  const std::string python = find_python();
  if (python.empty()) {
    GTEST_SKIP() << "python3 is not on PATH: the CPython control cannot run";
  }
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child(
      [&](std::string& out) {
        if (const int status = mount_nearly_full_tmpfs(mountpoint, out); status != 0) {
          return status;
        }
        int status = 0;
        out += run_python(python, cpython_e2, {mountpoint.native()}, status);
        add_fact(out, "python_status", std::to_string(status));
        // The script removed the filler: the same state again for ours.
        const std::string filler(filler_size, 'F');
        const int fd = ::open((mountpoint / filler_name).c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || os::write_all(fd, filler.data(), filler.size()) != 0) {
          out += std::string("cannot write the filler again: ") + errno_text(errno);
          return 1;
        }
        ::close(fd);
        add_fact(out, "free_before_ours", free_bytes(mountpoint));

        const std::string data = pattern(spooled_size);
        SpooledTemporaryFile f({.max_size = 100000, .dir = mountpoint});
        f.write(data);
        add_fact(out, "ours_fileno", outcome([&] { static_cast<void>(f.fileno()); }));
        f.seek(0);
        add_fact(out, "ours_readable", std::to_string(f.read().size()));
        remove_filler(mountpoint, out);
        add_fact(out, "ours_retry", outcome([&] { f.rollover(); }));
        return 0;
      },
      60);
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  ASSERT_EQ(value(child, "python_status"), "0") << child.output;
  EXPECT_EQ(value(child, "free_when_filled"), "4096");
  // CPython: ENOSPC, then data lost and no retry.
  EXPECT_EQ(value(child, "py_fileno"), std::to_string(ENOSPC)) << child.output;
  const std::string readable = value(child, "py_readable");
  ASSERT_THAT(readable, ::testing::MatchesRegex("[0-9]+")) << child.output;
  EXPECT_LT(std::stoul(readable), spooled_size) << "CPython kept every byte: the control failed";
  EXPECT_EQ(value(child, "py_rolled"), "False");
  EXPECT_NE(value(child, "py_retry"), "ok") << "CPython could retry its rollover";
  EXPECT_EQ(value(child, "free_before_ours"), "4096");
  // Ours, on the very same mount: ENOSPC, all 8192 bytes, and a retry that works.
  expect_rollover_error(value(child, "ours_fileno"), ENOSPC, mountpoint);
  EXPECT_EQ(value(child, "ours_readable"), std::to_string(spooled_size));
  EXPECT_EQ(value(child, "ours_retry"), "ok");
}

// (e) memfd: the rollover never touches dir, which need not even exist. Where memfd is missing
// (TEMPFILE_PORTABLE) the rollover goes to dir as documented, and a missing dir is then an
// ordinary failed rollover: ENOENT, nothing changed.
TEST_F(SpooledRolloverTest, E2_MemfdRolloverNeverTouchesDir) {
  const fs::path missing = scratch() / "missing";
  const std::string data = pattern(spooled_size);
  SpooledTemporaryFile f({.max_size = 100, .dir = missing, .memfd = true});
  f.write(data.substr(0, 100));
  ASSERT_FALSE(f.rolled());
  if (!os::linux_fast_paths) {
    EXPECT_TEMPFILE_ERROR(static_cast<void>(f.write(data.substr(100))),
                          std::errc::no_such_file_or_directory, missing.native());
    EXPECT_FALSE(f.rolled());
    EXPECT_EQ(contents_keeping_position(f), data.substr(0, 100));
    EXPECT_FALSE(fs::exists(missing));
    return;
  }
  f.write(data.substr(100));
  EXPECT_TRUE(f.rolled());
  EXPECT_FALSE(fs::exists(missing));
  const fs::path link = fs::read_symlink("/proc/self/fd/" + std::to_string(f.fileno()));
  EXPECT_THAT(link.native(), StartsWith("/memfd:tempfile-spooled"));
  EXPECT_EQ(disk_bytes(f), data);
  EXPECT_EQ(f.name(), std::to_string(f.fileno()));
}

// (e) memfd on a full tmpfs: on Linux the rollover succeeds and the tmpfs is untouched (no
// entry, no block); where memfd is missing it is E2's ENOSPC with nothing changed.
TEST_F(SpooledRolloverTest, E2_MemfdRolloverIgnoresAFullDir) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_nearly_full_tmpfs(mountpoint, out); status != 0) {
      return status;
    }
    const std::string data = pattern(spooled_size);
    SpooledTemporaryFile f({.max_size = 100000, .dir = mountpoint, .memfd = true});
    f.write(data);
    f.seek(some_position);
    add_fact(out, "rollover", outcome([&] { f.rollover(); }));
    add_fact(out, "rolled", f.rolled() ? "yes" : "no");
    add_fact(out, "tell", std::to_string(f.tell()));
    add_fact(out, "contents", compare(contents_keeping_position(f), data));
    add_fact(out, "entries", names_in(mountpoint));
    add_fact(out, "free_after", free_bytes(mountpoint));
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  if (os::linux_fast_paths) {
    EXPECT_EQ(value(child, "rollover"), "ok");
    EXPECT_EQ(value(child, "rolled"), "yes");
  } else {
    expect_rollover_error(value(child, "rollover"), ENOSPC, mountpoint);
    EXPECT_EQ(value(child, "rolled"), "no");
  }
  EXPECT_EQ(value(child, "tell"), std::to_string(some_position));
  EXPECT_EQ(value(child, "contents"), "same");
  EXPECT_EQ(value(child, "entries"), filler_name);
  EXPECT_EQ(value(child, "free_after"), "4096");
}

}  // namespace
}  // namespace tempfile::test
