// A program that cleanup_test.cpp runs as a real process: `cleanup_driver <scenario> <dir>`
// creates temporary objects in <dir>, then ends the way the scenario says (return, std::exit,
// _exit, std::quick_exit, abort, a fork()ed child's exit, a signal, threads interrupted by a
// signal).
//
// Protocol: lines on stdout ("ready", "child exited 0", "content:abc", ...) written with
// write(2), never buffered; "go" lines read from stdin where the scenario waits for the test.
// Entries the process must never remove are named "keep-*"; every other entry must be gone
// once cleanup happened. Exit codes 90+ mean the driver itself failed.
#include <fcntl.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): sigaction is POSIX
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
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

// Creates the objects with `tag` in their names; also leaks a NamedTemporaryFile and a
// TemporaryDirectory (with a file) on the heap, which only the exit handler can clean.
void make_objects(Objects& objects, const fs::path& dir, const std::string& tag) {
  const fs::path outside = dir / ("keep-target-" + tag);
  write_file(outside, "outside");
  objects.named.emplace(tempfile::NamedTemporaryFileOptions{.prefix = "nf-" + tag, .dir = dir});
  objects.named->write(std::string_view("abc"));
  objects.named_closed.emplace(tempfile::NamedTemporaryFileOptions{
      .prefix = "nc-" + tag, .dir = dir, .delete_on_close = false});
  objects.named_closed->write(std::string_view("closed"));
  objects.named_closed->close();
  objects.tree.emplace(tempfile::TemporaryDirectoryOptions{.prefix = "td-" + tag, .dir = dir});
  populate(objects.tree->path(), outside);
  objects.empty_dir.emplace(tempfile::TemporaryDirectoryOptions{.prefix = "te-" + tag, .dir = dir});
  objects.keep_file.emplace(
      tempfile::NamedTemporaryFileOptions{.prefix = "keep-f-" + tag, .dir = dir, .delete_ = false});
  objects.keep_dir.emplace(
      tempfile::TemporaryDirectoryOptions{.prefix = "keep-d-" + tag, .dir = dir, .delete_ = false});
  // Leaked on purpose: never destroyed.
  new NamedTemporaryFile(tempfile::NamedTemporaryFileOptions{.prefix = "lf-" + tag, .dir = dir});
  auto* leaked_dir = new TemporaryDirectory(
      tempfile::TemporaryDirectoryOptions{.prefix = "ld-" + tag, .dir = dir});
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

// chain-before-<plain|siginfo|exit>: the application's handler is installed first, then
// cleanup_on_signals(). Two rounds: each "ready" waits for a signal (the test checks that our
// handler removed the entries and the application's ran) and then "go". At the end the names
// of round one are reused by plain entries, which the objects' destructors must not touch.
int chain_before(const fs::path& dir, std::string_view variant) {
  for (const int signal_number : cleanup_signals) {
    if (variant == "plain") {
      install(signal_number, &plain_handler);
    } else if (variant == "siginfo") {
      install_siginfo(signal_number);
    } else if (variant == "exit") {
      install(signal_number, &exiting_handler);
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
  // Both rounds were removed by our handler; their objects are alive. Reuse round one's names.
  // (A tree the handler could not empty, as in the portable build, is still there: its
  // name is not reused.)
  const fs::path file_name = first.named->name();
  const fs::path dir_name = first.tree->path();
  const fs::path empty_name = first.empty_dir->path();
  if (exists_no_follow(file_name) || exists_no_follow(empty_name)) {
    fail("round one was not removed");
  }
  const bool reuse_tree = !exists_no_follow(dir_name);
  write_file(file_name, "someone else's");
  fs::create_directory(empty_name);
  if (reuse_tree) {
    fs::create_directory(dir_name);
    write_file(dir_name / "theirs", "someone else's");
  }
  first = Objects();
  second = Objects();
  const bool intact = exists_no_follow(file_name) && exists_no_follow(empty_name) &&
                      (!reuse_tree || exists_no_follow(dir_name / "theirs"));
  say(intact ? "reused-intact" : "reused-removed");
  std::error_code ignored;
  fs::remove(file_name, ignored);
  fs::remove(empty_name, ignored);
  if (reuse_tree) {
    fs::remove_all(dir_name, ignored);
  }
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
int threads(const fs::path& dir, bool trees) {
  tempfile::cleanup_on_signals();
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
  // Not reached in the test: the signal ends the process. Leave without joining.
  ::_exit(driver_failed + 2);
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
  if (scenario == "quick_exit") {
    return quick_exit_from_main(dir);
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
