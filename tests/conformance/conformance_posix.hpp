// SPDX-License-Identifier: MIT
// The POSIX-only helpers of the ports of CPython's tempfile tests: a file-size limit as a real
// write fault, and the verdict of a body run in a forked child.
#pragma once

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string_view>
#include <system_error>
#include <utility>

#include "support/portable_files.hpp"  // ScopedUmask, which the POSIX tests use with these
#include "tempfile/error.hpp"

namespace tempfile::test {

/// In a child: no file may grow past 0 bytes (RLIMIT_FSIZE 0) and SIGXFSZ is ignored, so every
/// write to a regular file fails with EFBIG: a real fault that, unlike a descriptor limit,
/// leaves the sanitizers' own machinery working. Returns false on failure.
inline bool forbid_file_growth() {
  const rlimit no_growth{0, 0};
  return std::signal(SIGXFSZ, SIG_IGN) != SIG_ERR && ::setrlimit(RLIMIT_FSIZE, &no_growth) == 0;
}

/// For bodies run in a forked child, whose gtest assertions never reach the parent: returns 0
/// when `body` throws tempfile::error with `expected` and a what() containing `text`, and
/// otherwise prints why to stderr and returns a nonzero exit code.
template <class Body>
int child_expects_error(Body&& body, std::errc expected, std::string_view text) {
  try {
    std::forward<Body>(body)();
  } catch (const tempfile::error& failure) {
    const std::string_view what = failure.what();
    if (failure.code() != std::make_error_code(expected)) {
      static_cast<void>(std::fprintf(stderr, "child: wrong error code %d in: %s\n",
                                     failure.code().value(), failure.what()));
      return 2;
    }
    if (what.find(text) == std::string_view::npos) {
      static_cast<void>(std::fprintf(stderr, "child: '%.*s' not found in: %s\n",
                                     static_cast<int>(text.size()), text.data(), failure.what()));
      return 3;
    }
    return 0;
  } catch (const std::exception& failure) {
    static_cast<void>(std::fprintf(stderr, "child: unexpected exception: %s\n", failure.what()));
    return 4;
  }
  static_cast<void>(std::fprintf(stderr, "child: nothing was thrown\n"));
  return 1;
}

}  // namespace tempfile::test
