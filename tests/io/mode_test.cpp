// SPDX-License-Identifier: MIT
// The mode parser against CPython's io.open: accepted modes, their flags, and the exact errors;
// and the plan made once for the default arguments against the plan made from them.
#include "io/mode.hpp"

#include <gmock/gmock.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "io/open_file.hpp"
#include "support/scratch.hpp"

namespace tempfile::io {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

class ModeTest : public test::ScratchTest {};

TEST_F(ModeTest, AcceptsEveryPythonSpelling) {
  struct Case {
    const char* mode;
    OpenMode::Access access;
    bool update;
    bool binary;
    const char* raw;
  };
  const Case cases[] = {
      {"r", OpenMode::Access::read, false, false, "rb"},
      {"rb", OpenMode::Access::read, false, true, "rb"},
      {"r+", OpenMode::Access::read, true, false, "rb+"},
      {"w", OpenMode::Access::write, false, false, "wb"},
      {"w+b", OpenMode::Access::write, true, true, "rb+"},
      {"wb+", OpenMode::Access::write, true, true, "rb+"},
      {"+bw", OpenMode::Access::write, true, true, "rb+"},
      {"tw", OpenMode::Access::write, false, false, "wb"},
      {"w+t", OpenMode::Access::write, true, false, "rb+"},
      {"x", OpenMode::Access::create, false, false, "xb"},
      {"x+b", OpenMode::Access::create, true, true, "xb+"},
      {"a", OpenMode::Access::append, false, false, "ab"},
      {"ab+", OpenMode::Access::append, true, true, "ab+"},
  };
  for (const Case& c : cases) {
    const OpenMode parsed = parse_mode(c.mode);
    EXPECT_EQ(parsed.access, c.access) << c.mode;
    EXPECT_EQ(parsed.update, c.update) << c.mode;
    EXPECT_EQ(parsed.binary, c.binary) << c.mode;
    EXPECT_EQ(parsed.raw_mode(), c.raw) << c.mode;
  }
}

TEST_F(ModeTest, ReadableAndWritableFollowTheMode) {
  EXPECT_TRUE(parse_mode("r").readable());
  EXPECT_FALSE(parse_mode("r").writable());
  EXPECT_FALSE(parse_mode("wb").readable());
  EXPECT_TRUE(parse_mode("wb").writable());
  EXPECT_FALSE(parse_mode("a").readable());
  EXPECT_FALSE(parse_mode("x").readable());
  for (const char* mode : {"r+", "w+", "x+", "a+"}) {
    EXPECT_TRUE(parse_mode(mode).readable()) << mode;
    EXPECT_TRUE(parse_mode(mode).writable()) << mode;
  }
}

void expect_rejected(const std::string& mode, const std::string& message) {
  EXPECT_THAT([&] { static_cast<void>(parse_mode(mode)); },
              ThrowsMessage<std::invalid_argument>(HasSubstr(message)))
      << "mode '" << mode << "'";
}

// The texts are CPython's C io.open ones (3.11), which python3 prints for each of these modes.
TEST_F(ModeTest, RejectsWithPythonsMessages) {
  expect_rejected("wr", "tempfile: must have exactly one of create/read/write/append mode: 'wr'");
  expect_rejected("rb+t", "can't have text and binary mode at once: 'rb+t'");
  expect_rejected("bt", "can't have text and binary mode at once");
  expect_rejected("+",
                  "must have exactly one of create/read/write/append mode and at most one plus");
  expect_rejected("b",
                  "must have exactly one of create/read/write/append mode and at most one plus");
  expect_rejected("",
                  "must have exactly one of create/read/write/append mode and at most one plus");
  expect_rejected("rr", "invalid mode: 'rr'");
  expect_rejected("w++", "invalid mode: 'w++'");
  expect_rejected("q", "invalid mode: 'q'");
  expect_rejected("U", "invalid mode: 'U'");
  expect_rejected("rU", "invalid mode: 'rU'");
  expect_rejected(std::string("w\0", 2), "invalid mode: 'w\\0'");
}

// The plan for Python's defaults is made at compile time; it must be exactly what plan_open
// makes of those arguments, and other arguments must still be planned.
TEST_F(ModeTest, DefaultPlanIsWhatPlanningTheDefaultsGives) {
  const std::optional<std::string> none;
  const OpenArguments defaults{"w+b", -1, none, none, none};
  PlanRoom made;
  const OpenPlan& kept = plan_open(defaults, made);
  EXPECT_FALSE(made.has_plan());
  const OpenPlan planned = plan_open(defaults);
  EXPECT_EQ(kept.mode.access, planned.mode.access);
  EXPECT_EQ(kept.mode.update, planned.mode.update);
  EXPECT_EQ(kept.mode.binary, planned.mode.binary);
  EXPECT_EQ(kept.mode_given(), planned.mode_given());
  EXPECT_EQ(kept.mode_given(), "w+b");
  EXPECT_EQ(kept.buffer_size, planned.buffer_size);
  EXPECT_EQ(kept.line_buffering, planned.line_buffering);
  EXPECT_EQ(kept.codec.has_value(), planned.codec.has_value());
  EXPECT_EQ(kept.errors, planned.errors);
  EXPECT_EQ(kept.newline, planned.newline);
  // Shared without a copy, and never freed.
  EXPECT_EQ(keep_plan(kept).get(), &kept);
  EXPECT_EQ(keep_plan(kept).use_count(), 0);

  for (const char* mode : {"wb", "w+", "b+w"}) {
    PlanRoom other;
    EXPECT_EQ(&plan_open({mode, -1, none, none, none}, other), &other.plan()) << mode;
    EXPECT_EQ(other.plan().mode_given(), mode);
  }
  PlanRoom other;
  EXPECT_EQ(&plan_open({"w+b", 0, none, none, none}, other), &other.plan());
  EXPECT_EQ(other.plan().buffer_size, 0U);
  const std::optional<std::string> utf8 = "utf-8";
  EXPECT_THROW(static_cast<void>(plan_open({"w+b", -1, utf8, none, none}, other)),
               std::invalid_argument);
  EXPECT_NE(keep_plan(other.plan()).get(), &other.plan());  // a copy, shared by count
}

}  // namespace
}  // namespace tempfile::io
