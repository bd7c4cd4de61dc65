// SPDX-License-Identifier: MIT
// The seed's PseudoTemporaryDirectory: two files written into it, and the directory gone after
// the scope, after an exception, and after its process is killed (SIGKILL on POSIX,
// TerminateProcess on Windows). The C++ twin of
//     with tempfile.PseudoTemporaryDirectory() as temp_dir:
//         with open(f'{temp_dir}/file1.txt', 'w') as file1:
//             file1.write('Hello, world!')
//         with open(f'{temp_dir}/file2.txt', 'w') as file2:
//             file2.write('Goodbye, world!')
//     # The directory is now deleted
// The Python code prints nothing; the twin prints what it wrote and whether the directory exists.
// Only the kill differs between the systems: fork() and SIGKILL, or the same program started
// again with --hold and ended with TerminateProcess.
#ifdef _WIN32
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>

#  include <cstdlib>
#  include <string_view>
#else
#  include <signal.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

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

#ifdef _WIN32
constexpr const char* kill_name = "TerminateProcess";

// The child's part: a directory that is never destroyed, its name on standard output, and a
// wait for the kill.
[[noreturn]] void hold_until_killed() {
  auto* temp_dir = new tempfile::PseudoTemporaryDirectory();  // never deleted
  write_two_files(*temp_dir);
  std::cout << temp_dir->name().string() << std::endl;
  ::Sleep(INFINITE);
  std::abort();
}

// The strongest reading of "deleted regardless": the process holding it is killed, so no
// destructor runs; its guardian process removes it. Returns whether it is gone.
bool gone_after_kill() {
  // The child's standard output: a pipe whose writing end it inherits, and nothing else.
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE reading = nullptr;
  HANDLE writing = nullptr;
  if (::CreatePipe(&reading, &writing, &inheritable, 0) == 0) {
    return false;
  }
  ::SetHandleInformation(reading, HANDLE_FLAG_INHERIT, 0);
  wchar_t program[MAX_PATH] = {};
  ::GetModuleFileNameW(nullptr, program, MAX_PATH);
  std::wstring command = L"\"" + std::wstring(program) + L"\" --hold";
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdOutput = writing;
  PROCESS_INFORMATION child{};
  const BOOL started = ::CreateProcessW(program, command.data(), nullptr, nullptr, TRUE, 0, nullptr,
                                        nullptr, &startup, &child);
  ::CloseHandle(writing);
  if (started == 0) {
    ::CloseHandle(reading);
    return false;
  }
  ::CloseHandle(child.hThread);
  std::string name;
  char byte = 0;
  DWORD got = 0;
  while (::ReadFile(reading, &byte, 1, &got, nullptr) != 0 && got == 1 && byte != '\n') {
    if (byte != '\r') {
      name += byte;
    }
  }
  ::CloseHandle(reading);
  ::TerminateProcess(child.hProcess, 9);
  ::WaitForSingleObject(child.hProcess, INFINITE);
  ::CloseHandle(child.hProcess);
  for (int i = 0; i < 500 && fs::exists(name); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !name.empty() && !fs::exists(name);
}
#else
constexpr const char* kill_name = "SIGKILL";

// The strongest reading of "deleted regardless": the process holding it is killed, so no
// destructor runs; its guardian process removes it. Returns whether it is gone.
bool gone_after_kill() {
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
#endif

}  // namespace

int main([[maybe_unused]] int argc, [[maybe_unused]] char** argv) {
#ifdef _WIN32
  if (argc == 2 && std::string_view(argv[1]) == "--hold") {
    hold_until_killed();
  }
#endif
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
  std::cout << "after its process is killed with " << kill_name << ", gone: " << gone_after_kill()
            << '\n';
}
