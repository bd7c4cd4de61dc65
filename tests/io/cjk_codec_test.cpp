// SPDX-License-Identifier: MIT
// The CJK codecs' steps (io/cjk_codecs.hpp) against python3's codecs of the same names, in
// bulk and exhaustively: every 1- and 2-byte input (and the longer forms) decoded, with
// 'replace' and strict's first error; every code point 0..0x10FFFF encoded; the pairs that
// big5hkscs encodes as one unit; random texts round-tripped; incremental decoding split
// anywhere. python3 runs tests/io/cjk_oracle.py once per codec (its records are described
// there); the drivers here apply the steps as CPython's codecs apply theirs.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/cjk_codecs.hpp"
#include "support/hex.hpp"
#include "support/scratch.hpp"

namespace tempfile::io {
namespace {

constexpr std::string_view illegal = "illegal multibyte sequence";
constexpr std::string_view incomplete = "incomplete multibyte sequence";
constexpr char32_t code_space = 0x110000;

std::string run_oracle(const std::string& codec) {
  const std::string command = "python3 '" TEMPFILE_CJK_ORACLE "' " + codec;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return {};
  }
  std::string output;
  char buffer[1 << 16];
  for (std::size_t n = 0; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    output.append(buffer, n);
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

// Hex digits to a number (the oracle's output is well-formed; parsing is hot in the test).
std::uint32_t hex_value(std::string_view digits) {
  std::uint32_t value = 0;
  for (const char c : digits) {
    value = value * 16 + static_cast<std::uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return value;
}

std::string from_hex(std::string_view hex) {
  std::string bytes;
  if (hex == "-") {
    return bytes;
  }
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(hex_value(hex.substr(i, 2)));
  }
  return bytes;
}

std::u32string code_points_of(std::string_view field) {
  std::u32string text;
  if (field == "-") {
    return text;
  }
  for (const std::string_view part : split(field, '.')) {
    text += static_cast<char32_t>(hex_value(part));
  }
  return text;
}

// The oracle prints empty bytes as "-".
std::string hex(std::string_view bytes) {
  return bytes.empty() ? "-" : test::to_hex(bytes);
}

std::string shown(std::u32string_view text) {
  std::ostringstream out;
  out << std::hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out << (i == 0 ? "" : ".") << static_cast<std::uint32_t>(text[i]);
  }
  return text.empty() ? "-" : out.str();
}

const unsigned char* bytes_of(const std::string& data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

// A whole input decoded as bytes.decode(codec, 'replace') does, and strict's first error
// "start,end,I|N" ("-" if none).
struct Decoded {
  std::u32string text;
  std::string first_error = "-";
};

Decoded decode_whole(const TableCodec& codec, const std::string& data) {
  Decoded result;
  for (std::size_t pos = 0; pos < data.size();) {
    const DecodeStep step = codec.decode(bytes_of(data) + pos, data.size() - pos, true);
    if (step.kind == DecodeStep::Kind::character) {
      result.text.append(step.code_points.data(), step.count);
    } else if (step.kind == DecodeStep::Kind::error && step.consumed > 0) {
      if (result.first_error == "-") {
        result.first_error = std::to_string(pos) + "," + std::to_string(pos + step.consumed) + "," +
                             (step.reason == illegal      ? "I"
                              : step.reason == incomplete ? "N"
                                                          : "?");
      }
      result.text += U'\uFFFD';
    } else {
      result.first_error = "step waited or consumed nothing when final";
      return result;
    }
    pos += step.consumed;
  }
  return result;
}

// An incremental 'replace' decoder: bytes a step waits for are kept for the next chunk.
class IncrementalDecoder {
 public:
  explicit IncrementalDecoder(const TableCodec& codec) : codec_(codec) {}
  std::u32string feed(std::string_view chunk, bool final) {
    pending_ += chunk;
    std::u32string text;
    std::size_t pos = 0;
    while (pos < pending_.size()) {
      const DecodeStep step = codec_.decode(bytes_of(pending_) + pos, pending_.size() - pos, final);
      if (step.kind == DecodeStep::Kind::incomplete) {
        break;
      }
      if (step.kind == DecodeStep::Kind::character) {
        text.append(step.code_points.data(), step.count);
      } else {
        text += U'\uFFFD';
      }
      pos += step.consumed;
    }
    pending_.erase(0, pos);
    return text;
  }

 private:
  const TableCodec& codec_;
  std::string pending_;
};

std::string step_bytes(const EncodeStep& step) {
  return {reinterpret_cast<const char*>(step.bytes.data()), step.length};
}

// Strict encoding of text the codec can encode; "error at N" otherwise.
std::string encode_whole(const TableCodec& codec, std::u32string_view text) {
  std::string out;
  for (std::size_t pos = 0; pos < text.size();) {
    const EncodeStep step = codec.encode(text.data() + pos, text.size() - pos, true);
    if (step.used == 0) {
      return "error at " + std::to_string(pos);
    }
    out += step_bytes(step);
    pos += step.used;
  }
  return out;
}

// Collects mismatches, reporting the first few in full.
class Mismatches {
 public:
  void add(const std::string& what) {
    if (++count_ <= 12) {
      ADD_FAILURE() << what;
    }
  }
  [[nodiscard]] int count() const { return count_; }

 private:
  int count_ = 0;
};

class CjkCodecTest : public test::ScratchTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CjkCodecTest, BehavesAsPython) {
  const std::string& name = GetParam();
  const TableCodec* codec = find_cjk_table_codec(name);
  ASSERT_NE(codec, nullptr);
  const std::string output = run_oracle(name);
  ASSERT_FALSE(output.empty()) << "python3 " TEMPFILE_CJK_ORACLE " " << name << " failed";

  Mismatches mismatches;
  std::vector<std::string> expected_encoding(code_space);
  std::vector<bool> expected_encodable(code_space);
  std::vector<char32_t> waiting;
  std::map<std::pair<char32_t, char32_t>, std::string> pairs;
  std::size_t decodes = 0;
  std::size_t round_trips = 0;
  std::size_t chunked = 0;
  for (const std::string_view line : split(output, '\n')) {
    if (line.empty()) {
      continue;
    }
    const std::vector<std::string_view> fields = split(line, ' ');
    if (fields[0] == "D") {
      const std::string data = from_hex(fields[1]);
      const Decoded got = decode_whole(*codec, data);
      if (shown(got.text) != fields[2] || got.first_error != fields[3]) {
        mismatches.add("decode " + std::string(fields[1]) + ": python3 " + std::string(fields[2]) +
                       " " + std::string(fields[3]) + ", ours " + shown(got.text) + " " +
                       got.first_error);
      }
      ++decodes;
    } else if (fields[0] == "E") {
      const auto cp = static_cast<char32_t>(hex_value(fields[1]));
      expected_encoding[cp] = from_hex(fields[2]);
      expected_encodable[cp] = true;
    } else if (fields[0] == "W") {
      waiting.push_back(static_cast<char32_t>(hex_value(fields[1])));
    } else if (fields[0] == "P") {
      const std::u32string pair = code_points_of(fields[1]);
      pairs.emplace(std::pair{pair.at(0), pair.at(1)}, from_hex(fields[2]));
    } else if (fields[0] == "R") {
      const std::u32string text = code_points_of(fields[1]);
      const std::string encoded = encode_whole(*codec, text);
      const Decoded back = decode_whole(*codec, encoded);
      if (hex(encoded) != fields[2] || shown(back.text) != fields[3]) {
        mismatches.add("round trip of " + std::string(fields[1]) + ": python3 " +
                       std::string(fields[2]) + ", ours " + hex(encoded) + " -> " +
                       shown(back.text) + " " + back.first_error);
      }
      ++round_trips;
    } else if (fields[0] == "C") {
      const std::string data = from_hex(fields[1]);
      std::vector<std::size_t> splits;
      if (fields[2] != "-") {
        for (const std::string_view s : split(fields[2], '.')) {
          splits.push_back(std::stoul(std::string(s)));
        }
      }
      splits.push_back(data.size());
      IncrementalDecoder decoder(*codec);
      std::string got;
      std::size_t start = 0;
      for (const std::size_t end : splits) {
        got += shown(decoder.feed(std::string_view(data).substr(start, end - start), false)) + "/";
        start = end;
      }
      got += shown(decoder.feed({}, true));
      if (got != fields[3]) {
        mismatches.add("chunks of " + std::string(fields[1]) + " at " + std::string(fields[2]) +
                       ": python3 " + std::string(fields[3]) + ", ours " + got);
      }
      ++chunked;
    } else {
      FAIL() << "unknown oracle record: " << line;
    }
  }

  // Every code point alone, final and not (only the pair starters wait).
  std::vector<bool> waits(code_space);
  for (const char32_t cp : waiting) {
    waits[cp] = true;
  }
  std::size_t eight_byte_codes = 0;
  for (char32_t cp = 0; cp < code_space; ++cp) {
    const EncodeStep step = codec->encode(&cp, 1, true);
    const bool ok = expected_encodable[cp]
                        ? step.used == 1 && step_bytes(step) == expected_encoding[cp]
                        : step.used == 0 && step.reason == illegal;
    if (!ok) {
      mismatches.add("encode U+" + shown(std::u32string(1, cp)) + ": python3 " +
                     (expected_encodable[cp] ? hex(expected_encoding[cp]) : "error") + ", ours " +
                     (step.used == 0 ? "error" : hex(step_bytes(step))));
    }
    if (step.used == 1 && step.length == 8) {
      ++eight_byte_codes;
    }
    const EncodeStep partial = codec->encode(&cp, 1, false);
    const bool waited = partial.used == 0 && partial.reason.empty();
    if (waited != waits[cp]) {
      mismatches.add("encode U+" + shown(std::u32string(1, cp)) + " not final: python3 " +
                     (waits[cp] ? "waits" : "does not wait"));
    }
  }
  // Each pair starter before every code point: one unit exactly for python3's pairs.
  for (const char32_t first : waiting) {
    for (char32_t second = 0; second < code_space; ++second) {
      if (second >= 0xD800 && second < 0xE000) {
        continue;
      }
      const char32_t text[] = {first, second};
      const EncodeStep step = codec->encode(text, 2, true);
      const auto pair = pairs.find({first, second});
      const std::size_t expected_used = pair == pairs.end() ? 1 : 2;
      const std::string& expected = pair == pairs.end() ? expected_encoding[first] : pair->second;
      if (step.used != expected_used || step_bytes(step) != expected) {
        mismatches.add("encode pair U+" + shown(std::u32string_view(text, 2)) + ": python3 " +
                       hex(expected) + ", ours " + hex(step_bytes(step)));
      }
    }
  }
  // euc_kr's make-up sequences (the Hangul syllables outside KS X 1001) come whole from
  // encode(); no other codec has a code longer than 4 bytes.
  if (name == "euc_kr") {
    EXPECT_EQ(eight_byte_codes, std::size_t{11172 - 2350});
  } else {
    EXPECT_EQ(eight_byte_codes, std::size_t{0});
  }
  EXPECT_GE(decodes, std::size_t{256 + 65536});
  EXPECT_GT(round_trips, std::size_t{0});
  EXPECT_GT(chunked, std::size_t{0});
  EXPECT_EQ(mismatches.count(), 0);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CjkCodecTest,
                         ::testing::Values("shift_jis", "cp932", "euc_jp", "big5", "cp950", "gbk",
                                           "gb2312", "euc_kr", "cp949", "big5hkscs", "johab",
                                           "gb18030"),
                         [](const auto& param_info) { return param_info.param; });

TEST(CjkCodecNames, OnlyOurCodecsAreFound) {
  EXPECT_EQ(find_cjk_table_codec("utf_8"), nullptr);
  EXPECT_EQ(find_cjk_table_codec("shift_jis_2004"), nullptr);
  EXPECT_EQ(find_cjk_table_codec("hz"), nullptr);
  EXPECT_NE(find_cjk_table_codec("gb18030"), nullptr);
  EXPECT_NE(find_cjk_table_codec("euc_kr"), nullptr);
}

}  // namespace
}  // namespace tempfile::io
