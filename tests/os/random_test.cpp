// SPDX-License-Identifier: MIT
// Random names: alphabet, length, uniqueness, uniformity, and fresh names after fork().
#include "os/random.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "os/sys.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

namespace tempfile::os {
namespace {

class RandomNameTest : public test::ScratchTest {};

std::string next_name() {
  std::string name(name_length, '\0');
  random_name(name.data());
  return name;
}

TEST_F(RandomNameTest, AlphabetAndLengthArePythons) {
  EXPECT_EQ(name_alphabet, "abcdefghijklmnopqrstuvwxyz0123456789_");
  EXPECT_EQ(name_length, 8U);
  for (int i = 0; i < 1000; ++i) {
    const std::string name = next_name();
    ASSERT_EQ(name.size(), 8U);
    EXPECT_EQ(name.find_first_not_of(name_alphabet), std::string::npos) << name;
  }
}

// 37^8 (3.5e12) names: among 100,000 fair draws the birthday bound expects 0.0014 repeats, so
// one repeat happens in about 1 run of 700 (it did, once, in CI) and two in about 1 of a
// million. A biased or repeating source makes many.
TEST_F(RandomNameTest, HundredThousandNamesAreDistinct) {
  std::set<std::string> seen;
  int repeats = 0;
  for (int i = 0; i < 100000; ++i) {
    repeats += seen.insert(next_name()).second ? 0 : 1;
  }
  EXPECT_LE(repeats, 1);
}

TEST_F(RandomNameTest, EveryCharacterIsRoughlyEquallyLikely) {
  std::map<char, int> counts;
  constexpr int names = 37000;
  for (int i = 0; i < names; ++i) {
    for (const char c : next_name()) {
      ++counts[c];
    }
  }
  ASSERT_EQ(counts.size(), name_alphabet.size());
  const int expected = names * static_cast<int>(name_length) / 37;  // 8000 each
  for (const auto& [character, count] : counts) {
    // 8000 +- 5%: a modulo bias (256 % 37 = 34 extra values) would push some to ~+15%.
    EXPECT_NEAR(count, expected, expected / 20) << "character " << character;
  }
}

TEST_F(RandomNameTest, ChildDrawsDifferentNamesThanParent) {
  // Python's test_process_awareness: the buffered random state must not be shared by fork.
  static_cast<void>(next_name());  // the parent's buffer is now filled
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe(pipe_fds.data()), 0);
  const int status = test::run_in_child([&] {
    ::close(pipe_fds[0]);
    const std::string name = next_name();
    return ::write(pipe_fds[1], name.data(), name.size()) == 8 ? 0 : 1;
  });
  ::close(pipe_fds[1]);
  EXPECT_EQ(status, 0);
  std::string child_name(8, '\0');
  EXPECT_EQ(::read(pipe_fds[0], child_name.data(), 8), 8);
  ::close(pipe_fds[0]);
  EXPECT_NE(child_name, next_name());
}

TEST_F(RandomNameTest, ThreadsDrawDistinctNames) {
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  std::vector<std::vector<std::string>> drawn(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&drawn, t] {
      for (int i = 0; i < per_thread; ++i) {
        drawn[static_cast<std::size_t>(t)].push_back(next_name());
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  std::set<std::string> all;
  for (const auto& names : drawn) {
    all.insert(names.begin(), names.end());
  }
  // Threads sharing a buffer or a stream would repeat thousands of names. Independent draws
  // repeat one by chance (the birthday bound: 20,000 names of 37^8 give a repeat about once in
  // 17,500 runs, two about once in 600 million), so one repeat is allowed and two are not.
  const std::size_t drawn_count = static_cast<std::size_t>(threads) * per_thread;
  EXPECT_GE(all.size() + 1, drawn_count);
}

TEST_F(RandomNameTest, RandomBytesFillTheWholeBuffer) {
  std::array<unsigned char, 4096> bytes{};
  random_bytes(bytes.data(), bytes.size());
  // 4096 zero bytes from a random source: probability 2^-32768.
  int nonzero = 0;
  for (const unsigned char b : bytes) {
    nonzero += b != 0 ? 1 : 0;
  }
  EXPECT_GT(nonzero, 3900);
}

}  // namespace
}  // namespace tempfile::os
