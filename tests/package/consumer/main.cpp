// SPDX-License-Identifier: MIT
// A program built against an installed or embedded tempfile: proves the headers, the library and
// its link dependencies are all usable from outside the source tree, and cleans up after itself.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <tempfile/tempfile.hpp>

namespace fs = std::filesystem;

// The packaging test compiles this with a newer standard than ours and checks, here, that the
// compiler kept it (no flag of ours moved it down).
#ifdef TEMPFILE_EXPECT_CPLUSPLUS
static_assert(__cplusplus >= TEMPFILE_EXPECT_CPLUSPLUS, "the user's -std was overridden");
#endif

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) {
    throw std::runtime_error(what);
  }
}

void use_tempfile() {
  const fs::path tempdir = tempfile::gettempdir();
  check(fs::is_directory(tempdir), "gettempdir() is not a directory: " + tempdir.string());

  auto [fd, file] = tempfile::mkstemp({.suffix = ".txt"});
  check(fd >= 0 && file.parent_path() == tempdir, "mkstemp gave " + file.string());
  check(::close(fd) == 0, "close failed");
  fs::remove(file);

  const fs::path dir = tempfile::mkdtemp({.prefix = "consumer-"});
  check(fs::is_directory(dir), "mkdtemp gave " + dir.string());
  fs::remove(dir);

  check(!fs::exists(file) && !fs::exists(dir), "cleanup left something behind");
}

}  // namespace

int main() {
  try {
    use_tempfile();
  } catch (const std::exception& e) {
    std::cerr << "consumer failed: " << e.what() << '\n';
    return 1;
  }
  std::cout << "tempfile " << tempfile::version << " (" << TEMPFILE_VERSION_MAJOR << '.'
            << TEMPFILE_VERSION_MINOR << '.' << TEMPFILE_VERSION_PATCH << ") consumer OK\n";
  return 0;
}
