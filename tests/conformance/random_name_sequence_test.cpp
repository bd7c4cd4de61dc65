// SPDX-License-Identifier: MIT
// Port of CPython's TestRandomNameSequence: names are 8 characters of [a-z0-9_], do not repeat,
// and a forked child does not draw the names its parent draws.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <set>
#include <string>

#include "conformance/conformance_helpers.hpp"
#include "create/names.hpp"
#include "os/random.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::create {
namespace {

class RandomNameSequenceTest : public test::ScratchTest {};

// CPython checks one name against the alphabet: the same check as nameCheck's random part.
::testing::AssertionResult is_valid_name(std::string_view name) {
  if (name.size() != os::name_length) {
    return ::testing::AssertionFailure() << "'" << name << "' is not 8 characters long";
  }
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return ::testing::AssertionFailure() << "'" << name << "' has a character outside [a-z0-9_]";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(RandomNameSequenceTest, GetEightCharStr) {
  RandomNames names;
  EXPECT_TRUE(is_valid_name(names.next()));
}

TEST_F(RandomNameSequenceTest, Many) {
  RandomNames names;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string name(names.next());
    EXPECT_TRUE(is_valid_name(name));
    EXPECT_TRUE(seen.insert(name).second) << "name '" << name << "' repeated after " << i;
  }
}

TEST_F(RandomNameSequenceTest, ProcessAwareness) {
  RandomNames names;
  // Draw once first, so the parent holds buffered randomness the child inherits: a child that
  // kept using it would draw exactly the parent's next name.
  static_cast<void>(names.next());

  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe2(pipe_fds.data(), O_CLOEXEC), 0);
  const int status = test::run_in_child([&] {
    const std::string_view child_name = names.next();
    const auto written = ::write(pipe_fds[1], child_name.data(), child_name.size());
    return written == static_cast<ssize_t>(child_name.size()) ? 0 : 1;
  });
  ::close(pipe_fds[1]);
  std::string child_name(os::name_length, '\0');
  const auto got = ::read(pipe_fds[0], child_name.data(), child_name.size());
  ::close(pipe_fds[0]);
  ASSERT_EQ(status, 0);
  ASSERT_EQ(got, static_cast<ssize_t>(os::name_length));

  const std::string parent_name(names.next());
  EXPECT_TRUE(is_valid_name(child_name));
  EXPECT_TRUE(is_valid_name(parent_name));
  EXPECT_NE(child_name, parent_name);
}

}  // namespace
}  // namespace tempfile::create
