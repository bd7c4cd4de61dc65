// SPDX-License-Identifier: MIT
// security.md A7, E1 and E3: every errno other than EEXIST ends creation after exactly one
// attempt and reports the errno, the directory and the path tried. Real causes only: missing
// and non-directory parents, an overlong name, a directory nobody may write, a read-only and a
// full tmpfs (in a private mount namespace) and a full descriptor table (real RLIMIT_NOFILE).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"
#include "os/sys.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"

namespace tempfile::test {
namespace {

using create::EntryKind;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* tried_suffix = ".tmp";
constexpr const char* only_name = "onlyname";
const std::array<const char*, 4> creator_labels = {
    "create_unique(file)", "create_unique(directory)", "mkstemp", "mkdtemp"};

// Tries each creator once in `dir`: the two create_unique kinds with a counting name source,
// then the public mkstemp and mkdtemp (random names, so only the error is comparable).
std::vector<Attempt> attempt_every_creator(const fs::path& dir, const std::string& prefix) {
  std::vector<Attempt> attempts;
  for (const EntryKind kind : {EntryKind::file, EntryKind::directory}) {
    ScriptedNames names({only_name});
    Attempt attempt = attempt_create(kind, dir, prefix, tried_suffix, names);
    attempt.name_calls = names.calls();
    attempts.push_back(attempt);
  }
  attempts.push_back(record_attempt([&] {
    const auto [fd, path] =
        tempfile::mkstemp({.suffix = tried_suffix, .prefix = prefix, .dir = dir});
    ::close(fd);
    return path.native();
  }));
  attempts.push_back(record_attempt([&] {
    return tempfile::mkdtemp({.suffix = tried_suffix, .prefix = prefix, .dir = dir}).native();
  }));
  return attempts;
}

std::string encode_all(const std::vector<Attempt>& attempts) {
  std::string out;
  for (const Attempt& attempt : attempts) {
    out += encode(attempt);
  }
  return out;
}

void expect_every_creator_failed_once(const std::vector<Attempt>& attempts, int expected_errno,
                                      const fs::path& dir, const std::string& prefix) {
  ASSERT_EQ(attempts.size(), creator_labels.size());
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    SCOPED_TRACE(creator_labels.at(i));
    const Attempt& attempt = attempts[i];
    EXPECT_FALSE(attempt.created) << "created " << attempt.path;
    ASSERT_TRUE(attempt.threw_error) << "other failure: " << attempt.other_failure;
    EXPECT_EQ(attempt.code, expected_errno) << attempt.what;
    EXPECT_EQ(attempt.path1, dir.native());
    EXPECT_THAT(attempt.what, HasSubstr("'" + dir.native() + "'"));
    EXPECT_THAT(attempt.what, HasSubstr(std::strerror(expected_errno)));
    if (i < 2 && expected_errno == ENAMETOOLONG) {
      // Judged before any name is drawn or system call made (the same rule with and without
      // O_TMPFILE): path2 shows the name's shape, its random part as X's.
      EXPECT_EQ(attempt.name_calls, 0) << "an overlong name was tried";
      EXPECT_EQ(attempt.path2, (dir / (prefix + "XXXXXXXX" + tried_suffix)).native());
    } else if (i < 2) {
      EXPECT_EQ(attempt.name_calls, 1) << "an errno other than EEXIST was retried";
      EXPECT_EQ(attempt.path2, (dir / (prefix + only_name + tried_suffix)).native());
    } else {
      const fs::path tried(attempt.path2);
      EXPECT_EQ(tried.parent_path(), dir);
      const std::string name = tried.filename().string();
      EXPECT_EQ(name.size(), prefix.size() + 8 + std::strlen(tried_suffix)) << name;
      EXPECT_EQ(name.rfind(prefix, 0), 0U) << name;
    }
  }
}

class FailFastTest : public ScratchTest {};

TEST_F(FailFastTest, A7_MissingDirectoryIsEnoent) {
  const fs::path missing = scratch() / "missing";
  expect_every_creator_failed_once(attempt_every_creator(missing, "tmp"), ENOENT, missing, "tmp");
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_TEMPFILE_ERROR(tempfile::mkstemp({.dir = missing}), std::errc::no_such_file_or_directory,
                        missing.native());
}

TEST_F(FailFastTest, A7_RegularFileAsDirectoryIsEnotdir) {
  const fs::path file = scratch() / "afile";
  write_file(file, "not a directory");
  expect_every_creator_failed_once(attempt_every_creator(file, "tmp"), ENOTDIR, file, "tmp");
  EXPECT_EQ(snapshot(file).content, "not a directory");
  EXPECT_TRUE(fs::remove(file));
}

TEST_F(FailFastTest, A7_OverlongPrefixIsEnametoolong) {
  const fs::path dir = make_subdir("dir");
  const std::string prefix(300, 'p');
  expect_every_creator_failed_once(attempt_every_creator(dir, prefix), ENAMETOOLONG, dir, prefix);
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

TEST_F(FailFastTest, A7_ErrorCodeOverloadsReportTheSameErrno) {
  const fs::path missing = scratch() / "missing";
  std::error_code ec;
  const auto [fd, path] = tempfile::mkstemp({.dir = missing}, ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_EQ(fd, -1);
  EXPECT_TRUE(path.empty());
  const fs::path dir = tempfile::mkdtemp({.dir = missing}, ec);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_TRUE(dir.empty());
}

// Root ignores write permission, so the attempts run in a child that became uid 65534.
TEST_F(FailFastTest, A7_UnwritableDirectoryIsEacces) {
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);  // let the unprivileged child reach in
  const fs::path readonly = make_subdir("readonly");
  ASSERT_EQ(::chmod(readonly.c_str(), 0555), 0);

  const ChildRun child = run_child([&](std::string& out) {
    if (permissions_are_bypassed() && !become_unprivileged()) {
      out = std::string("become_unprivileged failed: ") + std::strerror(errno);
      return 1;
    }
    out = encode_all(attempt_every_creator(readonly, "tmp"));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  expect_every_creator_failed_once(decode_all(child.output), EACCES, readonly, "tmp");
  EXPECT_TRUE(list_dir(readonly).empty());
  EXPECT_TRUE(fs::remove(readonly));
}

// A read-only tmpfs in the child's private mount namespace: nothing reaches the host's mounts,
// and the mount disappears with the child.
TEST_F(FailFastTest, A7_ReadOnlyFileSystemIsErofs) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_private_tmpfs(mountpoint, MS_RDONLY, "size=16k", out);
        status != 0) {
      return status;
    }
    out = encode_all(attempt_every_creator(mountpoint, "tmp"));
    add_fact(out, "entries", std::to_string(list_dir(mountpoint).size()));
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  expect_every_creator_failed_once(decode_all(child.output), EROFS, mountpoint, "tmp");
  EXPECT_EQ(fact(child.output, "entries"), "0");
}

// E1: a tmpfs with 4 inodes (the root takes one) is filled with plain files until the kernel
// says ENOSPC; then every creator must fail at once with ENOSPC. Freeing one inode makes mkstemp
// work again, and writing past the 64 KiB size limit reports ENOSPC rather than a short success.
TEST_F(FailFastTest, A7_E1_FullFileSystemIsEnospc) {
  const fs::path mountpoint = make_subdir("mnt");
  const ChildRun child = run_child([&](std::string& out) {
    if (const int status = mount_private_tmpfs(mountpoint, 0, "size=64k,nr_inodes=4", out);
        status != 0) {
      return status;
    }
    int fillers = 0;
    for (;; ++fillers) {
      const fs::path filler = mountpoint / ("filler" + std::to_string(fillers));
      const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) {
        add_fact(out, "fill_errno", std::to_string(errno));
        break;
      }
      ::close(fd);
    }
    add_fact(out, "fillers", std::to_string(fillers));
    out += encode_all(attempt_every_creator(mountpoint, "tmp"));
    add_fact(out, "entries_when_full", std::to_string(list_dir(mountpoint).size()));

    ::unlink((mountpoint / "filler0").c_str());
    const auto [fd, path] = tempfile::mkstemp({.dir = mountpoint});
    add_fact(out, "created_after_freeing", fd >= 0 ? path.native() : "");
    const std::string big(128 * 1024, 'x');
    add_fact(out, "write_errno", std::to_string(os::write_all(fd, big.data(), big.size())));
    struct stat info {};
    ::fstat(fd, &info);
    add_fact(out, "written_size", std::to_string(info.st_size));
    ::close(fd);
    return 0;
  });
  EXPECT_TRUE(fs::remove(mountpoint));
  if (child.status == child_capability_missing) {
    GTEST_SKIP() << "no private mount namespace here: " << child.output;
  }
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "fill_errno"), std::to_string(ENOSPC));
  EXPECT_EQ(fact(child.output, "fillers"), "3");
  expect_every_creator_failed_once(decode_all(child.output), ENOSPC, mountpoint, "tmp");
  EXPECT_EQ(fact(child.output, "entries_when_full"), "3") << "a failed creation left an entry";
  EXPECT_THAT(fact(child.output, "created_after_freeing").value_or(""),
              HasSubstr(mountpoint.native() + "/tmp"));
  EXPECT_EQ(fact(child.output, "write_errno"), std::to_string(ENOSPC));
  EXPECT_LT(std::stol(fact(child.output, "written_size").value_or("0")), 128 * 1024);
}

// E3: a real RLIMIT_NOFILE in a child, the table filled with /dev/null, then mkstemp must fail
// with EMFILE after one attempt, leave no file behind and no descriptor open.
TEST_F(FailFastTest, A7_E3_FullDescriptorTableIsEmfile) {
  const fs::path dir = make_subdir("dir");
  const ChildRun child = run_child([&](std::string& out) {
    // The same calls once while descriptors are free, succeeding and failing. UBSan's vptr
    // check falls back to a pipe(2)-based memory probe on a type-cache miss, which a full table
    // turns into a false "invalid vptr" report; the warm-up fills that cache.
    for (const fs::path& where : {dir, dir / "missing"}) {
      ScriptedNames warm_names({"warmup"});
      const Attempt warm = attempt_create(EntryKind::file, where, "tmp", tried_suffix, warm_names);
      const Attempt warm_public = record_attempt([&] {
        const auto [fd, path] = tempfile::mkstemp({.dir = where});
        ::close(fd);
        return path.native();
      });
      for (const Attempt& made : {warm, warm_public}) {
        if (made.created) {
          ::unlink(made.path.c_str());
        }
      }
    }
    const std::set<int> open_at_start = open_descriptors();
    const int highest = open_at_start.empty() ? 2 : *open_at_start.rbegin();
    if (!limit_open_files(static_cast<unsigned long>(highest) + 16)) {
      out = std::string("setrlimit failed: ") + std::strerror(errno);
      return 1;
    }
    std::vector<int> fillers;
    for (;;) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        add_fact(out, "fill_errno", std::to_string(errno));
        break;
      }
      fillers.push_back(fd);
    }
    add_fact(out, "fillers", std::to_string(fillers.size()));
    const std::set<int> before = open_descriptors();  // /proc is unreadable now: probes fcntl

    ScriptedNames names({only_name});
    std::vector<Attempt> attempts;
    attempts.push_back(attempt_create(EntryKind::file, dir, "tmp", tried_suffix, names));
    attempts.back().name_calls = names.calls();
    attempts.push_back(record_attempt([&] {
      const auto [fd, path] = tempfile::mkstemp({.dir = dir});
      ::close(fd);
      return path.native();
    }));
    const bool descriptors_unchanged = open_descriptors() == before;
    for (const int fd : fillers) {
      ::close(fd);
    }
    // Encoded only now: iostreams under UBSan need descriptors (see the warm-up).
    out += encode_all(attempts);
    add_fact(out, "descriptors_unchanged", descriptors_unchanged ? "yes" : "no");
    add_fact(out, "entries", std::to_string(list_dir(dir).size()));
    return 0;
  });
  ASSERT_EQ(child.status, 0) << child.output;
  EXPECT_EQ(fact(child.output, "fill_errno"), std::to_string(EMFILE));
  EXPECT_NE(fact(child.output, "fillers"), "0");
  const std::vector<Attempt> attempts = decode_all(child.output);
  ASSERT_EQ(attempts.size(), 2U) << child.output;
  for (const Attempt& attempt : attempts) {
    EXPECT_FALSE(attempt.created) << attempt.path;
    ASSERT_TRUE(attempt.threw_error) << attempt.other_failure;
    EXPECT_EQ(attempt.code, EMFILE) << attempt.what;
    EXPECT_EQ(attempt.path1, dir.native());
    EXPECT_THAT(attempt.what, HasSubstr("'" + dir.native() + "'"));
  }
  EXPECT_EQ(attempts[0].name_calls, 1);
  EXPECT_EQ(attempts[0].path2, (dir / (std::string("tmp") + only_name + tried_suffix)).native());
  EXPECT_EQ(fact(child.output, "descriptors_unchanged"), "yes");
  EXPECT_EQ(fact(child.output, "entries"), "0");
  EXPECT_TRUE(list_dir(dir).empty());
  EXPECT_TRUE(fs::remove(dir));
}

}  // namespace
}  // namespace tempfile::test
