// SPDX-License-Identifier: MIT
// Calls plugin.cpp's entry point: through dlopen/dlsym of the library named on the command line,
// or, built with TEMPFILE_PLUGIN_LINKED, through the shared library it was linked with.
#include <dlfcn.h>

#include <iostream>

#ifdef TEMPFILE_PLUGIN_LINKED
extern "C" int tempfile_plugin_run();
#endif

int main([[maybe_unused]] int argc, [[maybe_unused]] char** argv) {
#ifdef TEMPFILE_PLUGIN_LINKED
  const int status = tempfile_plugin_run();
#else
  if (argc != 2) {
    std::cerr << "usage: host <shared library>\n";
    return 2;
  }
  void* plugin = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (plugin == nullptr) {
    std::cerr << "dlopen failed: " << ::dlerror() << '\n';
    return 1;
  }
  using entry_point = int (*)();
  // POSIX guarantees that a dlsym result for a function converts to a function pointer.
  auto* run = reinterpret_cast<entry_point>(::dlsym(plugin, "tempfile_plugin_run"));
  if (run == nullptr) {
    std::cerr << "dlsym failed: " << ::dlerror() << '\n';
    return 1;
  }
  const int status = run();
  ::dlclose(plugin);
#endif
  if (status != 0) {
    std::cerr << "tempfile_plugin_run() returned " << status << '\n';
    return 1;
  }
  std::cout << "plugin consumer OK\n";
  return 0;
}
