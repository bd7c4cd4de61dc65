// SPDX-License-Identifier: MIT
// The command tempfile-cli run starts in the Windows CLI tests (cli_test.cpp):
//   cli_helper args ARG...      prints each ARG on a line of its own, between '<' and '>', as
//                               the command line reached it (CommandLineToArgvW)
//   cli_helper write STATUS     writes a file into %TMPDIR%, prints %TMPDIR%, exits STATUS
//   cli_helper leave-holder     starts "cli_helper hold" and exits 0 without waiting for it
//   cli_helper hold             opens a file in %TMPDIR% without sharing deletion and sleeps
//                               until it is killed
//   cli_helper ctrl-c           writes a file into %TMPDIR%, sends Ctrl+C to every process of
//                               its console (the tool's too), and exits 5 once its own handler
//                               has seen the event (3 if it never comes)
#include <windows.h>
// windows.h first: shellapi.h needs its types.
#include <shellapi.h>

#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <string>

namespace {

std::wstring tmpdir() {
  wchar_t buffer[MAX_PATH] = {};
  const DWORD length = ::GetEnvironmentVariableW(L"TMPDIR", buffer, MAX_PATH);
  return std::wstring(buffer, length < MAX_PATH ? length : 0);
}

int print_arguments(int count, wchar_t** arguments) {
  for (int i = 2; i < count; ++i) {
    const int bytes =
        ::WideCharToMultiByte(CP_UTF8, 0, arguments[i], -1, nullptr, 0, nullptr, nullptr);
    std::string text(static_cast<std::size_t>(bytes > 0 ? bytes : 1), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, arguments[i], -1, text.data(), bytes, nullptr, nullptr);
    text.resize(text.size() - 1);
    std::printf("<%s>\n", text.c_str());
  }
  return 0;
}

int write_and_exit(int status) {
  const std::wstring file = tmpdir() + L"\\written";
  HANDLE handle = ::CreateFileW(file.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return 99;
  }
  ::CloseHandle(handle);
  std::printf("%ls\n", tmpdir().c_str());
  return status;
}

int start_holder(const wchar_t* self) {
  std::wstring command = L"\"" + std::wstring(self) + L"\" hold";
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION started{};
  if (::CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr,
                       &startup, &started) == 0) {
    return 98;
  }
  ::CloseHandle(started.hThread);
  // Wait until the holder holds its file, then leave it running.
  const std::wstring held = tmpdir() + L"\\held";
  for (int wait = 0; wait < 3000 && ::GetFileAttributesW(held.c_str()) == INVALID_FILE_ATTRIBUTES;
       ++wait) {
    ::Sleep(10);
  }
  ::CloseHandle(started.hProcess);
  std::printf("left a holder\n");
  return 0;
}

int hold() {
  const std::wstring file = tmpdir() + L"\\held";
  // Not sharing deletion: the directory cannot be removed while this handle is open.
  HANDLE handle = ::CreateFileW(file.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, CREATE_NEW,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    return 97;
  }
  ::Sleep(INFINITE);
  return 0;
}

volatile LONG event_seen = 0;

BOOL WINAPI note_event(DWORD event) {
  if (event == CTRL_C_EVENT) {
    ::InterlockedExchange(&event_seen, 1);
    return TRUE;
  }
  return FALSE;
}

int send_ctrl_c() {
  if (write_and_exit(0) != 0) {
    return 99;
  }
  std::fflush(stdout);
  // Ctrl+C processing is an attribute a process inherits: make sure it is on here.
  ::SetConsoleCtrlHandler(nullptr, FALSE);
  ::SetConsoleCtrlHandler(note_event, TRUE);
  if (::GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0) == 0) {
    return 96;
  }
  for (int wait = 0; wait < 1000 && ::InterlockedCompareExchange(&event_seen, 0, 0) == 0; ++wait) {
    ::Sleep(10);
  }
  return ::InterlockedCompareExchange(&event_seen, 0, 0) != 0 ? 5 : 3;
}

}  // namespace

int main() {
  int count = 0;
  wchar_t** arguments = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (arguments == nullptr || count < 2) {
    return 2;
  }
  const std::wstring mode = arguments[1];
  if (mode == L"args") {
    return print_arguments(count, arguments);
  }
  if (mode == L"write" && count == 3) {
    return write_and_exit(::_wtoi(arguments[2]));
  }
  if (mode == L"leave-holder") {
    return start_holder(arguments[0]);
  }
  if (mode == L"ctrl-c") {
    return send_ctrl_c();
  }
  if (mode == L"hold") {
    return hold();
  }
  return 2;
}
