// SPDX-License-Identifier: MIT
// C++ twin of seed 002, "Creating a Temporary File with Specific Permissions":
//     with tempfile.TemporaryFile() as temp_file:
//         temp_file.write(b'Hello, world!')
//
//         # Set specific permissions on the file
//         os.chmod(temp_file.name, 0o644)
// TemporaryFile's name is its descriptor number, and os.chmod accepts a descriptor, so the
// snippet really is fchmod. The twin calls File::chmod (fchmod) and shows the result with fstat.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  int descriptor = -1;
  {
    tempfile::TemporaryFile temp_file;
    descriptor = temp_file.fileno();
    temp_file.write(std::string_view("Hello, world!"));

    // Set specific permissions on the file
    using std::filesystem::perms;
    temp_file.chmod(perms::owner_read | perms::owner_write | perms::group_read |
                    perms::others_read);

    struct stat info {};
    if (::fstat(temp_file.fileno(), &info) != 0 ||
        temp_file.name().string() != std::to_string(temp_file.fileno())) {
      std::cerr << "example failed: fstat failed, or name() " << temp_file.name().string()
                << " is not the descriptor\n";
      return 1;
    }
    std::cout << "mode: " << std::oct << std::setw(4) << std::setfill('0') << (info.st_mode & 07777)
              << '\n';
  }
  // The file is now deleted

  if (::fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) {
    std::cerr << "example failed: descriptor " << descriptor << " is still open\n";
    return 1;
  }
  return 0;
}
