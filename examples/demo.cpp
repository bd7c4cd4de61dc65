// SPDX-License-Identifier: MIT
// The README demo: a guided tour of the tempfile library. Each step prints the Python it mirrors,
// then what the C++ did and what it observed (its test matches the whole output, so what it says
// is checked). It ends with the command-line tool's `run`, when that tool was built.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <tempfile/tempfile.hpp>
#include <thread>

namespace fs = std::filesystem;

namespace {

// "0600" for rw-------: the permission bits as Python's oct() would show them.
std::string octal_mode(const fs::path& path) {
  const auto bits = static_cast<unsigned>(fs::status(path).permissions() & fs::perms::mask);
  std::string digits;
  for (int shift = 9; shift >= 0; shift -= 3) {
    digits += static_cast<char>('0' + ((bits >> static_cast<unsigned>(shift)) & 7U));
  }
  return digits;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A step's heading and the Python it mirrors; what follows is what the C++ did.
void step(std::string_view title, std::string_view python) {
  std::cout << '\n' << title << "\n  Python: " << python << '\n';
}

void show_directories() {
  step("Where temporary files go", "tempfile.gettempdir(), tempfile.gettempprefix()");
  std::cout << "  gettempdir()    -> " << tempfile::gettempdir().string() << '\n';
  std::cout << "  gettempprefix() -> " << tempfile::gettempprefix() << '\n';
}

// An anonymous file: no name any other program could reach, storage freed with the object.
void show_temporary_file() {
  step("TemporaryFile: scratch storage with no name",
       "with tempfile.TemporaryFile() as f: f.write(b'Hello, World!'); f.seek(0); f.read()");
  tempfile::TemporaryFile f;
  f.write(std::string_view("Hello, World!"));
  f.seek(0);
  const std::string bytes = f.read();
  std::cout << "  read back \"" << bytes << "\"; name() is fd " << f.name().string()
            << " (Python's name is the fd too), path() has a value: " << f.path().has_value()
            << '\n';
  f.seek(0);
  f.truncate();
  f.stream() << "written through std::iostream, " << 42 << '\n';
  f.seek(0);
  std::cout << "  stream() is a std::iostream on the same file: " << f.readline();
}

// A named text file read back with universal newlines, then published under a final name.
void show_named_temporary_file() {
  step(
      "NamedTemporaryFile: a file other programs can open by name",
      "with tempfile.NamedTemporaryFile('w+', suffix='.txt') as f: f.write('Hello\\r\\nworld\\n')");
  fs::path name;
  {
    tempfile::NamedTemporaryFile f({.mode = "w+", .suffix = ".txt"});
    name = f.name();
    f.write("Hello\r\nworld\n");
    f.seek(0);
    std::string lines;
    for (const std::string& line : f) {
      lines += line;
    }
    std::cout << "  name " << name.string() << ", mode " << octal_mode(name) << ", read back "
              << lines.size() << " characters with \\r\\n translated\n";
  }
  std::cout << "  removed when the object died: exists() " << fs::exists(name) << '\n';

  // Beyond Python: give the finished file its final name in one step (Python: delete=False,
  // close(), then os.replace() by hand).
  const tempfile::TemporaryDirectory project({.prefix = "demo-"});
  const fs::path settings = project / "settings.json";
  step("NamedTemporaryFile + persist(): publish a finished file atomically",
       "f = NamedTemporaryFile('w', dir=d, delete=False); f.write(...); f.close(); "
       "os.replace(f.name, d + '/settings.json')");
  tempfile::NamedTemporaryFile draft({.mode = "w", .dir = project.path()});
  draft.write("{\"answer\": 42}\n");
  draft.persist(settings);
  std::cout << "  persist(): name() is now " << draft.name().filename().string() << ", which holds "
            << read_text(settings);
  tempfile::atomic_write(settings, std::string_view("{\"answer\": 43}\n"));
  std::cout << "  atomic_write() replaced it in one rename: " << read_text(settings);
}

// In memory until it grows past max_size, then a TemporaryFile: nothing is lost on the way.
void show_spooled_temporary_file() {
  step("SpooledTemporaryFile: memory first, a file when it grows",
       "f = tempfile.SpooledTemporaryFile(max_size=1024); "
       "f.write(b'a' * 1000); f.write(b'b' * 100)");
  tempfile::SpooledTemporaryFile spooled({.max_size = 1024});
  spooled.write(std::string(1000, 'a'));
  std::cout << "  1000 bytes: rolled() " << spooled.rolled() << " (no system call so far)\n";
  spooled.write(std::string(100, 'b'));
  std::cout << "  1100 bytes: rolled() " << spooled.rolled() << ", now fd "
            << spooled.name().string() << " at position " << spooled.tell() << '\n';
}

// A directory tree that removes itself, symbolic links pointing out of it included, without
// ever following them.
void show_temporary_directory() {
  step("TemporaryDirectory: a tree that removes itself",
       "with tempfile.TemporaryDirectory(prefix='demo-') as d: ...");
  fs::path kept;
  fs::path name;
  {
    tempfile::TemporaryDirectory dir({.prefix = "demo-"});
    name = dir.name();
    fs::create_directories(dir / "a" / "b");
    std::ofstream(dir / "a" / "b" / "data.txt") << "scratch";
    kept = fs::path(tempfile::mkdtemp({.prefix = "outside-"}));
    std::ofstream(kept / "precious.txt") << "keep me";
    fs::create_directory_symlink(kept, dir / "a" / "link-to-outside");
    std::cout << "  " << name.string() << ", mode " << octal_mode(name)
              << ", with a/b/data.txt and a symlink to a directory outside\n";
  }
  std::cout << "  removed when the object died: exists() " << fs::exists(name)
            << "; the symlink's target is intact: " << read_text(kept / "precious.txt") << '\n';
  tempfile::rmtree(kept);
}

// mkstemp: a new file only we can open, as a raw descriptor that the caller closes and removes.
void show_mkstemp() {
  step("mkstemp: a descriptor and a path, yours to close and remove",
       "fd, path = tempfile.mkstemp(suffix='.txt'); os.close(fd); os.remove(path)");
  auto [fd, path] = tempfile::mkstemp({.suffix = ".txt"});
  std::cout << "  fd " << fd << ", path " << path.string() << ", mode " << octal_mode(path) << '\n';

  constexpr std::string_view greeting = "Hello, World!";
  const ssize_t written = ::write(fd, greeting.data(), greeting.size());
  ::lseek(fd, 0, SEEK_SET);
  std::string read_back(greeting.size(), '\0');
  const ssize_t read = ::read(fd, read_back.data(), read_back.size());
  std::cout << "  wrote " << written << " bytes, read back " << read << ": \"" << read_back
            << "\"\n";

  ::close(fd);
  fs::remove(path);
  std::cout << "  closed the fd and removed the file: exists() " << fs::exists(path) << '\n';
}

// mkdtemp: a new private directory; returns it, already removed, to show errors with.
fs::path show_mkdtemp() {
  step("mkdtemp: a private directory, yours to remove",
       "d = tempfile.mkdtemp(prefix='demo-'); shutil.rmtree(d)");
  fs::path dir = tempfile::mkdtemp({.prefix = "demo-"});
  std::cout << "  path " << dir.string() << ", mode " << octal_mode(dir) << '\n';

  std::ofstream(dir / "notes.txt") << "scratch data\n";
  std::cout << "  created notes.txt inside: is_regular_file() "
            << fs::is_regular_file(dir / "notes.txt") << '\n';
  tempfile::rmtree(dir);
  std::cout << "  removed the directory and its contents with rmtree(): exists() "
            << fs::exists(dir) << '\n';
  return dir;
}

// Every OS failure is a tempfile::error (a std::filesystem::filesystem_error) naming the
// directory; the std::error_code overloads report the same failure without throwing.
void show_errors(const fs::path& missing_dir) {
  step("Errors: one exception type for the operating system's failures",
       "tempfile.mkstemp(dir=<a directory just removed>) raises FileNotFoundError");
  try {
    const auto unexpected = tempfile::mkstemp({.dir = missing_dir});
    std::cout << "  no: created " << unexpected.path.string() << '\n';
    ::close(unexpected.fd);
    fs::remove(unexpected.path);
  } catch (const tempfile::error& e) {
    std::cout << "  tempfile::error what():  " << e.what() << '\n';
    std::cout << "  code():  " << e.code() << " (" << e.code().message() << ")\n";
    std::cout << "  path2(): " << e.path2().string() << " (the name that was tried)\n";
  }

  std::error_code ec;
  const auto result = tempfile::mkstemp({.dir = missing_dir}, ec);
  std::cout << "  the std::error_code overload does not throw: fd " << result.fd
            << ", ec.message() \"" << ec.message() << "\"\n";

  std::cout << "  Python: tempfile.mkstemp(prefix='a/b') joins it blindly, into <dir>/a/\n";
  try {
    const auto unexpected = tempfile::mkstemp({.prefix = "a/b"});
    std::cout << "  no: created " << unexpected.path.string() << '\n';
    ::close(unexpected.fd);
    fs::remove(unexpected.path);
  } catch (const std::invalid_argument& e) {
    std::cout << "  std::invalid_argument: " << e.what() << '\n';
  }
}

// A directory that goes even when its process is killed with SIGKILL, which no destructor, exit
// handler or signal handler survives: its guardian process removes it.
void show_pseudo_temporary_directory() {
  step("PseudoTemporaryDirectory: gone even after SIGKILL (beyond Python)",
       "no twin: a TemporaryDirectory of a process killed with SIGKILL stays on disk");
  int ends[2];
  if (::pipe(ends) != 0) {
    return;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(ends[0]);
    auto* dir = new tempfile::PseudoTemporaryDirectory({.prefix = "demo-"});  // never deleted
    fs::create_directories(*dir / "build" / "objects");
    std::ofstream(*dir / "build" / "objects" / "main.o") << "object code";
    const std::string name = dir->name().string();
    static_cast<void>(::write(ends[1], name.data(), name.size()));
    ::close(ends[1]);
    for (;;) {
      ::pause();  // until killed
    }
  }
  ::close(ends[1]);
  std::string name(4096, '\0');
  const ssize_t got = ::read(ends[0], name.data(), name.size());
  ::close(ends[0]);
  name.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  std::cout << "  a child process made " << name << " with build/objects/main.o\n";
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::cout << "  the child was killed with SIGKILL: "
            << (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << '\n';
  // The guardian notices at once; give it a few seconds at most.
  for (int i = 0; i < 500 && fs::exists(name); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::cout << "  its guardian removed the directory: exists() " << fs::exists(name) << '\n';
}

// The command-line tool: `tempfile-cli run -- CMD` gives CMD a fresh TMPDIR and removes it when
// CMD ends. `cli` is the tool's path, empty when it was not built.
void show_cli_run(const std::string& cli) {
  step("tempfile-cli run: a fresh TMPDIR for a command, removed afterwards",
       "with tempfile.TemporaryDirectory() as d: "
       "subprocess.run(cmd, env={**os.environ, 'TMPDIR': d})");
  if (cli.empty()) {
    std::cout << "  skipped: tempfile-cli was not built (it needs CLI11 and nlohmann-json)\n";
    return;
  }
  // The command prints its TMPDIR, that directory's mode, and what it holds after a write.
  const std::string script =
      "echo \"TMPDIR=$TMPDIR\"; stat -c \"mode %a\" \"$TMPDIR\"; "
      "echo data > \"$TMPDIR/out.txt\"; echo \"holds: $(ls -A \"$TMPDIR\")\"";
  const std::string command = "'" + cli + "' run -- sh -c '" + script + "'";
  std::cout << "  $ tempfile-cli run -- sh -c '" << script << "'\n";
  FILE* output = ::popen(command.c_str(), "r");
  if (output == nullptr) {
    std::cout << "  could not start " << cli << '\n';
    return;
  }
  std::string tmpdir;
  char line[4096];
  while (std::fgets(line, sizeof line, output) != nullptr) {
    const std::string_view text(line);
    std::cout << "  | " << text;
    if (text.starts_with("TMPDIR=")) {
      tmpdir = text.substr(7, text.size() - 8);  // without "TMPDIR=" and the newline
    }
  }
  const int status = ::pclose(output);
  std::cout << "  exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
            << "; the directory afterwards: exists() " << fs::exists(tmpdir) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  std::cout << std::boolalpha;
  std::cout << "tempfile " << tempfile::version
            << ": Python's tempfile module for C++20. A guided tour: each step shows the\n"
               "Python it mirrors, then what the C++ did.\n";
  show_directories();
  show_temporary_file();
  show_named_temporary_file();
  show_spooled_temporary_file();
  show_temporary_directory();
  show_mkstemp();
  show_errors(show_mkdtemp());
  show_pseudo_temporary_directory();
  // The tool's path: the first argument, else the one the build gave (empty without the tool).
#ifdef TEMPFILE_DEMO_CLI
  std::string cli = TEMPFILE_DEMO_CLI;
#else
  std::string cli;
#endif
  if (argc > 1) {
    cli = argv[1];
  }
  show_cli_run(cli);
}
