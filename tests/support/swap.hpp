// SPDX-License-Identifier: MIT
// The held-directory attack's setup, written once for every test that makes it: the held
// directory's path renamed away and a symbolic link to another directory planted in its place.
#pragma once

#include <filesystem>

namespace tempfile::test {

/// Renames directory `held` to `moved_to`, then makes `held` a symbolic link to `elsewhere`
/// (created first if missing). Afterwards a lookup of `held` by path reaches `elsewhere`, while
/// a descriptor opened on `held` before still refers to the directory now at `moved_to`: what a
/// by-path operation does to the names under `held` lands in `elsewhere`. The link stores
/// `elsewhere` as given, so a relative one is resolved from `held`'s own directory: give it
/// relative only when that is the current directory. Throws std::filesystem::filesystem_error
/// when a step fails.
void swap_for_symlink(const std::filesystem::path& held, const std::filesystem::path& moved_to,
                      const std::filesystem::path& elsewhere);

}  // namespace tempfile::test
