// SPDX-License-Identifier: MIT
// libFuzzer target: the tree remover over random trees. The input builds a tree (directories,
// files, FIFOs, symbolic links into the tree and out to a sentinel directory, random permission
// bits, and as root in a private mount namespace a bind mount of the sentinel or of a second
// sentinel on a tmpfs) next to that sentinel, then removes it with tempfile::rmtree or
// TemporaryDirectory::cleanup(). Nothing outside may change (paths, types, modes, sizes, inode
// numbers, link counts), the tree must be gone (a bind mount is reported and survives until
// unmounted, then goes too), and the removal never hangs on a FIFO nor throws anything but
// tempfile::cleanup_error.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "os/sys.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"

namespace {

namespace fs = std::filesystem;

// Whether the remover can see a bind mount of the file system the tree is on (Linux: the
// mount id); the portable build compares device numbers only.
constexpr bool same_fs_bind_detectable = tempfile::os::linux_fast_paths;

[[noreturn]] void bug(const std::string& why) {
  std::fprintf(stderr, "tree_fuzz: %s\n", why.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

void write_file(const fs::path& path, std::size_t bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0) {
    return;  // a name the input repeated
  }
  const std::string data(bytes, 'f');
  if (!data.empty() && ::write(fd, data.data(), data.size()) < 0) {
    bug("write failed");
  }
  ::close(fd);
}

// <root>/outside: the sentinel (a file, a subdirectory with a file, a FIFO, a link); every
// tree is built in <root>/work; with mounts, <root>/other-fs is a tmpfs with two files. Made once
// per process with libc's mkdtemp, removed at exit.
struct Scratch {
  fs::path root;
  fs::path outside;
  fs::path work;
  fs::path other_fs;
  bool mounts = false;  // root, and a private mount namespace of our own

  Scratch() {
    const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/tempfile-tree-fuzz.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      bug("mkdtemp failed");
    }
    root = pattern;
    outside = root / "outside";
    work = root / "work";
    other_fs = root / "other-fs";
    fs::create_directories(outside / "inner");
    fs::create_directory(work);
    write_file(outside / "precious", 7, 0644);
    write_file(outside / "inner" / "deep", 3, 0600);
    ::mkfifo((outside / "fifo").c_str(), 0600);
    fs::create_symlink("precious", outside / "link");
    // Mounts only where they cannot leak to the host: as root, after unsharing the mount
    // namespace and making every mount private. Probed once; without it that part is skipped.
    mounts = ::geteuid() == 0 && ::unshare(CLONE_NEWNS) == 0 &&
             ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    // A second sentinel on a file system of its own (a small tmpfs), bind-mounted into trees
    // as well: the portable build tells mounts apart by device number only, so a bind mount of
    // the same file system is a documented blind spot there (docs/tree-removal.md, "Mounts")
    // and only this one is used.
    if (mounts) {
      fs::create_directory(other_fs);
      if (::mount("tmpfs", other_fs.c_str(), "tmpfs", 0, "size=1m,mode=0755") != 0) {
        bug("cannot mount a tmpfs in the private mount namespace");
      }
      fs::create_directories(other_fs / "d");
      write_file(other_fs / "held", 5, 0644);
      write_file(other_fs / "d" / "x", 1, 0600);
    }
    std::fprintf(stderr, "tree_fuzz: bind mounts %s\n",
                 !mounts ? "off (not root, or unshare/mount refused): that part is skipped"
                 : same_fs_bind_detectable
                     ? "on (root, private mount namespace): the sentinel and a tmpfs"
                     : "on (root, private mount namespace): a tmpfs only (portable build)");
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&&) = delete;
  Scratch& operator=(Scratch&&) = delete;
  ~Scratch() {
    if (mounts) {
      ::umount2(other_fs.c_str(), MNT_DETACH);
    }
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

Scratch& scratch() {
  static Scratch instance;
  return instance;
}

using Snapshot = std::map<std::string, std::tuple<mode_t, off_t, ino_t, nlink_t>>;

// Everything under `dir` (and `dir` itself) without following links or opening anything.
Snapshot snapshot(const fs::path& dir) {
  Snapshot entries;
  const auto add = [&entries](const fs::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
      const off_t size = S_ISDIR(info.st_mode) ? 0 : info.st_size;  // a dir's size varies
      entries[path.native()] = {info.st_mode, size, info.st_ino, info.st_nlink};
    }
  };
  add(dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    add(it->path());
  }
  return entries;
}

// Both sentinels: the directory next to the trees and, with mounts, the other file system.
Snapshot sentinels(const Scratch& s) {
  Snapshot all = snapshot(s.outside);
  if (s.mounts) {
    all.merge(snapshot(s.other_fs));
  }
  return all;
}

// Traps, naming every entry of the sentinel that was removed, added or changed.
void check_unchanged(const Snapshot& before, const Snapshot& now, const char* when) {
  if (now == before) {
    return;
  }
  std::string diff;
  for (const auto& [path, what] : before) {
    const auto it = now.find(path);
    if (it == now.end()) {
      diff += " removed " + path;
    } else if (it->second != what) {
      diff += " changed " + path + " (mode " + std::to_string(std::get<0>(what)) + " -> " +
              std::to_string(std::get<0>(it->second)) + ")";
    }
  }
  for (const auto& [path, what] : now) {
    if (before.find(path) == before.end()) {
      diff += " added " + path;
    }
  }
  bug(std::string("the sentinel changed ") + when + ":" + diff);
}

bool exists_no_follow(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// Builds the tree under `top` from the input; returns the bind mount point, if one was made.
std::optional<fs::path> build(const fs::path& top, const std::uint8_t* data, std::size_t size,
                              const Scratch& s, bool with_mount) {
  std::vector<fs::path> dirs{top};
  std::vector<fs::path> files;
  std::vector<std::pair<fs::path, mode_t>> modes;  // applied last, so creation never fails
  std::optional<fs::path> mount_point;
  int serial = 0;
  for (std::size_t i = 0; i + 1 < size && i < 128; i += 2) {
    const std::uint8_t op = data[i] % 10U;
    const std::uint8_t arg = data[i + 1];
    const fs::path& in = dirs[arg % dirs.size()];
    const fs::path name = in / ("e" + std::to_string(serial++));
    switch (op) {
      case 0:
      case 1:
        if (::mkdir(name.c_str(), 0700) == 0) {
          dirs.push_back(name);
        }
        break;
      case 2:
        write_file(name, arg % 64U, 0600);
        files.push_back(name);
        break;
      case 3:  // out to the sentinel: absolute, to a file or a directory
        ::symlink((arg & 1U) != 0 ? s.outside.c_str() : (s.outside / "precious").c_str(),
                  name.c_str());
        break;
      case 4:  // out to the sentinel, relative, through as many ".." as it takes
      {
        std::string up;
        for (fs::path p = in; p != s.root && p.has_parent_path(); p = p.parent_path()) {
          up += "../";
        }
        ::symlink((up + "outside" + ((arg & 1U) != 0 ? "/inner" : "")).c_str(), name.c_str());
        break;
      }
      case 5:  // into the tree, or dangling
        ::symlink((arg & 1U) != 0   ? ".."
                  : (arg & 2U) != 0 ? dirs.back().c_str()
                                    : "nowhere",
                  name.c_str());
        break;
      case 6:
        ::mkfifo(name.c_str(), 0600);
        break;
      case 7:
        modes.emplace_back(in, static_cast<mode_t>(arg) & 0777U);
        break;
      case 8:
        if (!files.empty()) {
          modes.emplace_back(files[arg % files.size()], static_cast<mode_t>(arg) & 0777U);
        }
        break;
      default:
        if (with_mount && !mount_point && ::mkdir(name.c_str(), 0700) == 0) {
          const bool same_fs = same_fs_bind_detectable && (arg & 1U) != 0;
          const fs::path& source = same_fs ? s.outside : s.other_fs;
          if (::mount(source.c_str(), name.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            bug("bind mount failed");
          }
          mount_point = name;
        }
        break;
    }
  }
  for (const auto& [path, mode] : modes) {
    ::chmod(path.c_str(), mode);
  }
  return mount_point;
}

// Runs a removal; only tempfile::cleanup_error may escape it. True when it threw.
template <class Remove>
bool removal_failed(Remove&& remove) {
  try {
    remove();
    return false;
  } catch (const tempfile::cleanup_error&) {
    return true;
  } catch (const std::exception& e) {
    bug(std::string("the removal threw something else: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  Scratch& s = scratch();
  const bool by_object = (data[0] & 1U) != 0;
  const bool with_mount = s.mounts && (data[0] & 2U) != 0;
  const Snapshot before = sentinels(s);

  std::optional<tempfile::TemporaryDirectory> object;
  fs::path top;
  if (by_object) {
    object.emplace(tempfile::TemporaryDirectoryOptions{.dir = s.work});
    top = object->path();
  } else {
    top = s.work / "tree";
    if (::mkdir(top.c_str(), 0700) != 0) {
      bug("mkdir tree failed");
    }
  }
  const std::optional<fs::path> mount_point = build(top, data + 1, size - 1, s, with_mount);
  const auto remove = [&] {
    if (object) {
      object->cleanup();
    } else {
      tempfile::rmtree(top);
    }
  };

  const bool failed = removal_failed(remove);
  check_unchanged(before, sentinels(s), "during the removal");
  if (mount_point) {
    // The remover never crosses a mount point: the mount point and its ancestors stay, and
    // that is reported. Once unmounted, a second removal finishes the job.
    if (!failed || !exists_no_follow(*mount_point)) {
      bug("a bind mount in the tree was not reported");
    }
    if (::umount2(mount_point->c_str(), MNT_DETACH) != 0) {
      bug("umount failed");
    }
    if (removal_failed(remove)) {
      bug("the tree could not be removed once unmounted");
    }
  } else if (failed) {
    bug("the tree could not be removed");
  }
  if (exists_no_follow(top)) {
    bug("the tree is still there");
  }
  object.reset();
  check_unchanged(before, sentinels(s), "after the removal");
  std::error_code ec;
  if (!fs::is_empty(s.work, ec) || ec) {
    bug("something was left in the work directory");
  }
  return 0;
}
