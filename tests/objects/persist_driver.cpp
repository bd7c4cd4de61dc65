// SPDX-License-Identifier: MIT
// Runs one persist() for persist_test's system-call checks (strace): a temporary file of the
// given kind in <dir>, "payload" written, persisted to <target> with the given options (kinds
// named-cross and temporary-cross add cross_device, for a target on another file system); or
// one atomic_write() of "payload" to <target> (kinds atomic and atomic-named, the second forced
// to its named-file way). Kinds ending in -held (named-held, temporary-held) persist to the
// target's name relative to its directory held open as a tempfile::Directory, opened before the
// temporary is created, so a trace of the persist sees only the persist's own calls. With ROUNDS
// (default 1), the rounds before the last persist to <target>.1, <target>.2...: what a process does
// once (probes, caches) is done before the last. A kind ending in -chmod (named-chmod,
// atomic-chmod...) asks for the mode 0640, which the temporary (0600) gets by an fchmod.
#include <sys/stat.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

#include "objects/atomic_write_seam.hpp"
#include "tempfile/tempfile.hpp"

namespace {

// A failed persist hands the object back: its mode is reported (the mode a persist set must
// have been given back) before the failure goes on.
template <class File>
void persist_reporting_mode(File& file, const std::string& target,
                            const tempfile::PersistOptions& options) {
  try {
    file.persist(target, options);
  } catch (...) {
    struct stat status {};
    if (::fstat(file.fileno(), &status) == 0) {
      static_cast<void>(
          std::fprintf(stderr, "persist_driver: the temporary's mode after the failure: %04o\n",
                       static_cast<unsigned>(status.st_mode & 07777U)));
    }
    throw;
  }
}

void persist_once(std::string_view kind, const char* dir, const std::string& target,
                  const tempfile::PersistOptions& options) {
  if (kind.ends_with("-held")) {
    const std::size_t slash = target.rfind('/');
    const tempfile::Directory held(target.substr(0, slash));
    tempfile::PersistOptions in_held = options;
    in_held.dir = held;
    persist_once(kind.substr(0, kind.size() - 5), dir, target.substr(slash + 1), in_held);
    return;
  }
  if (kind.starts_with("atomic")) {
    tempfile::objects::atomic_write_named_only(kind == "atomic-named");
    tempfile::atomic_write(
        target, std::string_view("payload"),
        {.overwrite = options.overwrite,
         .durable = options.durable,
         .permissions = options.mode.kind() == tempfile::PersistMode::Kind::exactly
                            ? options.mode
                            : tempfile::PersistMode::preserve_target()});
  } else if (kind.starts_with("named")) {
    tempfile::NamedTemporaryFile file({.dir = dir});
    file.write(std::string_view("payload"));
    persist_reporting_mode(file, target, options);
  } else {
    tempfile::TemporaryFile file({.dir = dir});
    file.write(std::string_view("payload"));
    persist_reporting_mode(file, target, options);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    static_cast<void>(
        std::fputs("usage: persist_driver named|temporary|named-cross|temporary-cross|atomic|"
                   "atomic-named|named-held|temporary-held[-chmod] DIR TARGET OVERWRITE DURABLE "
                   "[ROUNDS]\n",
                   stderr));
    return 2;
  }
  std::string_view kind = argv[1];
  const bool chmod = kind.ends_with("-chmod");
  if (chmod) {
    kind.remove_suffix(std::string_view("-chmod").size());
  }
  const tempfile::PersistOptions options{
      .overwrite = std::string_view(argv[4]) == "1",
      .durable = std::string_view(argv[5]) == "1",
      .mode = chmod ? tempfile::PersistMode::exactly(static_cast<std::filesystem::perms>(0640))
                    : tempfile::PersistMode::owner_only(),
      .cross_device = kind.ends_with("-cross")};
  const long rounds = argc == 7 ? std::strtol(argv[6], nullptr, 10) : 1;
  try {
    for (long round = 1; round < rounds; ++round) {
      persist_once(kind, argv[2], std::string(argv[3]) + "." + std::to_string(round), options);
    }
    persist_once(kind, argv[2], argv[3], options);
  } catch (const std::exception& e) {
    static_cast<void>(std::fprintf(stderr, "persist_driver: %s\n", e.what()));
    return 1;
  }
  return 0;
}
