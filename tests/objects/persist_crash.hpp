// SPDX-License-Identifier: MIT
// What persist()'s crash tests share: the child that persists and is killed on the way, and the
// check of what the target holds afterwards.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "support/files.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::test {

/// What a crash may leave at the target: the old file, the new one, or (no clobber) nothing.
enum class TargetAfterCrash { old_file, new_file, absent };

/// In a crash child: a NamedTemporaryFile (`named`) or a TemporaryFile in `dir`, `content`
/// written, persisted to `target`. The object is never destroyed: the child is to be killed with
/// it alive, by a step hook. Returns 5, the child's status when no step killed it.
inline int persist_until_killed(bool named, const std::filesystem::path& dir,
                                const std::string& content, const std::filesystem::path& target,
                                const PersistOptions& options) {
  if (named) {
    auto* file = new NamedTemporaryFile({.dir = dir});  // NOLINT(cppcoreguidelines-owning-memory)
    file->write(std::string_view(content));
    file->persist(target, options);
  } else {
    auto* file = new TemporaryFile({.dir = dir});  // NOLINT(cppcoreguidelines-owning-memory)
    file->write(std::string_view(content));
    file->persist(target, options);
  }
  return 5;
}

/// The target after the crash is `expected`, complete.
inline void expect_target_after_crash(TargetAfterCrash expected,
                                      const std::filesystem::path& target,
                                      const std::string& old_content,
                                      const std::string& new_content) {
  switch (expected) {
    case TargetAfterCrash::old_file:
      EXPECT_EQ(read_file(target), old_content);
      break;
    case TargetAfterCrash::new_file:
      EXPECT_EQ(read_file(target), new_content);
      break;
    case TargetAfterCrash::absent:
      EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(target)));
      break;
  }
}

}  // namespace tempfile::test
