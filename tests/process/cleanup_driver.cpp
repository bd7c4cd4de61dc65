// SPDX-License-Identifier: MIT
// A program that cleanup_test.cpp runs as a real process: `cleanup_driver <scenario> <dir>`
// creates temporary objects in <dir>, then ends the way the scenario says (return, std::exit,
// _exit, std::quick_exit, abort, a fork()ed child's exit, a signal, threads interrupted by a
// signal, an uncaught exception: std::terminate).
//
// Protocol: lines on stdout ("ready", "child exited 0", "content:abc", ...) written with
// write(2), never buffered; "go" lines read from stdin where the scenario waits for the test.
// Entries the process must never remove are named "keep-*"; every other entry must be gone
// once cleanup happened. Exit codes 90+ mean the driver itself failed. The held-directory
// attack reuses the tests' own swap (support/swap.hpp).
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/swap.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace {

namespace fs = std::filesystem;
using tempfile::NamedTemporaryFile;
using tempfile::TemporaryDirectory;

constexpr int driver_failed = 90;

// ---- talking to the test ----

void say(std::string_view line) {
  std::string text(line);
  text += '\n';
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

// Blocks until the test writes a line (or closes the pipe). read(2) restarts after our
// SA_RESTART handlers, so a chained handler that returns leaves us waiting here.
void wait_go() {
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0 || c == '\n') {
      return;
    }
  }
}

[[noreturn]] void fail(const std::string& why) {
  say("driver-failure:" + why);
  ::_exit(driver_failed);
}

void write_file(const fs::path& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  if (!out) {
    fail("cannot write " + path.string());
  }
}

// ---- what every scenario creates ----

// A tree worth walking: files, nested directories, a read-only directory with a file in it,
// and a symbolic link to an entry outside the tree (which must survive: never followed).
void populate(const fs::path& root, const fs::path& outside) {
  write_file(root / "a", "a");
  fs::create_directories(root / "sub" / "deeper" / "deepest");
  write_file(root / "sub" / "b", "b");
  write_file(root / "sub" / "deeper" / "deepest" / "c", "c");
  fs::create_directory(root / "ro");
  write_file(root / "ro" / "d", "d");
  ::chmod((root / "ro").c_str(), 0500);
  fs::create_symlink(outside, root / "link-out");
}

struct Objects {
  // Open, "abc" waiting in its buffer (not flushed), removed at close() or death.
  std::optional<NamedTemporaryFile> named;
  // delete_on_close = false and closed: the file stays while the object lives.
  std::optional<NamedTemporaryFile> named_closed;
  std::optional<TemporaryDirectory> tree;
  std::optional<TemporaryDirectory> empty_dir;
  // delete_ = false: never removed by anyone.
  std::optional<NamedTemporaryFile> keep_file;
  std::optional<TemporaryDirectory> keep_dir;
};

// Creates the objects with `tag` in their names, in `in` when given (a held directory) and
// else in `dir`; also leaks a NamedTemporaryFile and a TemporaryDirectory (with a file) on the
// heap, which only the exit handler can clean. The tree's link target is always in `dir`.
void make_objects(Objects& objects, const fs::path& dir, const std::string& tag,
                  const tempfile::DirOption& in = {}) {
  const fs::path outside = dir / ("keep-target-" + tag);
  write_file(outside, "outside");
  const tempfile::DirOption where = in.has_value() ? in : tempfile::DirOption(dir);
  objects.named.emplace(tempfile::NamedTemporaryFileOptions{.prefix = "nf-" + tag, .dir = where});
  objects.named->write(std::string_view("abc"));
  objects.named_closed.emplace(tempfile::NamedTemporaryFileOptions{
      .prefix = "nc-" + tag, .dir = where, .delete_on_close = false});
  objects.named_closed->write(std::string_view("closed"));
  objects.named_closed->close();
  objects.tree.emplace(tempfile::TemporaryDirectoryOptions{.prefix = "td-" + tag, .dir = where});
  populate(objects.tree->path(), outside);
  objects.empty_dir.emplace(
      tempfile::TemporaryDirectoryOptions{.prefix = "te-" + tag, .dir = where});
  objects.keep_file.emplace(tempfile::NamedTemporaryFileOptions{
      .prefix = "keep-f-" + tag, .dir = where, .delete_ = false});
  objects.keep_dir.emplace(tempfile::TemporaryDirectoryOptions{
      .prefix = "keep-d-" + tag, .dir = where, .delete_ = false});
  // Leaked on purpose: never destroyed.
  new NamedTemporaryFile(tempfile::NamedTemporaryFileOptions{.prefix = "lf-" + tag, .dir = where});
  auto* leaked_dir = new TemporaryDirectory(
      tempfile::TemporaryDirectoryOptions{.prefix = "ld-" + tag, .dir = where});
  write_file(leaked_dir->path() / "inside", "x");
}

bool exists_no_follow(const fs::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// ---- signal handlers installed by "the application" ----

// The marker file a chained handler appends one byte to (open/write/close are
// async-signal-safe); its path is prepared before the handler can run.
std::array<char, 4096> marker_path{};

void append_marker(int signal_number) {
  const int fd = ::open(marker_path.data(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const char byte = static_cast<char>('0' + signal_number % 10);
    static_cast<void>(::write(fd, &byte, 1));
    ::close(fd);
  }
}

void plain_handler(int signal_number) {
  append_marker(signal_number);
}

void siginfo_handler(int signal_number, siginfo_t* /*info*/, void* /*context*/) {
  append_marker(signal_number);
}

void exiting_handler(int signal_number) {
  append_marker(signal_number);
  ::_exit(7);
}

// chain-before-reraise: the application's handler puts the default back and raises the signal
// again to end the process, the common "clean up, then re-raise" pattern.
void reraising_handler(int signal_number) {
  append_marker(signal_number);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// chain-before-oneshot: the first signal only puts the default back ("press Ctrl-C again to
// quit"); the next one is to end the process.
void oneshot_handler(int signal_number) {
  append_marker(signal_number);
  ::signal(signal_number, SIG_DFL);
}

void install(int signal_number, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (::sigaction(signal_number, &action, nullptr) != 0) {
    fail("sigaction");
  }
}

void install_siginfo(int signal_number) {
  struct sigaction action {};
  action.sa_sigaction = &siginfo_handler;
  action.sa_flags = SA_RESTART | SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  if (::sigaction(signal_number, &action, nullptr) != 0) {
    fail("sigaction");
  }
}

constexpr std::array<int, 3> cleanup_signals{SIGINT, SIGTERM, SIGHUP};

// ---- std::terminate ----

// Thrown where nothing catches it (main's catch takes std::exception only), so std::terminate
// runs without unwinding the stack (libstdc++ finds no handler and unwinds nothing): no
// destructor of the frames above runs, main's locals included.
struct Uncaught {};

[[noreturn]] void throw_uncaught() {
  throw Uncaught{};
}

// An exception escaping a noexcept function: std::terminate at the noexcept boundary.
void violate_noexcept() noexcept {  // NOLINT(bugprone-exception-escape): on purpose
  throw_uncaught();
}

// ---- scenarios ----

// return / exit / _exit / abort: the objects are locals of this function (main's frame for
// the purpose: std::exit skips their destructors), plus the leaked ones.
int end_of_main(const fs::path& dir, std::string_view how) {
  Objects objects;
  make_objects(objects, dir, "m");
  say("ready");
  if (how == "exit") {
    std::exit(3);  // NOLINT(concurrency-mt-unsafe): one thread
  }
  if (how == "_exit") {
    ::_exit(4);
  }
  if (how == "abort") {
    std::abort();
  }
  return 0;
}

// Objects, optionally cleanup_on_signals(), "ready", then waits for the test (which signals
// us, or says "go" to return normally).
int wait_for_test(const fs::path& dir, bool with_signal_cleanup) {
  if (with_signal_cleanup) {
    tempfile::cleanup_on_signals();
  }
  Objects objects;
  make_objects(objects, dir, "w");
  say("ready");
  wait_go();
  return 0;
}

// The process raises the signal at itself.
int raise_signal(const fs::path& dir, int signal_number) {
  tempfile::cleanup_on_signals();
  Objects objects;
  make_objects(objects, dir, "r");
  say("ready");
  static_cast<void>(::raise(signal_number));
  say("survived");
  return 0;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) {
    return "exited " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "signaled " + std::to_string(WTERMSIG(status));
  }
  return "other";
}

// fork-<how>: the parent creates objects ("abc" buffered, not flushed, in `named`), forks;
// the child registers an object of its own, leaks it, and ends as <how> says. The parent then
// checks that its entries are intact and unwritten, closes, and reports the file's contents.
int fork_child(const fs::path& dir, std::string_view how) {
  if (how == "signal") {
    tempfile::cleanup_on_signals();
  }
  if (how == "terminate") {
    tempfile::cleanup_on_terminate();
  }
  Objects objects;
  make_objects(objects, dir, "p");
  objects.named.reset();
  objects.named.emplace(tempfile::NamedTemporaryFileOptions{
      .prefix = "nf-p", .dir = dir, .delete_on_close = false});  // readable after close()
  objects.named->write(std::string_view("abc"));
  const fs::path named_path = objects.named->name();
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir)) {
    entries.push_back(entry.path());
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    fail("fork");
  }
  if (pid == 0) {
    // The child's own entry: registered after the fork, its to clean.
    new NamedTemporaryFile(tempfile::NamedTemporaryFileOptions{.prefix = "child-", .dir = dir});
    if (how == "return") {
      return 0;  // main returns: the parent's objects are destroyed here, in the child
    }
    if (how == "exit") {
      std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
    }
    if (how == "destroy") {
      objects = Objects();  // every destructor runs, then the child goes on and exits
      std::exit(0);         // NOLINT(concurrency-mt-unsafe): one thread
    }
    if (how == "_exit") {
      ::_exit(0);
    }
    if (how == "abort") {
      std::abort();
    }
    if (how == "signal") {
      static_cast<void>(::raise(SIGTERM));
      ::_exit(driver_failed + 1);  // not reached: the default action ends the child
    }
    if (how == "terminate") {
      throw_uncaught();  // std::terminate in the child: its handler, then abort
    }
    fail("unknown child ending");
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fail("waitpid");
    }
  }
  say("child " + describe_status(status));
  std::string missing;
  for (const fs::path& entry : entries) {
    if (!exists_no_follow(entry)) {
      missing += " " + entry.filename().string();
    }
  }
  for (const char* inside : {"a", "sub/deeper/deepest/c", "ro/d", "link-out"}) {
    if (!exists_no_follow(objects.tree->path() / inside)) {
      missing += std::string(" tree/") + inside;
    }
  }
  say(missing.empty() ? "parent-entries-intact" : "parent-entries-missing:" + missing);
  struct stat info {};
  if (::stat(named_path.c_str(), &info) != 0) {
    fail("stat of the named file");
  }
  say("size-before-close:" + std::to_string(info.st_size));
  objects.named->close();
  std::ifstream in(named_path, std::ios::binary);
  const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  say("content:" + content);
  return 0;
}

// chain-before-<plain|siginfo|exit|reraise|oneshot>: the application's handler is installed first,
// then cleanup_on_signals(). Its handler runs first and decides: one that returns handled the
// signal, so nothing is removed. Two rounds: each "ready" waits for a signal (the test checks
// that the application's handler ran and the entries are intact) and then "go". At the end the
// objects are all still there and their destructors (and the exit handler) remove them.
int chain_before(const fs::path& dir, std::string_view variant) {
  for (const int signal_number : cleanup_signals) {
    if (variant == "plain") {
      install(signal_number, &plain_handler);
    } else if (variant == "siginfo") {
      install_siginfo(signal_number);
    } else if (variant == "exit") {
      install(signal_number, &exiting_handler);
    } else if (variant == "reraise") {
      install(signal_number, &reraising_handler);
    } else if (variant == "oneshot") {
      install(signal_number, &oneshot_handler);
    } else {
      fail("unknown chain variant");
    }
  }
  tempfile::cleanup_on_signals();
  Objects first;
  make_objects(first, dir, "1");
  say("ready");
  wait_go();
  Objects second;
  make_objects(second, dir, "2");
  say("ready");
  wait_go();
  std::string missing;
  for (const Objects* objects : {&first, &second}) {
    for (const fs::path& name : {objects->named->name(), objects->named_closed->name(),
                                 objects->tree->path() / "sub" / "b", objects->empty_dir->path()}) {
      if (!exists_no_follow(name)) {
        missing += " " + name.string();
      }
    }
  }
  say(missing.empty() ? "entries-intact" : "entries-missing:" + missing);
  return 0;
}

// chain-after: cleanup_on_signals() first, then the application replaces our handler with its
// own: a signal then runs only the application's (nothing removed); exit still cleans.
int chain_after(const fs::path& dir) {
  tempfile::cleanup_on_signals();
  install(SIGTERM, &plain_handler);
  Objects objects;
  make_objects(objects, dir, "a");
  say("ready");
  wait_go();
  return 0;
}

// sighup-ignored: SIGHUP is SIG_IGN (nohup) when cleanup_on_signals() runs; it stays ignored.
int sighup_ignored(const fs::path& dir) {
  if (::signal(SIGHUP, SIG_IGN) == SIG_ERR) {
    fail("signal");
  }
  tempfile::cleanup_on_signals();
  Objects objects;
  make_objects(objects, dir, "h");
  say("ready");
  wait_go();
  struct sigaction current {};
  ::sigaction(SIGHUP, nullptr, &current);
  const bool ignored = (current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_IGN;
  say(ignored ? "sighup:ignored" : "sighup:handled");
  return 0;
}

// threads: cleanup_on_signals(), long-lived trees held by main, and workers that create and
// destroy NamedTemporaryFiles and TemporaryDirectories (with files) in a loop until the test's
// signal ends the process. No "keep-" entries: nothing may be left.
int threads(const fs::path& dir, bool trees, bool by_terminate = false) {
  if (by_terminate) {
    tempfile::cleanup_on_terminate();  // only: creation windows are counted, not masked
  } else {
    tempfile::cleanup_on_signals();
  }
  std::vector<TemporaryDirectory> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(tempfile::TemporaryDirectoryOptions{.prefix = "held-", .dir = dir});
    if (trees) {
      fs::create_directories(held.back().path() / "x" / "y");
      write_file(held.back().path() / "x" / "y" / "f", "f");
      write_file(held.back().path() / "g", "g");
    }
  }
  std::vector<NamedTemporaryFile> held_files;
  for (int i = 0; i < 4; ++i) {
    held_files.emplace_back(tempfile::NamedTemporaryFileOptions{.prefix = "hf-", .dir = dir});
    held_files.back().write(std::string_view("held"));
  }
  constexpr int workers = 4;
  std::atomic<int> warmed_up{0};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (int t = 0; t < workers; ++t) {
    pool.emplace_back([&, t] {
      bool counted = false;
      for (int round = 0;; ++round) {
        {
          NamedTemporaryFile file(tempfile::NamedTemporaryFileOptions{.prefix = "wf-", .dir = dir});
          file.write(std::string_view("data"));
          if (t % 2 == 0) {
            TemporaryDirectory sub(
                tempfile::TemporaryDirectoryOptions{.prefix = "wd-", .dir = dir});
            if (trees) {
              const int fd =
                  ::open((sub.path() / "f").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
              if (fd >= 0) {
                ::close(fd);
              }
            }
          }
        }
        if (!counted && round >= 20) {
          counted = true;
          warmed_up.fetch_add(1);
        }
      }
    });
  }
  while (warmed_up.load() < workers) {
    std::this_thread::yield();
  }
  say("ready");
  wait_go();
  if (by_terminate) {
    throw_uncaught();  // terminate-churn: main's exception ends the process
  }
  // Not reached in the test: the signal ends the process. Leave without joining.
  ::_exit(driver_failed + 2);
}

// ---- the registry's own scenarios (D1, D2, D3, B1) ----

// chain-threads: an earlier SIGTERM handler that returns (a reload), then
// cleanup_on_signals(); workers create and close NamedTemporaryFiles and TemporaryDirectories
// in a loop. After the signal every worker must go on (20 more rounds each, within 10 s); then
// they stop, main returns and its held objects are removed by their destructors.
int chain_threads(const fs::path& dir) {
  install(SIGTERM, &plain_handler);
  tempfile::cleanup_on_signals();
  std::vector<TemporaryDirectory> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(tempfile::TemporaryDirectoryOptions{.prefix = "held-", .dir = dir});
    fs::create_directories(held.back().path() / "x" / "y");
    for (int f = 0; f < 50; ++f) {
      write_file(held.back().path() / "x" / ("f" + std::to_string(f)), "f");
    }
  }
  constexpr int workers = 4;
  std::array<std::atomic<long>, workers> rounds{};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (int t = 0; t < workers; ++t) {
    pool.emplace_back([&, t] {
      while (!stop.load()) {
        NamedTemporaryFile file(tempfile::NamedTemporaryFileOptions{.prefix = "wf-", .dir = dir});
        file.write(std::string_view("data"));
        file.close();
        TemporaryDirectory sub(tempfile::TemporaryDirectoryOptions{.prefix = "wd-", .dir = dir});
        write_file(sub.path() / "f", "f");
        if (t % 2 == 0) {
          sub.cleanup();
        }
        rounds[static_cast<std::size_t>(t)].fetch_add(1);
      }
    });
  }
  while (rounds[workers - 1].load() < 20) {
    std::this_thread::yield();
  }
  say("ready");
  wait_go();  // the test signals, waits for the marker, then says go
  std::array<long, workers> at_go{};
  for (int t = 0; t < workers; ++t) {
    at_go[static_cast<std::size_t>(t)] = rounds[static_cast<std::size_t>(t)].load();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool progressed = false;
  while (!progressed && std::chrono::steady_clock::now() < deadline) {
    progressed = true;
    for (int t = 0; t < workers; ++t) {
      const auto i = static_cast<std::size_t>(t);
      progressed = progressed && rounds[i].load() >= at_go[i] + 20;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!progressed) {
    say("workers-stuck");
    ::_exit(driver_failed + 3);  // they would never join
  }
  stop.store(true);
  for (std::thread& worker : pool) {
    worker.join();
  }
  say("workers-progressed");
  return 0;
}

// What the parent of a fork-like child reports: its entries before the child, still there?
void report_parent_entries(const std::vector<fs::path>& entries, const Objects& objects,
                           const fs::path& named_path, int status) {
  say("child " + describe_status(status));
  std::string missing;
  for (const fs::path& entry : entries) {
    if (!exists_no_follow(entry)) {
      missing += " " + entry.filename().string();
    }
  }
  for (const char* inside : {"a", "sub/deeper/deepest/c", "ro/d", "link-out"}) {
    if (!exists_no_follow(objects.tree->path() / inside)) {
      missing += std::string(" tree/") + inside;
    }
  }
  say(missing.empty() ? "parent-entries-intact" : "parent-entries-missing:" + missing);
  struct stat info {};
  if (::stat(named_path.c_str(), &info) != 0) {
    fail("stat of the named file");
  }
  say("size-before-close:" + std::to_string(info.st_size));
}

std::vector<fs::path> list_entries(const fs::path& dir) {
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir)) {
    entries.push_back(entry.path());
  }
  return entries;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fail("waitpid");
    }
  }
  return status;
}

// What the clone()d child runs on its own stack: its own entry, then exit() (atexit handlers
// and static destructors run; the parent's objects on the parent's stack are not destroyed).
int cloned_child(void* arg) {
  const fs::path& dir = *static_cast<const fs::path*>(arg);
  new NamedTemporaryFile(tempfile::NamedTemporaryFileOptions{.prefix = "child-", .dir = dir});
  std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
}

// rawfork-<sysfork-return|sysfork-exit|clone-exit>: as fork-<how>, but the child is made by
// syscall(SYS_fork) or clone() without CLONE_VM, so no pthread_atfork handler runs in it.
int raw_fork_child(const fs::path& dir, std::string_view how) {
  Objects objects;
  make_objects(objects, dir, "p");
  objects.named.reset();
  objects.named.emplace(tempfile::NamedTemporaryFileOptions{
      .prefix = "nf-p", .dir = dir, .delete_on_close = false});  // readable after close()
  objects.named->write(std::string_view("abc"));
  const fs::path named_path = objects.named->name();
  const std::vector<fs::path> entries = list_entries(dir);

  pid_t pid = -1;
  if (how.starts_with("sysfork-")) {
    pid = static_cast<pid_t>(::syscall(SYS_fork));
    if (pid == 0) {
      new NamedTemporaryFile(tempfile::NamedTemporaryFileOptions{.prefix = "child-", .dir = dir});
      if (how == "sysfork-return") {
        return 0;  // main returns: the parent's objects are destroyed here, in the child
      }
      std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
    }
  } else if (how == "clone-exit") {
    constexpr std::size_t stack_size = std::size_t{1} << 20;
    void* stack = ::mmap(nullptr, stack_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
      fail("mmap");
    }
    static fs::path child_dir;
    child_dir = dir;
    pid = ::clone(&cloned_child, static_cast<char*>(stack) + stack_size, SIGCHLD, &child_dir);
  } else {
    fail("unknown raw fork");
  }
  if (pid < 0) {
    fail("fork");
  }
  report_parent_entries(entries, objects, named_path, wait_child(pid));
  objects.named->close();
  std::ifstream in(named_path, std::ios::binary);
  const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  say("content:" + content);
  return 0;
}

// signal-after-fork: a fork()ed child gets SIGTERM before any pthread_atfork child handler of
// the library could run (this driver's own handler, registered first, sends it), then in
// rounds killed by the parent at once. The parent's entries must survive every round.
std::atomic<bool> kill_in_atfork{false};

void kill_self_in_child() {
  if (kill_in_atfork.load()) {
    ::kill(::getpid(), SIGTERM);
  }
}

int fork_signal_race(const fs::path& dir) {
  // Registered before the library's first use, so it runs before any handler the library
  // registers (child handlers run in the order of registration).
  if (::pthread_atfork(nullptr, nullptr, &kill_self_in_child) != 0) {
    fail("pthread_atfork");
  }
  tempfile::cleanup_on_signals();
  Objects objects;
  make_objects(objects, dir, "p");
  const fs::path named_path = objects.named->name();
  const std::vector<fs::path> entries = list_entries(dir);
  constexpr int injected_rounds = 20;
  constexpr int raced_rounds = 100;
  for (int round = 0; round < injected_rounds + raced_rounds; ++round) {
    kill_in_atfork.store(round < injected_rounds);
    const pid_t pid = ::fork();
    if (pid < 0) {
      fail("fork");
    }
    if (pid == 0) {
      for (int spin = 0; spin < 1000; ++spin) {
        ::sched_yield();  // room for the parent's kill
      }
      ::_exit(0);
    }
    if (round >= injected_rounds) {
      ::kill(pid, SIGTERM);
    }
    const int status = wait_child(pid);
    if (round < injected_rounds && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)) {
      say("child-not-signalled:" + describe_status(status));
      return 0;
    }
    for (const fs::path& entry : entries) {
      if (!exists_no_follow(entry)) {
        say("round " + std::to_string(round) +
            " parent-entries-missing: " + entry.filename().string());
        return 0;
      }
    }
  }
  say("parent-entries-intact");
  return 0;
}

// A TemporaryDirectory holding `subdirs` directories of `files` empty files each.
void fill_big_tree(const fs::path& root, int subdirs, int files) {
  for (int d = 0; d < subdirs; ++d) {
    const fs::path sub = root / ("d" + std::to_string(d));
    if (::mkdir(sub.c_str(), 0700) != 0) {
      fail("mkdir");
    }
    for (int f = 0; f < files; ++f) {
      const fs::path file = sub / std::to_string(f);
      const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) {
        fail("open");
      }
      ::close(fd);
    }
  }
}

constexpr int big_subdirs = 50;
constexpr int big_files = 400;

// exit-big-tree: a leaked TemporaryDirectory of 20,000 files; on "go" std::exit, whose handler
// removes it; the test sends SIGTERM once that removal is under way.
int exit_big_tree(const fs::path& dir) {
  tempfile::cleanup_on_signals();
  auto* big =
      new TemporaryDirectory(tempfile::TemporaryDirectoryOptions{.prefix = "big-", .dir = dir});
  fill_big_tree(big->path(), big_subdirs, big_files);
  say("ready");
  wait_go();
  std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
}

// dtor-big-tree: the same tree held by a worker thread that destroys it on "go" while main
// waits on stdin; SIGTERM (blocked on the worker, so it goes to main) comes during the
// destructor's walk. The whole process runs on one CPU and the worker at SCHED_IDLE, as on a
// loaded machine: its walk makes little progress while main's handler runs.
//
// terminate-dtor-big-tree: the same, but cleanup_on_terminate() only, and main throws an
// uncaught exception on the second "go" (the test sends it once the walk is under way).
int dtor_big_tree(const fs::path& dir, bool by_terminate = false) {
  if (by_terminate) {
    tempfile::cleanup_on_terminate();
  } else {
    tempfile::cleanup_on_signals();
  }
  std::atomic<int> phase{0};
  std::atomic<pid_t> worker_tid{0};
  std::thread worker([&] {
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
    std::optional<TemporaryDirectory> big(
        tempfile::TemporaryDirectoryOptions{.prefix = "big-", .dir = dir});
    fill_big_tree(big->path(), big_subdirs, big_files);
    worker_tid.store(static_cast<pid_t>(::syscall(SYS_gettid)));
    sched_param idle{};
    if (::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &idle) != 0) {
      fail("SCHED_IDLE");
    }
    phase.store(1);
    while (phase.load() != 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    big.reset();  // the destructor's walk
    say("destroyed");
  });
  while (phase.load() != 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Both threads on one CPU from now on (the tree is built).
  cpu_set_t one;
  CPU_ZERO(&one);
  const int cpu = ::sched_getcpu();
  CPU_SET(static_cast<std::size_t>(cpu < 0 ? 0 : cpu), &one);
  if (::sched_setaffinity(0, sizeof one, &one) != 0 ||
      ::sched_setaffinity(worker_tid.load(), sizeof one, &one) != 0) {
    fail("sched_setaffinity");
  }
  say("ready");
  wait_go();
  phase.store(2);
  wait_go();  // the signal comes here
  if (by_terminate) {
    throw_uncaught();
  }
  worker.join();
  return 0;
}

// terminate-exit-big-tree: cleanup_on_terminate(), a leaked TemporaryDirectory of 20,000
// files; on "go" main calls std::exit, whose handler removes the tree slowly (every thread on
// one CPU, main at SCHED_IDLE); a second thread throws an uncaught exception on the next "go",
// which the test sends once that removal is under way.
int terminate_exit_big_tree(const fs::path& dir) {
  tempfile::cleanup_on_terminate();
  auto* big =
      new TemporaryDirectory(tempfile::TemporaryDirectoryOptions{.prefix = "big-", .dir = dir});
  fill_big_tree(big->path(), big_subdirs, big_files);
  cpu_set_t one;
  CPU_ZERO(&one);
  const int cpu = ::sched_getcpu();
  CPU_SET(static_cast<std::size_t>(cpu < 0 ? 0 : cpu), &one);
  if (::sched_setaffinity(0, sizeof one, &one) != 0) {  // this thread, and those it makes
    fail("sched_setaffinity");
  }
  say("ready");
  wait_go();
  std::thread thrower([] {
    wait_go();
    throw_uncaught();
  });
  thrower.detach();
  sched_param idle{};
  if (::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &idle) != 0) {
    fail("SCHED_IDLE");
  }
  std::exit(0);  // NOLINT(concurrency-mt-unsafe): the other thread only waits, then throws
}

// replace-<exit|signal|destroy>: NamedTemporaryFiles whose names are taken over by other files
// (unlink, then a new file with the same name): an open one, a closed one (delete_on_close =
// false) and a leaked one. None of the replacements may be removed, by the destructors, by exit
// or by a signal's cleanup. The replacements' names are written as "impostor:<name>".
int replace_files(const fs::path& dir, std::string_view how) {
  tempfile::cleanup_on_signals();
  std::optional<NamedTemporaryFile> open_file(
      tempfile::NamedTemporaryFileOptions{.prefix = "nf-", .dir = dir});
  std::optional<NamedTemporaryFile> closed_file(
      tempfile::NamedTemporaryFileOptions{.prefix = "nc-", .dir = dir, .delete_on_close = false});
  closed_file->close();
  auto* leaked =
      new NamedTemporaryFile(tempfile::NamedTemporaryFileOptions{.prefix = "lf-", .dir = dir});
  // A replacement made later than one file-system timestamp tick (ext4's are a few ms): a file
  // system that hands our freed inode number to the replacement (ext4 does) still gives it
  // another birth time. Within the same tick the two cannot be told apart (docs/cleanup.md).
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  for (const fs::path& name : {open_file->name(), closed_file->name(), leaked->name()}) {
    if (::unlink(name.c_str()) != 0) {
      fail("unlink");
    }
    write_file(name, "impostor");
    say("impostor:" + name.filename().string());
  }
  say("ready");
  if (how == "exit") {
    std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
  }
  if (how == "destroy") {
    open_file->close();
    open_file.reset();
    closed_file.reset();
    say("destroyed");
    ::_exit(0);  // the leaked one is left to the exit test
  }
  wait_go();  // "signal": the test's SIGTERM ends us
  return 0;
}

// ---- objects created in a held directory ----
//
// held-<directory|tempdir>-<none|swap>-<exit|wait>: make_objects (tag "h") with `dir` = a held
// directory: a tempfile::Directory opened on <dir>/held, or a live TemporaryDirectory
// "keep-holder-*" (delete_ = false, so that only the objects' own removal is at work). Says
// "held:<path>", then "ready", and waits for "go" (exit: std::exit, which skips the locals'
// destructors, so the exit handler removes) or for the test's signal (wait: after
// cleanup_on_signals()).
//
// swap: after the creation, every removable entry's name gets a twin in <dir>/keep-victim (a
// file "victim"; for a directory a directory, with three such files unless it is empty), then the
// held directory is renamed to <dir>/keep-moved and a symbolic link to keep-victim is put at its
// path: each object's absolute name now leads to its twin. The removal must never reach a twin.
int held_directory(const fs::path& dir, std::string_view rest) {
  const std::size_t first = rest.find('-');
  const std::size_t second = rest.find('-', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) {
    fail("held-<holder>-<attack>-<ending>");
  }
  const std::string_view holder = rest.substr(0, first);
  const std::string_view attack = rest.substr(first + 1, second - first - 1);
  const std::string_view ending = rest.substr(second + 1);
  if (ending == "wait") {
    tempfile::cleanup_on_signals();
  }
  std::optional<tempfile::Directory> opened;
  std::optional<TemporaryDirectory> live;
  fs::path held;
  if (holder == "directory") {
    held = dir / "held";
    fs::create_directory(held);
    opened.emplace(held);
  } else if (holder == "tempdir") {
    live.emplace(tempfile::TemporaryDirectoryOptions{
        .prefix = "keep-holder-", .dir = dir, .delete_ = false});
    held = live->path();
  } else {
    fail("unknown holder");
  }
  Objects objects;
  make_objects(objects, dir, "h",
               opened ? tempfile::DirOption(*opened) : tempfile::DirOption(*live));
  if (attack == "swap") {
    const fs::path victim = dir / "keep-victim";
    fs::create_directory(victim);
    for (const auto& entry : fs::directory_iterator(held)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("keep-")) {
        continue;
      }
      if (entry.is_directory()) {
        // An empty twin for the empty directory: a by-path rmdir would take it.
        fs::create_directory(victim / name);
        if (!fs::is_empty(entry.path())) {
          for (const char* file : {"f0", "f1", "f2"}) {
            write_file(victim / name / file, "victim");
          }
        }
      } else {
        write_file(victim / name, "victim");
      }
    }
    tempfile::test::swap_for_symlink(held, dir / "keep-moved", victim);
  } else if (attack != "none") {
    fail("unknown attack");
  }
  say("held:" + held.string());
  say("ready");
  wait_go();
  if (ending == "exit") {
    std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
  }
  ::_exit(driver_failed + 2);  // "wait": the test's signal was to end us
}

// ---- one TemporaryDirectory attacked, then removed by one path ----
//
// `<attack>-<ending>`: the attack prepares a TemporaryDirectory named "td-<tag>*" in <dir>,
// then it is removed by the ending, one path only:
//   cleanup  cleanup(), then _exit (prints "cleanup:ok" or "cleanup_error:<what()>")
//   ignore   the same with ignore_cleanup_errors (must print "cleanup:ok")
//   destroy  the destructor, then _exit ("destroyed")
//   exit     std::exit: only the exit handler (the object is a local std::exit skips)
//   rmtree   tempfile::rmtree(path), then _exit ("rmtree:ok" or "rmtree_error:<what()>")
//   wait     cleanup_on_signals() first; waits for the test's signal (or "go": then _exit)
//   terminate  cleanup_on_terminate() first; std::terminate (an uncaught exception's end)
// Every ending says "ready" first.

constexpr int capability_missing = 77;

// For a mode a kernel or sandbox refuses (unshare, mount): the test skips with the reason.
[[noreturn]] void capability_refused(const std::string& why) {
  say("capability-missing:" + why + ": " + std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
  ::_exit(capability_missing);
}

TemporaryDirectory make_attacked_directory(const fs::path& dir, const std::string& tag,
                                           std::string_view ending) {
  if (ending == "wait") {
    tempfile::cleanup_on_signals();
  }
  if (ending == "terminate") {
    tempfile::cleanup_on_terminate();
  }
  return TemporaryDirectory(tempfile::TemporaryDirectoryOptions{
      .prefix = "td-" + tag, .dir = dir, .ignore_cleanup_errors = ending == "ignore"});
}

[[noreturn]] void end_attacked_directory(std::optional<TemporaryDirectory>& tree,
                                         std::string_view ending) {
  say("ready");
  if (ending == "cleanup" || ending == "ignore") {
    try {
      tree->cleanup();
      say("cleanup:ok");
    } catch (const tempfile::cleanup_error& failure) {
      say(std::string("cleanup_error:") + failure.what());
    }
    ::_exit(0);
  }
  if (ending == "destroy") {
    tree.reset();
    say("destroyed");
    ::_exit(0);
  }
  if (ending == "exit") {
    std::exit(0);  // NOLINT(concurrency-mt-unsafe): one thread
  }
  if (ending == "terminate") {
    std::terminate();
  }
  if (ending == "rmtree") {
    try {
      tempfile::rmtree(tree->path());
      say("rmtree:ok");
    } catch (const tempfile::cleanup_error& failure) {
      say(std::string("rmtree_error:") + failure.what());
    }
    ::_exit(0);
  }
  if (ending == "wait") {
    wait_go();
    ::_exit(0);
  }
  fail("unknown ending " + std::string(ending));
}

// bind-<ending>: in a private mount namespace, the tree holds a bind mount of keep-outside/ (a
// directory of the same file system, so the same st_dev: only the mount id tells them apart).
// Nothing in keep-outside/ may be removed; the mount point is left.
[[noreturn]] void bind_mount_attack(const fs::path& dir, std::string_view ending) {
  const fs::path outside = dir / "keep-outside";
  fs::create_directories(outside / "sub");
  write_file(outside / "f1", "outside");
  write_file(outside / "f2", "outside");
  write_file(outside / "sub" / "f3", "outside");
  if (::unshare(CLONE_NEWNS) != 0) {
    capability_refused("unshare(CLONE_NEWNS)");
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    capability_refused("mount(/, MS_REC|MS_PRIVATE)");
  }
  std::optional<TemporaryDirectory> tree(make_attacked_directory(dir, "b", ending));
  write_file(tree->path() / "a", "a");
  fs::create_directories(tree->path() / "sub" / "bind");
  write_file(tree->path() / "sub" / "b", "b");
  if (::mount(outside.c_str(), (tree->path() / "sub" / "bind").c_str(), nullptr, MS_BIND,
              nullptr) != 0) {
    capability_refused("mount(MS_BIND)");
  }
  if (!exists_no_follow(tree->path() / "sub" / "bind" / "sub" / "f3")) {
    fail("the bind mount does not show keep-outside");
  }
  end_attacked_directory(tree, ending);
}

// The descriptor this process holds for `path` (a scan of /proc/self/fd), or -1.
int descriptor_of(const fs::path& path) {
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(entry.path(), ec) == path && !ec) {
      return std::stoi(entry.path().filename().string());
    }
  }
  return -1;
}

// reused-<ending>: the program closes the TemporaryDirectory's root descriptor by mistake and
// the number is reused by open(keep-other). Nothing in keep-other/ may be removed, and the tree
// is left as it is (its descriptor is lost; cleanup() reports it).
[[noreturn]] void reused_descriptor_attack(const fs::path& dir, std::string_view ending) {
  const fs::path other = dir / "keep-other";
  fs::create_directories(other / "sub");
  write_file(other / "f1", "other");
  write_file(other / "f2", "other");
  write_file(other / "sub" / "f3", "other");
  std::optional<TemporaryDirectory> tree(make_attacked_directory(dir, "r", ending));
  write_file(tree->path() / "a", "a");
  fs::create_directories(tree->path() / "sub");
  write_file(tree->path() / "sub" / "b", "b");
  const int root = descriptor_of(tree->path());
  if (root < 0) {
    fail("no descriptor of the tree's root");
  }
  ::close(root);  // the program's mistake
  const int reused = ::open(other.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (reused < 0 || (reused != root && (::dup3(reused, root, O_CLOEXEC) < 0 || ::close(reused)))) {
    fail("cannot reuse the descriptor");
  }
  say("reused:" + std::to_string(root));
  end_attacked_directory(tree, ending);
}

// moved-<ending>: the root is renamed to keep-moved before removal. Its contents are the
// object's to remove (through the descriptor); keep-moved itself is left, and reported.
[[noreturn]] void moved_root_attack(const fs::path& dir, std::string_view ending) {
  std::optional<TemporaryDirectory> tree(make_attacked_directory(dir, "m", ending));
  populate(tree->path(), dir / "keep-target-m");
  write_file(dir / "keep-target-m", "outside");
  fs::rename(tree->path(), dir / "keep-moved");
  end_attacked_directory(tree, ending);
}

// gone-<ending>: the whole tree is removed by someone else first: nothing to do, no error.
[[noreturn]] void gone_root_attack(const fs::path& dir, std::string_view ending) {
  std::optional<TemporaryDirectory> tree(make_attacked_directory(dir, "g", ending));
  populate(tree->path(), dir / "keep-target-g");
  write_file(dir / "keep-target-g", "outside");
  ::chmod((tree->path() / "ro").c_str(), 0700);
  fs::remove_all(tree->path());
  end_attacked_directory(tree, ending);
}

// modes-<ending>: as an unprivileged user (uid 65534 when started as root: root bypasses the
// permission checks this is about), a tree whose directories forbid the walk: 0500 directories
// holding subdirectories and files, 0000 directories (one inside a 0500 one), 0300, 0100 and
// 0600 directories with contents, 0400 and 0000 files three levels down, and the root itself
// 0500. Nothing may be left. <dir> must belong to that user.
[[noreturn]] void modes_attack(const fs::path& dir, std::string_view ending) {
  if (::getuid() == 0 || ::geteuid() == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      capability_refused("setresuid(65534)");
    }
  }
  std::optional<TemporaryDirectory> tree(make_attacked_directory(dir, "p", ending));
  const fs::path root = tree->path();
  // 0500 holding directories (one of them 0500 itself, one 0000) and files.
  fs::create_directories(root / "ro" / "sub" / "deeper");
  fs::create_directories(root / "ro" / "none" / "x");
  write_file(root / "ro" / "file", "f");
  write_file(root / "ro" / "sub" / "file", "f");
  write_file(root / "ro" / "sub" / "deeper" / "file", "f");
  write_file(root / "ro" / "none" / "x" / "file", "f");
  // 0000 holding a directory and a file.
  fs::create_directories(root / "none" / "sub");
  write_file(root / "none" / "file", "f");
  write_file(root / "none" / "sub" / "file", "f");
  // 0300 (no read), 0100 (search only), 0600 (no search), each with a subdirectory and a file.
  for (const char* name : {"wx", "x", "rw"}) {
    fs::create_directories(root / name / "sub");
    write_file(root / name / "file", "f");
    write_file(root / name / "sub" / "file", "f");
  }
  write_file(root / "ro" / "sub" / "deeper" / "unreadable", "f");
  ::chmod((root / "ro" / "file").c_str(), 0400);
  ::chmod((root / "ro" / "sub" / "deeper" / "unreadable").c_str(), 0000);
  ::chmod((root / "ro" / "sub" / "deeper").c_str(), 0500);
  ::chmod((root / "ro" / "sub").c_str(), 0500);
  ::chmod((root / "ro" / "none").c_str(), 0000);
  ::chmod((root / "ro").c_str(), 0500);
  ::chmod((root / "none" / "sub").c_str(), 0500);
  ::chmod((root / "none").c_str(), 0000);
  ::chmod((root / "wx").c_str(), 0300);
  ::chmod((root / "x").c_str(), 0100);
  ::chmod((root / "rw").c_str(), 0600);
  ::chmod(root.c_str(), 0500);
  end_attacked_directory(tree, ending);
}

// The attacked-directory scenarios: "<attack>-<ending>"; false when `scenario` is not one.
bool run_attack(std::string_view scenario, const fs::path& dir) {
  const std::size_t dash = scenario.find('-');
  if (dash == std::string_view::npos) {
    return false;
  }
  const std::string_view attack = scenario.substr(0, dash);
  const std::string_view ending = scenario.substr(dash + 1);
  if (attack == "bind") {
    bind_mount_attack(dir, ending);
  }
  if (attack == "reused") {
    reused_descriptor_attack(dir, ending);
  }
  if (attack == "moved") {
    moved_root_attack(dir, ending);
  }
  if (attack == "gone") {
    gone_root_attack(dir, ending);
  }
  if (attack == "modes") {
    modes_attack(dir, ending);
  }
  return false;
}

// quick_exit: the objects as for end_of_main, then std::quick_exit(5). Only at_quick_exit
// handlers run (this one says so); the library's atexit cleanup must not, so every entry stays.
int quick_exit_from_main(const fs::path& dir) {
  Objects objects;
  make_objects(objects, dir, "q");
  if (std::at_quick_exit([] { say("at_quick_exit handler ran"); }) != 0) {
    fail("at_quick_exit");
  }
  say("ready");
  std::quick_exit(5);
}

// quick_exit-cleanup: as quick_exit, after cleanup_on_quick_exit(): the library's at_quick_exit
// handler removes every entry (it runs after the driver's, registered later).
int quick_exit_with_cleanup(const fs::path& dir) {
  tempfile::cleanup_on_quick_exit();
  return quick_exit_from_main(dir);
}

// terminate-<none|terminate|signals>-<main|noexcept|thread>: the objects (tag "t") are locals
// of this frame (and leaked ones), the opt-in is none, cleanup_on_terminate() or
// cleanup_on_signals(); then an exception escapes main, a noexcept function, or a second
// thread's function while main holds the objects (it waits in join). std::terminate then runs
// without destroying anything.
int terminate_scenario(const fs::path& dir, std::string_view opt_in, std::string_view where) {
  if (opt_in == "terminate") {
    tempfile::cleanup_on_terminate();
  } else if (opt_in == "signals") {
    tempfile::cleanup_on_signals();
  } else if (opt_in != "none") {
    fail("unknown opt-in");
  }
  Objects objects;
  make_objects(objects, dir, "t");
  say("ready");
  if (where == "main") {
    throw_uncaught();
  }
  if (where == "noexcept") {
    violate_noexcept();
  }
  if (where == "thread") {
    std::thread thrower([] { throw_uncaught(); });
    thrower.join();
  }
  fail("not terminated");
}

// terminate-chain: the application's terminate handler is installed first, then
// cleanup_on_terminate(). The application's runs after the library's cleanup: it reports how
// many entries with a removal duty were still there, then ends the process with _Exit(9).
std::array<char, 4096> chain_dir{};

[[noreturn]] void application_terminate_handler() {
  int left = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(chain_dir.data()))) {
    left += entry.path().filename().string().starts_with("keep-") ? 0 : 1;
  }
  say("application handler ran, entries left: " + std::to_string(left));
  std::_Exit(9);
}

int terminate_chain(const fs::path& dir) {
  std::memcpy(chain_dir.data(), dir.c_str(), dir.native().size() + 1);
  std::set_terminate(&application_terminate_handler);
  tempfile::cleanup_on_terminate();
  tempfile::cleanup_on_terminate();  // again: nothing (ours must not become its own previous)
  Objects objects;
  make_objects(objects, dir, "t");
  say("ready");
  throw_uncaught();
}

int run(std::string_view scenario, const fs::path& dir) {
  const std::string marker = (dir / "keep-marker").string();
  if (marker.size() >= marker_path.size()) {
    fail("directory name too long");
  }
  std::memcpy(marker_path.data(), marker.c_str(), marker.size() + 1);

  if (scenario == "return" || scenario == "exit" || scenario == "_exit" || scenario == "abort") {
    return end_of_main(dir, scenario);
  }
  if (scenario == "wait") {
    return wait_for_test(dir, false);
  }
  if (scenario == "wait-signals") {
    return wait_for_test(dir, true);
  }
  if (scenario.starts_with("raise-")) {
    return raise_signal(dir, std::stoi(std::string(scenario.substr(6))));
  }
  if (scenario.starts_with("fork-")) {
    return fork_child(dir, scenario.substr(5));
  }
  if (scenario.starts_with("chain-before-")) {
    return chain_before(dir, scenario.substr(13));
  }
  if (scenario == "chain-after") {
    return chain_after(dir);
  }
  if (scenario == "sighup-ignored") {
    return sighup_ignored(dir);
  }
  if (scenario == "threads") {
    return threads(dir, true);
  }
  if (scenario == "threads-empty") {
    return threads(dir, false);
  }
  if (scenario == "chain-threads") {
    return chain_threads(dir);
  }
  if (scenario.starts_with("rawfork-")) {
    return raw_fork_child(dir, scenario.substr(8));
  }
  if (scenario == "signal-after-fork") {
    return fork_signal_race(dir);
  }
  if (scenario == "exit-big-tree") {
    return exit_big_tree(dir);
  }
  if (scenario == "dtor-big-tree") {
    return dtor_big_tree(dir);
  }
  if (scenario.starts_with("replace-")) {
    return replace_files(dir, scenario.substr(8));
  }
  if (scenario.starts_with("held-")) {
    return held_directory(dir, scenario.substr(5));
  }
  if (run_attack(scenario, dir)) {
    return 0;
  }
  if (scenario == "quick_exit") {
    return quick_exit_from_main(dir);
  }
  if (scenario == "quick_exit-cleanup") {
    return quick_exit_with_cleanup(dir);
  }
  if (scenario == "terminate-chain") {
    return terminate_chain(dir);
  }
  if (scenario == "terminate-churn") {
    return threads(dir, true, true);
  }
  if (scenario == "terminate-exit-big-tree") {
    return terminate_exit_big_tree(dir);
  }
  if (scenario == "terminate-dtor-big-tree") {
    return dtor_big_tree(dir, true);
  }
  if (scenario.starts_with("terminate-")) {
    const std::string_view rest = scenario.substr(10);
    const std::size_t dash = rest.find('-');
    return terminate_scenario(dir, rest.substr(0, dash),
                              dash == std::string_view::npos ? "" : rest.substr(dash + 1));
  }
  fail("unknown scenario " + std::string(scenario));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    static_cast<void>(std::fprintf(stderr, "usage: cleanup_driver <scenario> <dir>\n"));
    return driver_failed;
  }
  try {
    return run(argv[1], argv[2]);
  } catch (const std::exception& failure) {
    fail(std::string("exception: ") + failure.what());
  }
}
