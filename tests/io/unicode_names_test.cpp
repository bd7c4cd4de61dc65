// SPDX-License-Identifier: MIT
// The namereplace error handler and its name data (io/unicode_names.hpp) against python3:
// every code point's name equals unicodedata.name(chr(cp), None), and sample texts encode
// through real codecs as str.encode(codec, 'namereplace') does. python3 runs
// tests/io/unicode_names_oracle.py (its records are described there).
#include "io/unicode_names.hpp"

#include <gmock/gmock.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/codec.hpp"
#include "support/scratch.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::io {
namespace {

using ::testing::StrEq;
using ::testing::ThrowsMessage;

constexpr char32_t code_space = 0x110000;

std::string run_oracle(const std::string& mode) {
  const std::string command = "python3 '" TEMPFILE_UNICODE_NAMES_ORACLE "' " + mode;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return {};
  }
  std::string output;
  std::vector<char> buffer(std::size_t{1} << 16U);
  for (std::size_t n = 0; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  return pclose(pipe) == 0 ? output : std::string{};
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

std::string from_hex(std::string_view hex) {
  std::string bytes;
  if (hex == "-") {
    return bytes;
  }
  const auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
  }
  return bytes;
}

class UnicodeNamesTest : public test::ScratchTest {};

// Compares `append_name` with the oracle's `mode` records for every code point; returns how
// many code points have a name.
std::size_t expect_every_name(const std::string& mode,
                              bool (*append_name)(char32_t, std::string&)) {
  const std::string names = run_oracle(mode);
  EXPECT_FALSE(names.empty()) << "python3 " TEMPFILE_UNICODE_NAMES_ORACLE " " << mode;
  std::vector<std::string_view> lines = split(names, '\n');
  lines.pop_back();  // after the last newline
  if (lines.size() != code_space) {
    ADD_FAILURE() << mode << ": " << lines.size() << " records";
    return 0;
  }
  std::size_t named = 0;
  std::size_t differences = 0;
  for (char32_t cp = 0; cp < code_space; ++cp) {
    std::string ours;
    const bool has_name = append_name(cp, ours);
    named += has_name ? 1 : 0;
    // Our "no name" must append nothing, so it compares as Python's '' line.
    if (has_name == ours.empty() || ours != lines[cp]) {
      // Report the first few; the count says how many more.
      if (++differences <= 10) {
        ADD_FAILURE() << mode << ": U+" << std::hex << static_cast<std::uint32_t>(cp) << ": ours '"
                      << ours << "', python3 '" << lines[cp] << "'";
      }
    }
  }
  EXPECT_EQ(differences, 0U) << mode;
  return named;
}

TEST_F(UnicodeNamesTest, EveryCodePointIsNamedAsPythonNamesIt) {
  // Unicode 14.0.0 as CPython 3.11 names it (Tangut ideographs have no name there).
  EXPECT_EQ(expect_every_name("names", detail::append_unicode_name), 138552U);
}

// CPython's namereplace also writes the alias and named-sequence names it keeps at U+F0000..
// (python3: chr(0xF0001).encode('ascii', 'namereplace') == b'\\N{NUL}').
TEST_F(UnicodeNamesTest, NamereplaceNamesEveryCodePointAsPythonDoes) {
  EXPECT_EQ(expect_every_name("namereplace", detail::append_namereplace_name), 138552U + 931U);
}

TEST_F(UnicodeNamesTest, CodecsEncodeAsPythonsNamereplace) {
  const std::string records = run_oracle("encode");
  ASSERT_FALSE(records.empty()) << "python3 " TEMPFILE_UNICODE_NAMES_ORACLE " encode failed";
  std::size_t checked = 0;
  for (const std::string_view line : split(records, '\n')) {
    if (line.empty()) {
      continue;
    }
    const std::vector<std::string_view> fields = split(line, ' ');
    ASSERT_EQ(fields.size(), 3U) << line;
    const Codec codec = Codec::lookup(fields[0]);
    const std::string text = from_hex(fields[1]);
    std::string ours;
    try {
      codec.encoder(ErrorHandler::namereplace)->encode(text, ours);
    } catch (const std::exception&) {
      ours = "!";  // python3 failed too where its record says '!'
    }
    EXPECT_EQ(ours, fields[2] == "!" ? "!" : from_hex(fields[2])) << line;
    ++checked;
  }
  EXPECT_GE(checked, 5U * 300U);
}

// python3: 'a\xe9'.encode('ascii', 'namereplace') == b'a\\N{LATIN SMALL LETTER E WITH ACUTE}';
// '\udc80'.encode('ascii', 'namereplace') == b'\\udc80'; chr(0xE000).encode('latin-1',
// 'namereplace') == b'\\ue000'; '\U00017000'.encode('ascii', 'namereplace') ==
// b'\\U00017000'; b'\xff'.decode('ascii', 'namereplace') raises TypeError.
TEST_F(UnicodeNamesTest, NamelessCharactersAndDecodingAsInPython) {
  const auto encode = [](std::string_view encoding, std::string_view text) {
    std::string out;
    Codec::lookup(encoding).encoder(ErrorHandler::namereplace)->encode(text, out);
    return out;
  };
  EXPECT_EQ(encode("ascii", "a\u00e9"), "a\\N{LATIN SMALL LETTER E WITH ACUTE}");
  EXPECT_EQ(encode("ascii", "\xED\xB2\x80"), "\\udc80");
  EXPECT_EQ(encode("latin-1", "\uE000\u00e9"), "\\ue000\xE9");
  EXPECT_EQ(encode("ascii", "\U00017000\u0080"), "\\U00017000\\x80");
  EXPECT_EQ(encode("utf-8", "\xED\xA0\x80"), "\\ud800");
  EXPECT_EQ(encode("ascii", "\U000F0001\U000F03CD"), "\\N{NUL}\\U000f03cd");
  EXPECT_THAT(
      [] {
        std::string out;
        Codec::lookup("ascii").decoder(ErrorHandler::namereplace)->decode("\xFF", true, out);
      },
      ThrowsMessage<std::invalid_argument>(
          StrEq("tempfile: don't know how to handle UnicodeDecodeError in error callback")));
}

// python3: TemporaryFile('w+', encoding='ascii', errors='namereplace'), write('é€😀'),
// seek(0), read() == '\\N{LATIN SMALL LETTER E WITH ACUTE}\\N{EURO SIGN}\\N{GRINNING FACE}'.
TEST_F(UnicodeNamesTest, TextFilesWriteNames) {
  TemporaryFile file({.mode = "w+", .encoding = "ascii", .errors = "namereplace"});
  EXPECT_EQ(file.write(std::string_view("\u00e9\u20ac\U0001F600")), 3U);
  file.seek(0);
  EXPECT_EQ(file.read(), "\\N{LATIN SMALL LETTER E WITH ACUTE}\\N{EURO SIGN}\\N{GRINNING FACE}");
}

}  // namespace
}  // namespace tempfile::io
