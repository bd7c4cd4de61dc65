// SPDX-License-Identifier: MIT
// Clean up on Ctrl-C: after cleanup_on_signals(), SIGINT, SIGTERM and SIGHUP remove every live
// NamedTemporaryFile and TemporaryDirectory before they end the process. Without it, a signal
// ends the process and the entries stay.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::cleanup_on_signals();  // once, early in main

  const tempfile::TemporaryDirectory work({.prefix = "long-job-"});
  std::ofstream(work / "partial-results.txt") << "...";
  std::cout << "working in " << work.name().string() << "; press Ctrl-C to stop" << std::endl;

  // A long job. Ctrl-C ends the process here, and the directory goes first.
  for (int second = 0; second < 60; ++second) {
    ::sleep(1);
  }
}
