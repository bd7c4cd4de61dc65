// SPDX-License-Identifier: MIT
// Changing a TemporaryFile's permissions with chmod() (fchmod: it has no name). The C++ twin of
//     with tempfile.TemporaryFile() as temp_file:
//         temp_file.write(b'Hello, world!')
//         os.chmod(temp_file.name, 0o644)
// TemporaryFile's name is its descriptor number and os.chmod accepts a descriptor, so the Python
// line really is fchmod. The twin shows the result with fstat.
#include <sys/stat.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string_view>
#include <tempfile/tempfile.hpp>

int main() {
  tempfile::TemporaryFile temp_file;
  temp_file.write(std::string_view("Hello, world!"));

  using std::filesystem::perms;
  temp_file.chmod(perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);

  struct stat info {};
  ::fstat(temp_file.fileno(), &info);
  std::cout << "mode: " << std::oct << std::setw(4) << std::setfill('0') << (info.st_mode & 07777)
            << '\n';
}
