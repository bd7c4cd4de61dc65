// SPDX-License-Identifier: MIT
// How a Windows guardian process takes over: the guardian is the owner's own program started
// again with its role in the command line, and a TLS callback of the program recognises that
// role before the C runtime starts (before any static constructor, before main) and runs the
// guardian instead, which ends the process. No code of the program itself runs in it.
#include <cstdint>

#include "os/windows_api.hpp"
#include "os/windows_guardian_protocol.hpp"

#ifdef __MINGW32__
// MinGW's C runtime applies its pseudo-relocations (references to data of other DLLs) at the
// start of its entry point, which the guardian never reaches: it applies them itself. The call
// is idempotent, so a C runtime that has applied them already is not disturbed.
extern "C" void _pei386_runtime_relocator(void);  // NOLINT(bugprone-reserved-identifier)
#endif

namespace tempfile::os::guardian {

const wchar_t command_line_marker[] = L"--tempfile-guardian=";

namespace {

// A decimal handle value, then `end`. Returns false (and leaves `at` anywhere) otherwise.
bool parse_handle(const wchar_t*& at, wchar_t end, HANDLE& out) noexcept {
  std::uintptr_t value = 0;
  const wchar_t* first = at;
  while (*at >= L'0' && *at <= L'9') {
    value = value * 10U + static_cast<std::uintptr_t>(*at - L'0');
    ++at;
  }
  if (at == first || *at != end || value == 0) {
    return false;
  }
  ++at;
  out = reinterpret_cast<HANDLE>(value);  // NOLINT(performance-no-int-to-ptr): a handle value
  return true;
}

// The role is recognised only in the exact shape the owner writes: the program's quoted path,
// one space, the marker, three handle values and nothing else; any other command line is the
// program's own, and the hook returns at once.
bool guardian_role(HANDLE& pipe, HANDLE& owner, HANDLE& answer) noexcept {
  const wchar_t* at = ::GetCommandLineW();
  if (at == nullptr || *at != L'"') {
    return false;
  }
  ++at;
  while (*at != L'\0' && *at != L'"') {
    ++at;
  }
  if (*at != L'"' || at[1] != L' ') {
    return false;
  }
  at += 2;
  for (const wchar_t* marker = command_line_marker; *marker != L'\0'; ++marker, ++at) {
    if (*at != *marker) {
      return false;
    }
  }
  return parse_handle(at, L':', pipe) && parse_handle(at, L':', owner) &&
         parse_handle(at, L'\0', answer);
}

// Called by the loader for the program's TLS callbacks: at the process's start (on its first
// thread, before the program's entry point) and at each thread's start and end.
void NTAPI on_process_start(PVOID /*module*/, DWORD reason, PVOID /*reserved*/) {
  if (reason != DLL_PROCESS_ATTACH) {
    return;
  }
  HANDLE pipe = nullptr;
  HANDLE owner = nullptr;
  HANDLE answer = nullptr;
  if (!guardian_role(pipe, owner, answer)) {
    return;
  }
#ifdef __MINGW32__
  _pei386_runtime_relocator();
#endif
  run(pipe, owner, answer);
}

}  // namespace
}  // namespace tempfile::os::guardian

// The callback's place in the program's TLS callback array. The C runtime's own callbacks sort
// before it (MinGW: .CRT$XLC and winpthreads' .CRT$XLF; the array ends at .CRT$XLZ), so the
// guardian runs with thread-local storage set up, and before the entry point that would run
// the program's static constructors. `used` keeps the linker from dropping it: nothing refers to
// it by name. Its object file is in every program that can start a guardian, since the owner's
// side takes command_line_marker from it.
#if defined(_MSC_VER)
#  pragma comment(linker, "/INCLUDE:_tls_used")
#  pragma comment(linker, "/INCLUDE:tempfile_guardian_tls_callback")
#  pragma const_seg(".CRT$XLY")
extern "C" const PIMAGE_TLS_CALLBACK tempfile_guardian_tls_callback =
    &tempfile::os::guardian::on_process_start;
#  pragma const_seg()
#else
extern "C" {
__attribute__((section(".CRT$XLY"), used)) PIMAGE_TLS_CALLBACK tempfile_guardian_tls_callback =
    &tempfile::os::guardian::on_process_start;
}
#endif
