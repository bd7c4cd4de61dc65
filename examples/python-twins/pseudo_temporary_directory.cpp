// SPDX-License-Identifier: MIT
// The seed's PseudoTemporaryDirectory: two files written into it, and the directory gone after
// the scope, after an exception, and after its process is killed with SIGKILL. The C++ twin of
//     with tempfile.PseudoTemporaryDirectory() as temp_dir:
//         with open(f'{temp_dir}/file1.txt', 'w') as file1:
//             file1.write('Hello, world!')
//         with open(f'{temp_dir}/file2.txt', 'w') as file2:
//             file2.write('Goodbye, world!')
//     # The directory is now deleted
// The Python code prints nothing; the twin prints what it wrote and whether the directory exists.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <tempfile/tempfile.hpp>
#include <thread>

namespace fs = std::filesystem;

namespace {

std::string read_back(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_two_files(const tempfile::PseudoTemporaryDirectory& temp_dir) {
  std::ofstream(temp_dir / "file1.txt") << "Hello, world!";
  std::ofstream(temp_dir / "file2.txt") << "Goodbye, world!";
}

// The strongest reading of "deleted regardless": the process holding it is killed, so no
// destructor runs; its guardian process removes it. Returns whether it is gone.
bool gone_after_sigkill() {
  int ends[2];
  if (::pipe(ends) != 0) {
    return false;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    auto* temp_dir = new tempfile::PseudoTemporaryDirectory();  // never deleted
    write_two_files(*temp_dir);
    const std::string name = temp_dir->name().string();
    static_cast<void>(::write(ends[1], name.data(), name.size()));
    for (;;) {
      ::pause();
    }
  }
  ::close(ends[1]);
  std::string name(4096, '\0');
  const ssize_t got = ::read(ends[0], name.data(), name.size());
  ::close(ends[0]);
  name.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  for (int i = 0; i < 500 && fs::exists(name); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !name.empty() && !fs::exists(name);
}

}  // namespace

int main() {
  std::cout << std::boolalpha;
  fs::path name;
  {
    const tempfile::PseudoTemporaryDirectory temp_dir;
    name = temp_dir.name();
    write_two_files(temp_dir);
    std::cout << "file1.txt: " << read_back(temp_dir / "file1.txt") << '\n';
    std::cout << "file2.txt: " << read_back(temp_dir / "file2.txt") << '\n';
  }
  std::cout << "after the scope, exists: " << fs::exists(name) << '\n';
  try {
    const tempfile::PseudoTemporaryDirectory temp_dir;
    name = temp_dir.name();
    write_two_files(temp_dir);
    throw std::runtime_error("an error while it is in use");
  } catch (const std::runtime_error&) {
    std::cout << "after an exception, exists: " << fs::exists(name) << '\n';
  }
  std::cout << "after its process is killed with SIGKILL, gone: " << gone_after_sigkill() << '\n';
}
