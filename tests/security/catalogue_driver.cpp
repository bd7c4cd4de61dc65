// SPDX-License-Identifier: MIT
// The real process behind the catalogue tests: run under strace injection, a shim, or to exit.
//
// It is run under strace fault injection, under an LD_PRELOAD shim, or to end in a given way:
//   catalogue_driver fault <kind> <dir>      one object's life, between begin/end markers
//   catalogue_driver names <dir> <count>     names mkstemp drew in this run, one per line
//   catalogue_driver unnamed <dir> <count>   TemporaryFiles: listing, data, which path was used
//   catalogue_driver cleaner <dir> <count> <naive|library>
//                                            unnamed files while a thread deletes every entry
//   catalogue_driver end <how> <dir>         objects alive, then exit()/throw out of main
//   catalogue_driver gettempdir              gettempdir() and the real and effective uid
// With TEMPFILE_CATALOGUE_AS_NOBODY set it first becomes uid/gid 65534.
//
// "fault": the workload runs between calls of faccessat("/tempfile-catalogue-begin") and
// faccessat("/tempfile-catalogue-end"), which strace shows, so a test can count and inject
// system calls of the library only. Afterwards (outside the markers) the driver reports
// "outcome=ok" or "outcome=error errno=<n> path1=<p>" (a tempfile::error), or "outcome=other"
// for anything else, then "leaked=<fds>" (descriptors open now that were not before) and
// "entries=<names>" (what is left in <dir>). Exit code 0 whenever it got that far.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace {

namespace fs = std::filesystem;

void say(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

// A system call nothing else makes, with a path strace prints: the region's boundaries.
void marker(const char* path) {
  static_cast<void>(::syscall(SYS_faccessat, AT_FDCWD, path, F_OK, 0));
}
void begin_region() {
  marker("/tempfile-catalogue-begin");
}
void end_region() {
  marker("/tempfile-catalogue-end");
}

std::set<int> open_fds() {
  std::set<int> fds;
  if (DIR* dir = ::opendir("/proc/self/fd"); dir != nullptr) {
    const int own = ::dirfd(dir);
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.' && std::atoi(entry->d_name) != own) {
        fds.insert(std::atoi(entry->d_name));
      }
    }
    ::closedir(dir);
  }
  return fds;
}

std::string entries_of(const fs::path& dir) {
  std::string names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names += (names.empty() ? "" : ",") + it->path().filename().string();
  }
  return names;
}

std::string payload(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    data[i] = static_cast<char>('a' + i % 26);
  }
  return data;
}

void check(bool condition, const char* what) {
  if (!condition) {
    throw std::runtime_error(what);
  }
}

// Writes, flushes, reads back from the start and compares: the data a file object accepted.
void round_trip(tempfile::File& file, const std::string& data) {
  check(file.write(std::string_view(data)) == data.size(), "short write reported");
  file.flush();
  check(file.seek(0) == 0, "seek");
  check(file.read() == data, "data read back differs");
}

// Makes the tree the cleanup walks: a file, a subdirectory, and a read-only subdirectory with a
// file in it (as non-root the removal must fchmod it). Raw calls, outside the region.
void populate(const fs::path& root) {
  const auto file = [](const fs::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    check(fd >= 0, "populate: open");
    check(::write(fd, "x", 1) == 1, "populate: write");
    ::close(fd);
  };
  file(root / "a");
  check(::mkdir((root / "sub").c_str(), 0700) == 0, "populate: mkdir");
  file(root / "sub" / "b");
  check(::mkdir((root / "ro").c_str(), 0700) == 0, "populate: mkdir");
  file(root / "ro" / "c");
  check(::chmod((root / "ro").c_str(), 0500) == 0, "populate: chmod");
}

int fault(const std::string& kind, const fs::path& dir) {
  const std::set<int> before = open_fds();
  std::string outcome = "ok";
  std::optional<fs::path> made;  // mkstemp/mkdtemp: the caller's to remove, after the region
  bool made_is_directory = false;
  int made_fd = -1;
  try {
    if (kind == "mkstemp") {
      begin_region();
      auto [fd, path] = tempfile::mkstemp({.dir = dir});
      end_region();
      made = path;
      made_fd = fd;
    } else if (kind == "mkdtemp") {
      begin_region();
      fs::path path = tempfile::mkdtemp({.dir = dir});
      end_region();
      made = path;
      made_is_directory = true;
    } else if (kind == "temporary_file") {
      const std::string data = payload(20000);
      begin_region();
      tempfile::TemporaryFile file({.dir = dir});
      round_trip(file, data);
      file.close();
      end_region();
    } else if (kind == "named") {
      const std::string data = payload(20000);
      begin_region();
      tempfile::NamedTemporaryFile file({.dir = dir});
      round_trip(file, data);
      file.close();
      end_region();
    } else if (kind == "spooled" || kind == "spooled_memfd") {
      const std::string data = payload(5000);
      begin_region();
      tempfile::SpooledTemporaryFile file(
          {.max_size = 1000, .dir = dir, .memfd = kind == "spooled_memfd"});
      check(file.write(std::string_view(data).substr(0, 500)) == 500, "short write reported");
      check(file.write(std::string_view(data).substr(500)) == data.size() - 500,
            "short write reported");
      check(file.rolled(), "no rollover");
      check(file.seek(0) == 0, "seek");
      check(file.read() == data, "data read back differs");
      file.close();
      end_region();
    } else if (kind == "temporary_directory") {
      begin_region();
      tempfile::TemporaryDirectory directory({.dir = dir});
      end_region();
      populate(directory.path());
      begin_region();
      directory.cleanup();
      end_region();
    } else {
      say("unknown kind " + kind);
      return 2;
    }
  } catch (const tempfile::error& failure) {
    end_region();
    outcome = "error errno=" + std::to_string(failure.code().value()) +
              " path1=" + failure.path1().string() + " what=" + failure.what();
  } catch (const std::exception& failure) {
    end_region();
    outcome = std::string("other what=") + failure.what();
  }
  // Outside the region: give back what mkstemp/mkdtemp handed over, then take stock.
  if (made_fd >= 0) {
    ::close(made_fd);
  }
  if (made) {
    if ((made_is_directory ? ::rmdir(made->c_str()) : ::unlink(made->c_str())) != 0) {
      outcome += " (driver could not remove " + made->string() + ")";
    }
  }
  std::string leaked;
  for (const int fd : open_fds()) {
    if (before.count(fd) == 0) {
      leaked += (leaked.empty() ? "" : ",") + std::to_string(fd);
    }
  }
  say("outcome=" + outcome);
  say("leaked=" + leaked);
  say("entries=" + entries_of(dir));
  return 0;
}

int names(const fs::path& dir, int count) {
  for (int i = 0; i < count; ++i) {
    auto [fd, path] = tempfile::mkstemp({.prefix = "", .dir = dir});
    ::close(fd);
    ::unlink(path.c_str());
    say(path.filename().string());
  }
  return 0;
}

// How the descriptor's file is reached: O_TMPFILE files read "<dir>/#<inode> (deleted)".
bool made_with_o_tmpfile(int fd) {
  std::string link(4096, '\0');
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(proc.c_str(), link.data(), link.size());
  link.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return link.find("/#") != std::string::npos;
}

int unnamed(const fs::path& dir, int count) {
  int tmpfile_opens = 0;
  int problems = 0;
  for (int i = 0; i < count; ++i) {
    tempfile::TemporaryFile file({.dir = dir});
    if (!entries_of(dir).empty()) {
      say("visible after the constructor: " + entries_of(dir));
      ++problems;
    }
    struct stat info {};
    if (::fstat(file.fileno(), &info) != 0 || info.st_nlink != 0) {
      say("the file has a link");
      ++problems;
    }
    tmpfile_opens += made_with_o_tmpfile(file.fileno()) ? 1 : 0;
    const std::string data = payload(1000 + static_cast<std::size_t>(i));
    round_trip(file, data);
  }
  say("o_tmpfile=" + std::to_string(tmpfile_opens));
  say("problems=" + std::to_string(problems));
  say("entries=" + entries_of(dir));
  return 0;
}

// Rust tempfile's test_pathological_cleaner: a thread removes every entry of `dir` as fast as it
// can while this thread makes unnamed files there, writes, seeks and reads them. "naive" is the
// positive control: create with O_EXCL, yield, then unlink and treat any failure as an error,
// which a cleaner that got there first turns into a lost file.
int cleaner(const fs::path& dir, int count, bool naive) {
  std::atomic<bool> stop{false};
  std::atomic<long> removed{0};
  std::thread deleter([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      DIR* listing = ::opendir(dir.c_str());
      if (listing == nullptr) {
        continue;
      }
      const int dirfd = ::dirfd(listing);
      // NOLINTNEXTLINE(concurrency-mt-unsafe): one reader of this DIR
      while (const dirent* entry = ::readdir(listing)) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0 &&
            ::unlinkat(dirfd, entry->d_name, 0) == 0) {
          removed.fetch_add(1, std::memory_order_relaxed);
        }
      }
      ::closedir(listing);
    }
  });
  int failures = 0;
  int done = 0;
  std::string first_failure;
  for (; done < count; ++done) {
    const std::string data = payload(100 + static_cast<std::size_t>(done % 50));
    try {
      if (naive) {
        const fs::path path = dir / ("naive" + std::to_string(done));
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        check(fd >= 0, "naive open");
        ::sched_yield();
        const bool unlinked = ::unlink(path.c_str()) == 0;
        ::close(fd);
        check(unlinked, "naive unlink: the cleaner removed the file first");
      } else {
        tempfile::TemporaryFile file({.dir = dir});
        round_trip(file, data);
        check(file.seek(10) == 10, "seek");
        check(file.read(5) == data.substr(10, 5), "read after seek");
      }
    } catch (const std::exception& failure) {
      if (failures++ == 0) {
        first_failure = failure.what();
      }
      if (naive) {
        ++done;
        break;  // the control only needs to lose once
      }
    }
  }
  stop.store(true);
  deleter.join();
  say("iterations=" + std::to_string(done));
  say("failures=" + std::to_string(failures));
  say("first_failure=" + first_failure);
  say("removed_by_cleaner=" + std::to_string(removed.load()));
  return 0;
}

// Objects alive when the process ends by `how`: "exit" (std::exit from a nested call: locals
// are skipped, the exit handler runs), "throw" (an exception escapes main: std::terminate,
// then abort, so nothing is cleaned). Prints the paths first.
std::optional<tempfile::TemporaryDirectory> global_directory;

[[noreturn]] void end_now(const std::string& how) {
  if (how == "exit") {
    std::exit(3);
  }
  throw std::runtime_error("escaping main");
}

int end(const std::string& how, const fs::path& dir) {
  global_directory.emplace(tempfile::TemporaryDirectoryOptions{.dir = dir});
  tempfile::TemporaryDirectory local_directory({.dir = dir});
  tempfile::NamedTemporaryFile local_file({.dir = dir});
  say("path=" + global_directory->path().string());
  say("path=" + local_directory.path().string());
  say("path=" + local_file.name().string());
  say("ready");
  end_now(how);
}

}  // namespace

// What gettempdir() settles on, and who this process is (a set-user-ID copy runs with
// euid != ruid: AT_SECURE, where TMPDIR must be ignored).
int print_tempdir() {
  std::error_code ec;
  const fs::path found = tempfile::gettempdir(ec);
  say("tempdir=" + (ec ? "error " + ec.message() : found.string()));
  say("ruid=" + std::to_string(::getuid()));
  say("euid=" + std::to_string(::geteuid()));
  return 0;
}

// AddressSanitizer's options when the environment cannot give them: a set-user-ID copy is not
// dumpable, so the runtime can read neither /proc/self/environ nor run LeakSanitizer (which
// needs the same access as ptrace). The driver leaks on purpose ("end") and aborts ("throw").
// An unused function in builds without the sanitizer.
extern "C" __attribute__((used)) const char* __asan_default_options() {  // NOLINT
  return "detect_leaks=0:handle_abort=0:verify_asan_link_order=0";
}

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  // Root ignores permissions, so the cleanup's permission fix-up (fchmod) only runs as a user.
  if (std::getenv("TEMPFILE_CATALOGUE_AS_NOBODY") != nullptr &&  // NOLINT(concurrency-mt-unsafe)
      (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
       ::setresuid(65534, 65534, 65534) != 0)) {
    say(std::string("cannot become uid 65534: ") + std::strerror(errno));
    return 2;
  }
  if (args.size() == 3 && args[0] == "fault") {
    return fault(args[1], args[2]);
  }
  if (args.size() == 3 && args[0] == "names") {
    return names(args[1], std::atoi(args[2].c_str()));
  }
  if (args.size() == 3 && args[0] == "unnamed") {
    return unnamed(args[1], std::atoi(args[2].c_str()));
  }
  if (args.size() == 4 && args[0] == "cleaner") {
    return cleaner(args[1], std::atoi(args[2].c_str()), args[3] == "naive");
  }
  if (args.size() == 3 && args[0] == "end") {
    return end(args[1], args[2]);
  }
  if (args.size() == 1 && args[0] == "gettempdir") {
    return print_tempdir();
  }
  say("usage: catalogue_driver fault|names|unnamed|cleaner|end ...");
  return 2;
}
