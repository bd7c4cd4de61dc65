// SPDX-License-Identifier: MIT
// The environment helpers (support/environment.hpp) on Windows: the process environment in
// UTF-16, which the library reads; _wputenv_s keeps the C runtime's copy in step with it.
#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): _wputenv_s is the C runtime's

#include <string>
#include <system_error>
#include <vector>

#include "os/windows_api.hpp"
#include "support/environment.hpp"

namespace tempfile::test {
namespace {

std::wstring widen(const std::string& text) {
  if (text.empty()) {
    return {};
  }
  const int size = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                                         static_cast<int>(text.size()), nullptr, 0);
  if (size <= 0) {
    throw std::system_error(EILSEQ, std::generic_category(), "not UTF-8: " + text);
  }
  std::wstring wide(static_cast<std::size_t>(size), L'\0');
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()),
                        wide.data(), size);
  return wide;
}

std::string narrow(const std::wstring& wide) {
  if (wide.empty()) {
    return {};
  }
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                                         nullptr, 0, nullptr, nullptr);
  std::string text(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), text.data(), size,
                        nullptr, nullptr);
  return text;
}

}  // namespace

std::optional<std::string> environment_value(const std::string& name) {
  const std::wstring wide_name = widen(name);
  std::vector<wchar_t> buffer(256);
  for (;;) {
    ::SetLastError(ERROR_SUCCESS);
    const DWORD length = ::GetEnvironmentVariableW(wide_name.c_str(), buffer.data(),
                                                   static_cast<DWORD>(buffer.size()));
    if (length == 0) {
      if (::GetLastError() == ERROR_ENVVAR_NOT_FOUND) {
        return std::nullopt;
      }
      return std::string();
    }
    if (length < buffer.size()) {
      return narrow(std::wstring(buffer.data(), length));
    }
    buffer.resize(length);
  }
}

void set_environment_value(const std::string& name, const std::optional<std::string>& value) {
  // _wputenv_s changes the process environment and the C runtime's copy together; given an
  // empty value it removes the variable, so an explicitly empty one is set on the process
  // environment alone (the C runtime's copy cannot hold it).
  const std::wstring wide_name = widen(name);
  const bool done = value && value->empty()
                        ? ::SetEnvironmentVariableW(wide_name.c_str(), L"") != 0
                        : ::_wputenv_s(wide_name.c_str(), value ? widen(*value).c_str() : L"") == 0;
  if (!done) {
    throw std::system_error(EINVAL, std::generic_category(), "set environment " + name);
  }
}

}  // namespace tempfile::test
