// SPDX-License-Identifier: MIT
// Windows path syntax (os/path.hpp): GetFullPathNameW for absolute paths, GetTempPath2W and
// Python's fixed candidates, UTF-8 <-> UTF-16 for std::filesystem::path, and long paths made
// acceptable to the W calls (the \\?\ prefix).
#include "os/windows_path.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

#include "os/path.hpp"
#include "os/sys.hpp"
#include "os/windows_api.hpp"
#include "os/windows_error.hpp"

namespace tempfile::os {
namespace {

bool is_drive_letter(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// How many characters of an absolute path its root takes, its last separator included:
// "C:\" 3, "\\server\share\" (a UNC path) up to and with the separator after the share, "\" 1
// (the current drive's root); 0 for a relative path.
std::size_t root_length(std::string_view path) noexcept {
  if (path.size() >= 2 && is_drive_letter(path[0]) && path[1] == ':') {
    return path.size() >= 3 && is_separator(path[2]) ? 3 : 2;
  }
  if (path.size() >= 2 && is_separator(path[0]) && is_separator(path[1])) {
    // \\server\share\ : skip the server, then the share.
    std::size_t at = 2;
    for (int part = 0; part < 2; ++part) {
      while (at < path.size() && !is_separator(path[at])) {
        ++at;
      }
      if (at < path.size()) {
        ++at;  // the separator after the server, then after the share
      }
    }
    return at;
  }
  return !path.empty() && is_separator(path[0]) ? 1 : 0;
}

// The temporary directory Windows itself names: GetTempPath2W (Windows 11, Windows Server 2022,
// Windows 10 with its later cumulative updates) gives SYSTEM processes a directory of their own
// instead of the shared C:\Windows\Temp; GetTempPathW is the same for every other process. Looked
// up at run time so that the program still starts on a Windows without it.
std::string system_temp_path() {
  using GetTempPath2 = DWORD(WINAPI*)(DWORD, LPWSTR);
  GetTempPath2 get = nullptr;
  if (HMODULE kernel = ::GetModuleHandleW(L"kernel32.dll"); kernel != nullptr) {
    // Through void (*)(), the one function type GCC lets any other be cast to and from.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    get = reinterpret_cast<GetTempPath2>(
        reinterpret_cast<void (*)()>(::GetProcAddress(kernel, "GetTempPath2W")));
  }
  std::wstring buffer(MAX_PATH + 1, L'\0');
  const DWORD length = get != nullptr
                           ? get(static_cast<DWORD>(buffer.size()), buffer.data())
                           : ::GetTempPathW(static_cast<DWORD>(buffer.size()), buffer.data());
  if (length == 0 || length >= buffer.size()) {
    return {};
  }
  buffer.resize(length);
  return windows::narrow(buffer);
}

// Takes trailing separators off, except the root's own: Python's normpath does the same to
// what GetFullPathNameW and GetTempPathW give.
void drop_trailing_separators(std::string& path) {
  const std::size_t root = root_length(path);
  while (path.size() > root && is_separator(path.back())) {
    path.pop_back();
  }
}

// GetFullPathNameW of `wide`: Python's ntpath.abspath, and what the W calls make of a path.
Errno full_path(const std::wstring& wide, std::wstring& full) {
  full.assign(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length =
        ::GetFullPathNameW(wide.c_str(), static_cast<DWORD>(full.size()), full.data(), nullptr);
    if (length == 0) {
      return windows::errno_from_win32(::GetLastError());
    }
    if (length < full.size()) {
      full.resize(length);
      return 0;
    }
    full.resize(length);  // the size needed, terminating NUL included
  }
}

}  // namespace

bool is_normal_absolute(std::string_view path) noexcept {
  if (path.size() < 3 || !is_drive_letter(path[0]) || path[1] != ':' || path[2] != '\\') {
    return false;
  }
  // Each component must be one that GetFullPathNameW would give back unchanged: not empty, not
  // "." or "..", not ending in a dot or a space (Windows drops those), and '\' the only separator.
  std::size_t start = 3;
  while (start < path.size()) {
    const std::size_t end = std::min(path.find('\\', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part.back() == '.' || part.back() == ' ' ||
        part.find('/') != std::string_view::npos) {
      return false;
    }
    if (end == path.size()) {
      return true;
    }
    start = end + 1;
  }
  return path.size() == 3;  // "C:\" itself; "C:\a\" has a trailing separator
}

std::string_view parent_of_absolute(std::string_view absolute) noexcept {
  const std::size_t root = root_length(absolute);
  const std::size_t separator = absolute.find_last_of(separators);
  if (separator == std::string_view::npos || separator < root) {
    return absolute.substr(0, root);
  }
  return absolute.substr(0, separator);
}

Errno absolute_path(std::string_view path, std::string& out) {
  if (is_normal_absolute(path)) {
    out = path;
    return 0;
  }
  if (path.empty()) {
    return current_directory(out);
  }
  std::wstring wide;
  if (const Errno err = windows::widen(path, wide); err != 0) {
    return err;
  }
  std::wstring full;
  if (const Errno err = full_path(wide, full); err != 0) {
    return err;
  }
  out = windows::narrow(full);
  drop_trailing_separators(out);
  return 0;
}

namespace windows {

Errno widen_path(std::string_view utf8, std::wstring& out) {
  if (const Errno err = widen(utf8, out); err != 0) {
    return err;
  }
  // The classic limit counts the full path: CreateDirectoryW's is MAX_PATH less 12 (room for an
  // 8.3 name), the others' MAX_PATH with the terminating NUL.
  constexpr std::size_t classic_limit = MAX_PATH - 12;
  const bool prefixed = out.size() >= 4 && (out[0] == L'\\' || out[0] == L'/') &&
                        (out[1] == L'\\' || out[1] == L'/') && (out[2] == L'?' || out[2] == L'.') &&
                        (out[3] == L'\\' || out[3] == L'/');
  if (prefixed || out.empty()) {
    return 0;
  }
  if (out.size() < classic_limit) {
    // Short as given; a relative path is as long as the full path it stands for.
    const bool absolute =
        (out.size() >= 3 && out[1] == L':' && (out[2] == L'\\' || out[2] == L'/')) ||
        (out.size() >= 2 && (out[0] == L'\\' || out[0] == L'/') &&
         (out[1] == L'\\' || out[1] == L'/'));
    if (absolute) {
      return 0;
    }
    const DWORD needed = ::GetFullPathNameW(out.c_str(), 0, nullptr, nullptr);
    if (needed == 0 || needed <= classic_limit) {
      return 0;  // a failure is the W call's to report
    }
  }
  std::wstring full;
  if (full_path(out, full) != 0) {
    return 0;  // left as it is: the W call reports what is wrong with it
  }
  if (full.size() >= 2 && full[0] == L'\\' && full[1] == L'\\') {
    out = L"\\\\?\\UNC\\" + full.substr(2);  // \\server\share\... -> \\?\UNC\server\share\...
  } else {
    out = L"\\\\?\\" + full;
  }
  return 0;
}

}  // namespace windows

std::vector<std::string> fixed_tempdir_candidates() {
  std::vector<std::string> candidates;
  if (std::string system = system_temp_path(); !system.empty()) {
    drop_trailing_separators(system);
    candidates.push_back(std::move(system));
  }
  // Python: expanduser(r'~\AppData\Local\Temp') and expandvars(r'%SYSTEMROOT%\Temp'). A
  // variable that is not set leaves Python a literal "~" or "%SYSTEMROOT%" relative to the
  // current directory, a candidate that names nothing meant: left out here.
  if (auto profile = environment_variable("USERPROFILE"); profile && !profile->empty()) {
    candidates.push_back(*profile + "\\AppData\\Local\\Temp");
  } else if (auto drive = environment_variable("HOMEDRIVE"),
             home = environment_variable("HOMEPATH");
             drive && home && !home->empty()) {
    candidates.push_back(*drive + *home + "\\AppData\\Local\\Temp");
  }
  if (auto root = environment_variable("SYSTEMROOT"); root && !root->empty()) {
    candidates.push_back(*root + "\\Temp");
  }
  for (const char* fixed : {"C:\\TEMP", "C:\\TMP", "\\TEMP", "\\TMP"}) {
    candidates.emplace_back(fixed);
  }
  return candidates;
}

std::filesystem::path to_path(std::string_view utf8) {
  if (utf8.empty() || utf8.size() > static_cast<std::size_t>(INT_MAX)) {
    return {};
  }
  // Without MB_ERR_INVALID_CHARS: ill-formed bytes become U+FFFD rather than no path at all.
  const int length = static_cast<int>(utf8.size());
  const int wide = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), length, nullptr, 0);
  std::wstring out(static_cast<std::size_t>(wide > 0 ? wide : 0), L'\0');
  if (wide > 0) {
    ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), length, out.data(), wide);
  }
  return {std::move(out)};
}

std::string from_path(const std::filesystem::path& path) {
  return windows::narrow(path.native());
}

}  // namespace tempfile::os
