// SPDX-License-Identifier: MIT
// A consumer's shared library with tempfile linked into it statically: one C entry point that
// uses tempfile from the loading thread and from a thread of its own (the random name source
// keeps a thread_local buffer, which must work in a shared library loaded at run time).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <tempfile/tempfile.hpp>
#include <thread>

namespace {

// Creates a directory holding a file, and a file; true when both are gone afterwards.
bool use_tempfile() {
  std::filesystem::path dir;
  std::filesystem::path file;
  {
    const tempfile::TemporaryDirectory directory({.prefix = "plugin-"});
    dir = directory.name();
    std::ofstream(dir / "data.txt") << "plugin\n";
    auto [fd, name] = tempfile::mkstemp({.dir = dir});
    file = name;
    ::close(fd);
  }
  std::error_code ec;
  return !std::filesystem::exists(dir, ec) && !std::filesystem::exists(file, ec);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int tempfile_plugin_run() {
  try {
    bool in_thread = false;
    std::thread thread([&in_thread] { in_thread = use_tempfile(); });
    thread.join();
    return use_tempfile() && in_thread ? 0 : 1;
  } catch (...) {
    return 2;
  }
}
