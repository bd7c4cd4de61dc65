// SPDX-License-Identifier: MIT
// support/windows_child.hpp: GetModuleFileNameW and CreateProcessW.
#include "support/windows_child.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tempfile::test {

HANDLE start_child_test(const wchar_t* child_test, DWORD flags, STARTUPINFOW* startup) {
  wchar_t program[MAX_PATH] = {};
  if (::GetModuleFileNameW(nullptr, program, MAX_PATH) == 0) {
    ADD_FAILURE() << "GetModuleFileNameW failed, error " << ::GetLastError();
    return nullptr;
  }
  std::wstring command = L"\"" + std::wstring(program) + L"\" --gtest_filter=WindowsChildProcess." +
                         std::wstring(child_test);
  STARTUPINFOW plain{};
  plain.cb = sizeof plain;
  PROCESS_INFORMATION child{};
  if (::CreateProcessW(program, command.data(), nullptr, nullptr, FALSE, flags, nullptr, nullptr,
                       startup != nullptr ? startup : &plain, &child) == 0) {
    ADD_FAILURE() << "CreateProcessW failed, error " << ::GetLastError();
    return nullptr;
  }
  ::CloseHandle(child.hThread);
  return child.hProcess;
}

}  // namespace tempfile::test
