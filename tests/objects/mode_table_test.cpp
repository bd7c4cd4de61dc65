// SPDX-License-Identifier: MIT
// mode() of every file object for every mode the API takes, against the strings CPython gives.
#include <gtest/gtest.h>

#include <string>

#include "support/scratch.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile {
namespace {

class ModeTableTest : public test::ScratchTest {};

// What python3 (CPython 3.11.7) prints for .mode, generated with:
//
//   import tempfile
//   modes = [a + p + k for a in "rwxa" for p in ["", "+"] for k in ["b", "", "t"]]
//   for m in modes + ["+bw", "bw+"]:
//       for buf in ([-1, 0] if "b" in m else [-1]):
//           t = tempfile.TemporaryFile(m, buffering=buf)
//           n = tempfile.NamedTemporaryFile(m, buffering=buf)
//           s = tempfile.SpooledTemporaryFile(mode=m, buffering=buf)
//           before = s.mode
//           try:
//               s.rollover(); after = s.mode
//           except Exception:
//               after = None
//           print(f'{{"{m}", {buf}, "{t.mode}", "{n.mode}", "{before}", "{after}"}},')
//
// (NamedTemporaryFile's .mode equals its .file.mode; a rolled SpooledTemporaryFile's .mode is
// its ._file.mode.) CPython cannot roll a read-only spooled file over (its rollover writes the
// memory into the new file: UnsupportedOperation), so "r", "rb" and "rt" have no "after" there;
// ours rolls over and reports what the same mode gives on disk. CPython 3.15 spells the raw
// mode of a "w+b" file "wb+"; 3.11-3.14 say "rb+", as here.
struct ModeRow {
  const char* mode;
  int buffering;
  const char* temporary;  // TemporaryFile(mode).mode
  const char* named;      // NamedTemporaryFile(mode).mode
  const char* spooled;    // SpooledTemporaryFile(mode=mode).mode before rollover
  const char* rolled;     // ... after rollover (nullptr: CPython cannot)
};

constexpr ModeRow python_modes[] = {
    {"rb", -1, "rb", "rb", "rb", nullptr},   {"rb", 0, "rb", "rb", "rb", nullptr},
    {"r", -1, "r", "r", "r", nullptr},       {"rt", -1, "rt", "rt", "rt", nullptr},
    {"r+b", -1, "rb+", "rb+", "r+b", "rb+"}, {"r+b", 0, "rb+", "rb+", "r+b", "rb+"},
    {"r+", -1, "r+", "r+", "r+", "r+"},      {"r+t", -1, "r+t", "r+t", "r+t", "r+t"},
    {"wb", -1, "wb", "wb", "wb", "wb"},      {"wb", 0, "wb", "wb", "wb", "wb"},
    {"w", -1, "w", "w", "w", "w"},           {"wt", -1, "wt", "wt", "wt", "wt"},
    {"w+b", -1, "rb+", "rb+", "w+b", "rb+"}, {"w+b", 0, "rb+", "rb+", "w+b", "rb+"},
    {"w+", -1, "w+", "w+", "w+", "w+"},      {"w+t", -1, "w+t", "w+t", "w+t", "w+t"},
    {"xb", -1, "xb", "xb", "xb", "xb"},      {"xb", 0, "xb", "xb", "xb", "xb"},
    {"x", -1, "x", "x", "x", "x"},           {"xt", -1, "xt", "xt", "xt", "xt"},
    {"x+b", -1, "xb+", "xb+", "x+b", "xb+"}, {"x+b", 0, "xb+", "xb+", "x+b", "xb+"},
    {"x+", -1, "x+", "x+", "x+", "x+"},      {"x+t", -1, "x+t", "x+t", "x+t", "x+t"},
    {"ab", -1, "ab", "ab", "ab", "ab"},      {"ab", 0, "ab", "ab", "ab", "ab"},
    {"a", -1, "a", "a", "a", "a"},           {"at", -1, "at", "at", "at", "at"},
    {"a+b", -1, "ab+", "ab+", "a+b", "ab+"}, {"a+b", 0, "ab+", "ab+", "a+b", "ab+"},
    {"a+", -1, "a+", "a+", "a+", "a+"},      {"a+t", -1, "a+t", "a+t", "a+t", "a+t"},
    {"+bw", -1, "rb+", "rb+", "+bw", "rb+"}, {"+bw", 0, "rb+", "rb+", "+bw", "rb+"},
    {"bw+", -1, "rb+", "rb+", "bw+", "rb+"}, {"bw+", 0, "rb+", "rb+", "bw+", "rb+"},
};

TEST_F(ModeTableTest, EveryObjectReportsCPythonsModeString) {
  for (const ModeRow& row : python_modes) {
    SCOPED_TRACE(std::string("mode ") + row.mode + ", buffering " + std::to_string(row.buffering));
    TemporaryFile temporary({.mode = row.mode, .buffering = row.buffering});
    EXPECT_EQ(temporary.mode(), row.temporary);
    NamedTemporaryFile named({.mode = row.mode, .buffering = row.buffering});
    EXPECT_EQ(named.mode(), row.named);
    SpooledTemporaryFile spooled({.mode = row.mode, .buffering = row.buffering});
    EXPECT_EQ(spooled.mode(), row.spooled);
    spooled.rollover();
    ASSERT_TRUE(spooled.rolled());
    if (row.rolled != nullptr) {
      EXPECT_EQ(spooled.mode(), row.rolled);
    } else {
      // Read-only: what TemporaryFile gives for the same mode.
      EXPECT_EQ(spooled.mode(), row.temporary);
    }
  }
}

}  // namespace
}  // namespace tempfile
