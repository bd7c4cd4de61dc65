// SPDX-License-Identifier: MIT
// A real process holding a PseudoTemporaryFile, for the tests that kill it or open its name.
//
//   pseudo_file_driver <dir> <mebibytes> [<directory|tempdir> [<victim>]]
// makes a PseudoTemporaryFile in <dir> (or, with a third argument, in a directory held open: a
// tempfile::Directory on <dir>, or a live TemporaryDirectory "held-*" made in <dir> and never
// removed; with a victim directory too, the file's name then gets a twin there, "twin", and the
// held directory's path is swapped for a symbolic link to <victim>, support/swap.hpp), writes
// <mebibytes> MiB of 'x' into it (really written: the space is used), flushes, prints
// "name=<name()>" and "ready", then obeys stdin line by line:
//   close   close() it, print "closed"
//   throw   end its scope by an exception (the destructor runs during unwinding), print "caught"
//   persist <target>             persist(target) (overwrite), print "persisted name=<name()>"
//                                or "failed <errno>"
//   persist-no-clobber <target>  the same with overwrite = false
//   guardian  print "guardian pid=<pid> tickets=<n>" (pid -1: no guardian runs for it)
// and at end of input returns from main (the destructor runs). Exit status 0, or 1 with a message
// on stderr.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "os/guardian.hpp"
#include "support/swap.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"

namespace {

struct Thrown : std::runtime_error {
  Thrown() : std::runtime_error("thrown on purpose") {}
};

int run(const std::filesystem::path& dir, long mebibytes, std::string_view holder,
        const std::filesystem::path& victim) {
  std::optional<tempfile::Directory> opened;
  std::optional<tempfile::TemporaryDirectory> live;
  tempfile::DirOption where = dir;
  if (holder == "directory") {
    where = opened.emplace(dir);
  } else if (holder == "tempdir") {
    where = live.emplace(
        tempfile::TemporaryDirectoryOptions{.prefix = "held-", .dir = dir, .delete_ = false});
  } else if (!holder.empty()) {
    std::cerr << "unknown holder " << holder << '\n';
    return 1;
  }
  std::optional<tempfile::PseudoTemporaryFile> file;
  file.emplace(tempfile::PseudoTemporaryFileOptions{.dir = where});
  const std::string mebibyte(std::size_t{1} << 20U, 'x');
  for (long i = 0; i < mebibytes; ++i) {
    file->write(mebibyte);
  }
  file->flush();
  if (!victim.empty()) {
    const std::filesystem::path held = where.path();
    std::ofstream(victim / file->name().filename()) << "twin";
    tempfile::test::swap_for_symlink(held, held.string() + ".moved", victim);
  }
  std::cout << "name=" << file->name().string() << "\nready" << std::endl;
  std::string command;
  while (std::getline(std::cin, command)) {
    if (command == "close") {
      file->close();
      std::cout << "closed" << std::endl;
    } else if (command == "throw") {
      try {
        const tempfile::PseudoTemporaryFile scoped = std::move(*file);
        file.reset();
        throw Thrown();
      } catch (const Thrown&) {
        std::cout << "caught" << std::endl;
      }
    } else if (command.rfind("persist ", 0) == 0 || command.rfind("persist-no-clobber ", 0) == 0) {
      const bool overwrite = command.rfind("persist ", 0) == 0;
      const std::string target = command.substr(command.find(' ') + 1);
      std::error_code ec;
      if (file->persist(target, {.overwrite = overwrite}, ec)) {
        std::cout << "persisted name=" << file->name().string() << std::endl;
      } else {
        std::cout << "failed " << ec.value() << std::endl;
      }
    } else if (command == "guardian") {
      const tempfile::os::GuardianStatus status = tempfile::os::guardian_status();
      std::cout << "guardian pid=" << status.pid << " tickets=" << status.tickets << std::endl;
    } else {
      std::cerr << "unknown command " << command << '\n';
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::cerr << "usage: pseudo_file_driver <dir> <mebibytes> [<directory|tempdir> [<victim>]]\n";
    return 1;
  }
  try {
    return run(argv[1], std::strtol(argv[2], nullptr, 10), argc > 3 ? argv[3] : "",
               argc > 4 ? argv[4] : "");
  } catch (const std::exception& e) {
    std::cerr << "pseudo_file_driver: " << e.what() << '\n';
    return 1;
  }
}

// Under the sanitizers: run with an LD_PRELOAD shim in front of the runtime, which ASan would
// otherwise refuse. An unused function in builds without the sanitizer.
extern "C" __attribute__((used)) const char* __asan_default_options() {  // NOLINT
  return "verify_asan_link_order=0";
}
