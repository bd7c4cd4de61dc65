// SPDX-License-Identifier: MIT
// AfterCloseSlot: the hook a file runs after closing, kept in place when it fits and on the heap
// when not; each way destroys its hook exactly once and never calls it on its own.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "io/after_close.hpp"

namespace tempfile::io {
namespace {

struct Counts {
  int made = 0;
  int destroyed = 0;
  int called = 0;
};

template <std::size_t Payload>
class CountingHook final : public AfterClose {
 public:
  explicit CountingHook(Counts& counts) : counts_(counts) { ++counts_.made; }
  CountingHook(const CountingHook&) = delete;
  CountingHook& operator=(const CountingHook&) = delete;
  CountingHook(CountingHook&&) = delete;
  CountingHook& operator=(CountingHook&&) = delete;
  ~CountingHook() override { ++counts_.destroyed; }
  void closed(Why /*why*/, const std::string& /*name*/) override { ++counts_.called; }
  [[nodiscard]] const void* payload() const { return payload_.data(); }

 private:
  Counts& counts_;
  std::array<std::uint8_t, Payload> payload_{};
};

using SmallHook = CountingHook<8>;     // fits in place
using LargeHook = CountingHook<1024>;  // does not: the heap

class ThrowingHook final : public AfterClose {
 public:
  ThrowingHook() { throw std::runtime_error("no hook"); }
  void closed(Why /*why*/, const std::string& /*name*/) override {}
};

template <class Hook>
void check_lifecycle(bool expect_in_place) {
  Counts counts;
  {
    AfterCloseSlot slot;
    EXPECT_FALSE(slot);
    Hook& hook = slot.emplace<Hook>(counts);
    ASSERT_TRUE(slot);
    const auto* slot_start = reinterpret_cast<const char*>(&slot);
    const auto* hook_at = static_cast<const char*>(hook.payload());
    EXPECT_EQ(hook_at >= slot_start && hook_at < slot_start + sizeof(slot), expect_in_place);
    slot->closed(AfterClose::Why::close, "name");
    EXPECT_EQ(counts.called, 1);
    // A second hook replaces the first, which is destroyed, not called.
    slot.emplace<Hook>(counts);
    EXPECT_EQ(counts.made, 2);
    EXPECT_EQ(counts.destroyed, 1);
    slot.reset();
    EXPECT_FALSE(slot);
    EXPECT_EQ(counts.destroyed, 2);
    slot.reset();  // twice: nothing more
    EXPECT_EQ(counts.destroyed, 2);
    slot.emplace<Hook>(counts);
  }
  // The slot's own end destroys the last one.
  EXPECT_EQ(counts.made, 3);
  EXPECT_EQ(counts.destroyed, 3);
  EXPECT_EQ(counts.called, 1);
}

TEST(AfterCloseSlotTest, AHookThatFitsIsKeptInPlace) {
  check_lifecycle<SmallHook>(true);
}

TEST(AfterCloseSlotTest, AHookTooLargeIsKeptOnTheHeap) {
  check_lifecycle<LargeHook>(false);
}

TEST(AfterCloseSlotTest, AHookWhoseConstructorThrowsLeavesTheSlotEmpty) {
  Counts counts;
  AfterCloseSlot slot;
  slot.emplace<SmallHook>(counts);
  EXPECT_THROW(slot.emplace<ThrowingHook>(), std::runtime_error);
  EXPECT_FALSE(slot);
  EXPECT_EQ(counts.destroyed, 1);  // the old hook went first, as emplace says
}

}  // namespace
}  // namespace tempfile::io
