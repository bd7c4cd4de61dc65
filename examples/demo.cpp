// SPDX-License-Identifier: MIT
// The README demo: a short tour of what the tempfile library does so far, printing each step
// and checking that what it prints really happened.
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tempfile/tempfile.hpp>

namespace fs = std::filesystem;

namespace {

// Thrown when something the demo describes did not happen, so the demo cannot lie.
struct DemoFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(bool ok, const std::string& what) {
  if (!ok) {
    throw DemoFailure(what);
  }
}

// "0600" for rw-------: the permission bits as Python's oct() would show them.
std::string octal_mode(const fs::path& path) {
  const auto bits = static_cast<unsigned>(fs::status(path).permissions() & fs::perms::mask);
  std::string digits;
  for (int shift = 9; shift >= 0; shift -= 3) {
    digits += static_cast<char>('0' + ((bits >> static_cast<unsigned>(shift)) & 7U));
  }
  return digits;
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
  check(written == static_cast<ssize_t>(greeting.size()), "short write to " + path.string());
  check(::lseek(fd, 0, SEEK_SET) == 0, "cannot rewind " + path.string());
  std::string read_back(greeting.size(), '\0');
  const ssize_t read = ::read(fd, read_back.data(), read_back.size());
  check(read == written && read_back == greeting, "read back '" + read_back + "'");
  std::cout << "  wrote \"" << greeting << "\" and read it back through the fd\n";

  check(::close(fd) == 0, "close failed");
  fs::remove(path);
  check(!fs::exists(path), path.string() + " was not removed");
  std::cout << "  closed the fd and removed the file\n\n";
}

// mkdtemp: a new private directory; returns it, already removed, to show errors with.
fs::path show_mkdtemp() {
  fs::path dir = tempfile::mkdtemp({.prefix = "demo-"});
  std::cout << "mkdtemp({.prefix = \"demo-\"})\n";
  std::cout << "  path " << dir.string() << ", mode " << octal_mode(dir) << '\n';

  std::ofstream(dir / "notes.txt") << "scratch data\n";
  check(fs::is_regular_file(dir / "notes.txt"), "notes.txt was not created");
  fs::remove_all(dir);
  check(!fs::exists(dir), dir.string() + " was not removed");
  std::cout << "  created notes.txt inside, then removed the directory and its contents\n\n";
  return dir;
}

// Every OS failure is a tempfile::error (a std::filesystem::filesystem_error) naming the
// directory; the std::error_code overloads report the same failure without throwing.
void show_errors(const fs::path& missing_dir) {
  std::cout << "mkstemp({.dir = <the directory just removed>}) throws tempfile::error:\n";
  try {
    const auto unexpected = tempfile::mkstemp({.dir = missing_dir});
    ::close(unexpected.fd);
    fs::remove(unexpected.path);
    throw DemoFailure("mkstemp succeeded in a removed directory");
  } catch (const tempfile::error& e) {
    std::cout << "  what():  " << e.what() << '\n';
    std::cout << "  code():  " << e.code() << " (" << e.code().message() << ")\n";
    std::cout << "  path2(): " << e.path2().string() << " (the name that was tried)\n\n";
  }

  std::error_code ec;
  const auto result = tempfile::mkstemp({.dir = missing_dir}, ec);
  check(result.fd == -1 && ec == std::errc::no_such_file_or_directory,
        "ec overload: " + ec.message());
  std::cout << "mkstemp({.dir = <the directory just removed>}, ec) does not throw:\n";
  std::cout << "  fd " << result.fd << ", ec.message() \"" << ec.message() << "\"\n\n";

  std::cout << "mkstemp({.prefix = \"a/b\"}) throws std::invalid_argument:\n";
  try {
    const auto unexpected = tempfile::mkstemp({.prefix = "a/b"});
    ::close(unexpected.fd);
    fs::remove(unexpected.path);
    throw DemoFailure("mkstemp accepted a prefix with '/'");
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
    check(lines == "Hello\nworld\n", "universal newlines read back " + lines);
    std::cout << "  name " << name.string() << ", read back " << lines.size()
              << " characters with \\r\\n translated, newlines() has " << f.newlines().size()
              << " kinds\n";
  }
  check(!fs::exists(name), "NamedTemporaryFile left " + name.string());
  std::cout << "  removed when the object died\n";

  tempfile::TemporaryFile anonymous;
  anonymous.stream() << "written through std::iostream, " << 42 << '\n';
  anonymous.seek(0);
  const std::string text = anonymous.readline();
  check(text == "written through std::iostream, 42\n", "TemporaryFile read back " + text);
  std::cout << "TemporaryFile(): name() is fd " << anonymous.name().string()
            << ", read back: " << text;

  tempfile::SpooledTemporaryFile spooled({.max_size = 1024});
  spooled.write(std::string(1000, 'a'));
  const bool in_memory = !spooled.rolled();
  spooled.write(std::string(100, 'b'));
  check(in_memory && spooled.rolled() && spooled.tell() == 1100, "SpooledTemporaryFile rollover");
  std::cout << "SpooledTemporaryFile({.max_size = 1024}): 1000 bytes in memory, 1100 rolled over "
               "to fd "
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
  check(!fs::exists(name), "TemporaryDirectory left " + name.string());
  check(fs::exists(kept / "precious.txt"), "the symlink's target was touched");
  std::cout << "  removed when the object died; the symlink's target is intact\n";
  tempfile::rmtree(kept);
}

}  // namespace

int main() {
  try {
    std::cout << "tempfile " << tempfile::version << ": Python's tempfile module for C++20\n\n";
    show_directories();
    show_mkstemp();
    show_errors(show_mkdtemp());
    show_file_objects();
    show_temporary_directory();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "demo failed: " << e.what() << '\n';
    return 1;
  }
}
