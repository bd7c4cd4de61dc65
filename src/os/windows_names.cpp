// SPDX-License-Identifier: MIT
// The prefixes and suffixes that would not make a plain entry on Windows (os/path.hpp,
// name_part_problem): streams, refused characters, dropped trailing characters, device names.
#include <array>
#include <string_view>

#include "os/path.hpp"

namespace tempfile::os {
namespace {

[[nodiscard]] char upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

[[nodiscard]] bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) {
      return false;
    }
  }
  return true;
}

/// Windows' reserved device names (CON, COM1, ...): a name whose part before the first '.' is one
/// of them, trailing spaces aside, opens the device. COM and LPT take the digits 0 to 9 and the
/// superscripts 1 to 3 (UTF-8 here).
[[nodiscard]] bool is_device_name(std::string_view stem) noexcept {
  while (!stem.empty() && stem.back() == ' ') {
    stem.remove_suffix(1);
  }
  static constexpr std::array<std::string_view, 6> plain = {"CON", "PRN",    "AUX",
                                                            "NUL", "CONIN$", "CONOUT$"};
  for (const std::string_view name : plain) {
    if (equal_ignoring_case(stem, name)) {
      return true;
    }
  }
  if (stem.size() < 4 || !(equal_ignoring_case(stem.substr(0, 3), "COM") ||
                           equal_ignoring_case(stem.substr(0, 3), "LPT"))) {
    return false;
  }
  const std::string_view number = stem.substr(3);
  static constexpr std::array<std::string_view, 3> superscripts = {"\xc2\xb9", "\xc2\xb2",
                                                                   "\xc2\xb3"};
  if (number.size() == 1) {
    return number[0] >= '0' && number[0] <= '9';
  }
  for (const std::string_view superscript : superscripts) {
    if (number == superscript) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* name_part_problem(std::string_view value, bool is_prefix) noexcept {
  for (const char c : value) {
    if (c == ':') {
      return "must not contain ':' (on Windows it names a stream of another file, which removing "
             "the name would leave behind)";
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 32 || std::string_view("<>\"|?*").find(c) != std::string_view::npos) {
      return "must not contain '<', '>', '\"', '|', '?', '*' or control characters (Windows "
             "refuses them in names)";
    }
  }
  if (!is_prefix && !value.empty() && (value.back() == '.' || value.back() == ' ')) {
    return "must not end in '.' or ' ' (Windows drops them from a name, so the entry would not "
           "have the name given)";
  }
  if (const std::size_t dot = value.find('.');
      is_prefix && dot != std::string_view::npos && is_device_name(value.substr(0, dot))) {
    return "must not make the name a device's (on Windows a name whose part before the first '.' "
           "is CON, PRN, AUX, NUL, COM0-9 or LPT0-9 opens that device)";
  }
  return nullptr;
}

}  // namespace tempfile::os
