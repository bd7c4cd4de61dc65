// SPDX-License-Identifier: MIT
// A scratch directory for a test: each test gets a fresh TemporaryDirectory, the code under test
// writes into it, and the whole tree goes when the test ends, pass or fail.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <tempfile/tempfile.hpp>

namespace fs = std::filesystem;

// The code under test: writes one report file per name into `out`.
void write_reports(const fs::path& out, const std::string& first, const std::string& second) {
  fs::create_directories(out / "reports");
  std::ofstream(out / "reports" / (first + ".txt")) << first;
  std::ofstream(out / "reports" / (second + ".txt")) << second;
}

// A test: with GoogleTest the TemporaryDirectory would be a member of the fixture.
bool test_write_reports_makes_one_file_per_name() {
  const tempfile::TemporaryDirectory scratch({.prefix = "test-reports-"});
  write_reports(scratch.name(), "alpha", "beta");
  return fs::is_regular_file(scratch / "reports/alpha.txt") &&
         fs::is_regular_file(scratch / "reports/beta.txt");
}  // the scratch tree is removed here

int main() {
  const bool passed = test_write_reports_makes_one_file_per_name();
  std::cout << "write_reports makes one file per name: " << (passed ? "passed" : "FAILED") << '\n';
  return passed ? 0 : 1;
}
