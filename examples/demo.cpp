// SPDX-License-Identifier: MIT
// The README demo: a short tour of the tempfile library, printing each step and what it observed
// (its test matches the whole output, so what it says is checked).
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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

void show_directories() {
  std::cout << "gettempdir()    -> " << tempfile::gettempdir().string() << '\n';
  std::cout << "gettempprefix() -> " << tempfile::gettempprefix() << "\n\n";
}

// mkstemp: a new file only we can open, as a raw descriptor that the caller closes and removes.
void show_mkstemp() {
  auto [fd, path] = tempfile::mkstemp({.suffix = ".txt"});
  std::cout << "mkstemp({.suffix = \".txt\"})\n";
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
  std::cout << "  closed the fd and removed the file: exists() " << fs::exists(path) << "\n\n";
}

// mkdtemp: a new private directory; returns it, already removed, to show errors with.
fs::path show_mkdtemp() {
  fs::path dir = tempfile::mkdtemp({.prefix = "demo-"});
  std::cout << "mkdtemp({.prefix = \"demo-\"})\n";
  std::cout << "  path " << dir.string() << ", mode " << octal_mode(dir) << '\n';

  std::ofstream(dir / "notes.txt") << "scratch data\n";
  std::cout << "  created notes.txt inside: is_regular_file() "
            << fs::is_regular_file(dir / "notes.txt") << '\n';
  tempfile::rmtree(dir);
  std::cout << "  removed the directory and its contents with rmtree(): exists() "
            << fs::exists(dir) << "\n\n";
  return dir;
}

// Every OS failure is a tempfile::error (a std::filesystem::filesystem_error) naming the
// directory; the std::error_code overloads report the same failure without throwing.
void show_errors(const fs::path& missing_dir) {
  std::cout << "mkstemp({.dir = <the directory just removed>}) throws tempfile::error:\n";
  try {
    const auto unexpected = tempfile::mkstemp({.dir = missing_dir});
    std::cout << "  no: created " << unexpected.path.string() << '\n';
    ::close(unexpected.fd);
    fs::remove(unexpected.path);
  } catch (const tempfile::error& e) {
    std::cout << "  what():  " << e.what() << '\n';
    std::cout << "  code():  " << e.code() << " (" << e.code().message() << ")\n";
    std::cout << "  path2(): " << e.path2().string() << " (the name that was tried)\n\n";
  }

  std::error_code ec;
  const auto result = tempfile::mkstemp({.dir = missing_dir}, ec);
  std::cout << "mkstemp({.dir = <the directory just removed>}, ec) does not throw:\n";
  std::cout << "  fd " << result.fd << ", ec.message() \"" << ec.message() << "\"\n\n";

  std::cout << "mkstemp({.prefix = \"a/b\"}) throws std::invalid_argument:\n";
  try {
    const auto unexpected = tempfile::mkstemp({.prefix = "a/b"});
    std::cout << "  no: created " << unexpected.path.string() << '\n';
    ::close(unexpected.fd);
    fs::remove(unexpected.path);
  } catch (const std::invalid_argument& e) {
    std::cout << "  " << e.what() << '\n';
  }
}

// The file objects: a named text file read back with universal newlines, then an anonymous
// binary one whose storage no name ever reaches.
void show_file_objects() {
  std::cout << "\nNamedTemporaryFile({.mode = \"w+\", .suffix = \".txt\"})\n";
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
    std::cout << "  name " << name.string() << ", read back " << lines.size()
              << " characters with \\r\\n translated, newlines() has " << f.newlines().size()
              << " kinds\n";
  }
  std::cout << "  removed when the object died: exists() " << fs::exists(name) << '\n';

  tempfile::TemporaryFile anonymous;
  anonymous.stream() << "written through std::iostream, " << 42 << '\n';
  anonymous.seek(0);
  const std::string text = anonymous.readline();
  std::cout << "TemporaryFile(): name() is fd " << anonymous.name().string()
            << ", read back: " << text;

  tempfile::SpooledTemporaryFile spooled({.max_size = 1024});
  spooled.write(std::string(1000, 'a'));
  std::cout << "SpooledTemporaryFile({.max_size = 1024}): 1000 bytes, rolled() "
            << spooled.rolled();
  spooled.write(std::string(100, 'b'));
  std::cout << "; 1100 bytes, rolled() " << spooled.rolled() << ", now fd "
            << spooled.name().string() << " at position " << spooled.tell() << '\n';
}

// A directory tree that removes itself, symbolic links pointing out of it included, without
// ever following them.
void show_temporary_directory() {
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
    std::cout << "\nTemporaryDirectory({.prefix = \"demo-\"}): " << name.string()
              << " with a/b/data.txt and a symlink to a directory outside\n";
  }
  std::cout << "  removed when the object died: exists() " << fs::exists(name)
            << "; the symlink's target is intact: " << read_text(kept / "precious.txt") << '\n';
  tempfile::rmtree(kept);
}

// A directory that goes even when its process is killed with SIGKILL, which no destructor, exit
// handler or signal handler survives: its guardian process removes it.
void show_pseudo_temporary_directory() {
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
  std::cout << "\nPseudoTemporaryDirectory({.prefix = \"demo-\"}) in a child process: " << name
            << " with build/objects/main.o\n";
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

}  // namespace

int main() {
  std::cout << std::boolalpha;
  std::cout << "tempfile " << tempfile::version << ": Python's tempfile module for C++20\n\n";
  show_directories();
  show_mkstemp();
  show_errors(show_mkdtemp());
  show_file_objects();
  show_temporary_directory();
  show_pseudo_temporary_directory();
}
