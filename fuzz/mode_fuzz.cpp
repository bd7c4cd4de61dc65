// SPDX-License-Identifier: MIT
// libFuzzer target: the mode parser accepts exactly Python's grammar, never crashes, and what
// it accepts is self-consistent. A reference check written independently decides acceptance.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "io/mode.hpp"

namespace {

// Python's rule, stated directly: letters from "rwxab+t", each at most once, exactly one of
// r/w/x/a, not both b and t.
bool python_accepts(std::string_view mode) {
  constexpr std::string_view letters = "rwxab+t";
  int counts[7] = {};
  for (const char c : mode) {
    const std::size_t i = letters.find(c);
    if (c == '\0' || i == std::string_view::npos || ++counts[i] > 1) {
      return false;
    }
  }
  const int accesses = counts[0] + counts[1] + counts[2] + counts[3];
  return accesses == 1 && !(counts[4] == 1 && counts[6] == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view mode(reinterpret_cast<const char*>(data), size);
  bool accepted = false;
  tempfile::io::OpenMode parsed;
  try {
    parsed = tempfile::io::parse_mode(mode);
    accepted = true;
  } catch (const std::invalid_argument&) {
    accepted = false;
  }
  if (accepted != python_accepts(mode)) {
    __builtin_trap();
  }
  if (accepted) {
    const bool plus = mode.find('+') != std::string_view::npos;
    const bool binary = mode.find('b') != std::string_view::npos;
    const bool read_access = mode.find('r') != std::string_view::npos;
    if (parsed.update != plus || parsed.binary != binary ||
        parsed.readable() != (read_access || plus) || parsed.writable() != (!read_access || plus) ||
        parsed.raw_mode().size() != (plus ? 3U : 2U)) {
      __builtin_trap();
    }
  }
  return 0;
}
