// SPDX-License-Identifier: MIT
// The mode parser: CPython's io.open rules and messages.
#include "io/mode.hpp"

#include <bit>
#include <stdexcept>

namespace tempfile::io {
namespace {

[[noreturn]] void reject(std::string_view reason, std::string_view mode) {
  std::string shown;
  for (const char c : mode) {
    shown += c == '\0' ? std::string("\\0") : std::string(1, c);
  }
  throw std::invalid_argument("tempfile: " + std::string(reason) + ": '" + shown + "'");
}

}  // namespace

std::string OpenMode::raw_mode() const {
  // CPython's FileIO.mode (Modules/_io/fileio.c, mode_string), as 3.11-3.14 spell it: the
  // access letter says how the file was opened, so "w+" reads back as "rb+" ("r+" is what
  // reopening it would take). Chars, not one-letter strings: g++ 12 at -O3 reports a false
  // -Wrestrict for the latter.
  std::string raw;
  switch (access) {
    case Access::create:
      raw = 'x';
      break;
    case Access::append:
      raw = 'a';
      break;
    case Access::read:
    case Access::write:
      raw = readable() ? 'r' : 'w';
      break;
  }
  raw += 'b';
  if (update) {
    raw += '+';
  }
  return raw;
}

OpenMode parse_mode(std::string_view mode) {
  constexpr std::string_view letters = "rwxab+t";
  unsigned seen = 0;
  for (const char c : mode) {
    const std::size_t index = letters.find(c);
    if (c == '\0' || index == std::string_view::npos || (seen & (1U << index)) != 0) {
      reject("invalid mode", mode);
    }
    seen |= 1U << index;
  }
  const auto has = [&](char c) { return (seen & (1U << letters.find(c))) != 0; };
  if (has('t') && has('b')) {
    reject("can't have text and binary mode at once", mode);
  }
  // "rwxa" are the first four letters, so their bits are the low four.
  const int accesses = std::popcount(seen & 0xFU);
  if (accesses > 1) {
    reject("must have exactly one of create/read/write/append mode", mode);
  }
  if (accesses == 0) {
    reject("must have exactly one of create/read/write/append mode and at most one plus", mode);
  }
  OpenMode parsed;
  parsed.access = has('r')   ? OpenMode::Access::read
                  : has('x') ? OpenMode::Access::create
                  : has('a') ? OpenMode::Access::append
                             : OpenMode::Access::write;
  parsed.update = has('+');
  parsed.binary = has('b');
  return parsed;
}

}  // namespace tempfile::io
