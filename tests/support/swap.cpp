// SPDX-License-Identifier: MIT
// The held-directory swap (support/swap.hpp).
#include "support/swap.hpp"

namespace tempfile::test {

void swap_for_symlink(const std::filesystem::path& held, const std::filesystem::path& moved_to,
                      const std::filesystem::path& elsewhere) {
  std::filesystem::create_directories(elsewhere);
  std::filesystem::rename(held, moved_to);
  std::filesystem::create_directory_symlink(elsewhere, held);
}

}  // namespace tempfile::test
