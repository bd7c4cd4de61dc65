// SPDX-License-Identifier: MIT
// Every codec we accept, against CPython's codec of that name: codec_oracle.py prints what
// python3 does for a codec (every 1- and 2-byte input, whole encode tables, random text and
// chunkings under every handler, decoder states, text-layer reads), and this test does the
// same through our coders and compares. One ctest entry per codec, e.g.
// `ctest -R 'CodecOracle.*/cp1252$'` or `--gtest_filter='*CodecOracle*cp1252'`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "io/codec.hpp"
#include "io/codec_names.hpp"
#include "support/hex.hpp"
#include "support/scratch.hpp"
#include "tempfile/error.hpp"
#include "tempfile/temporary_file.hpp"

namespace tempfile::io {
namespace {

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream stream(line);
  while (std::getline(stream, field, separator)) {
    fields.push_back(field);
  }
  if (!line.empty() && line.back() == separator) {
    fields.emplace_back();
  }
  return fields;
}

std::string unhex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

using test::to_hex;

std::vector<std::string> chunks_of(const std::string& field) {
  std::vector<std::string> chunks;
  for (const std::string& hex : split(field, ',')) {
    chunks.push_back(unhex(hex));
  }
  if (chunks.empty()) {
    chunks.emplace_back();
  }
  return chunks;
}

// Our result in the oracle's notation: =HEX, !MESSAGE or ?.
template <typename Body>
std::string outcome(Body body) {
  try {
    return "=" + to_hex(body());
  } catch (const unicode_error& error) {
    return std::string("!") + error.what();
  } catch (const std::invalid_argument&) {
    return "?";
  }
}

class CodecOracle : public test::ScratchTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string decode(const Codec& codec, const std::string& errors,
                     const std::vector<std::string>& chunks) {
    return outcome([&] {
      const auto decoder = codec.decoder(parse_error_handler(errors));
      std::string out;
      for (std::size_t i = 0; i < chunks.size(); ++i) {
        decoder->decode(chunks[i], i + 1 == chunks.size(), out);
      }
      return out;
    });
  }

  std::string encode(const Codec& codec, const std::string& errors, const std::string& text) {
    return outcome([&] {
      std::string out;
      codec.encoder(parse_error_handler(errors))->encode(text, out);
      return out;
    });
  }

  std::string state(const Codec& codec, const std::vector<std::string>& chunks) {
    const auto decoder = codec.decoder(ErrorHandler::strict);
    std::string out;
    try {
      for (const std::string& chunk : chunks) {
        decoder->decode(chunk, false, out);
      }
    } catch (const std::exception& error) {
      return std::string("! ") + error.what();
    }
    const Decoder::State now = decoder->state();
    return to_hex(now.pending) + "\t" + std::to_string(now.flags) + "\t" + to_hex(out);
  }

  std::string text_layer(const std::string& encoding, const std::string& bytes, std::int64_t n) {
    try {
      TemporaryFile file({.mode = "w+", .encoding = encoding});
      if (::pwrite(file.fileno(), bytes.data(), bytes.size(), 0) !=
          static_cast<ssize_t>(bytes.size())) {
        return "pwrite failed";
      }
      file.seek(0);
      const std::string first = file.read(n);
      const std::int64_t cookie = file.tell();
      const std::string rest = file.read();
      file.seek(cookie);
      const std::string again = file.read();
      return to_hex(first) + "\t" + to_hex(rest) + "\t" + to_hex(again);
    } catch (const std::exception& error) {
      return std::string("! ") + error.what();
    }
  }
};

TEST_P(CodecOracle, BehavesAsCPythonsCodec) {
  const std::string& encoding = GetParam();
  const std::filesystem::path expected = "oracle.txt";
  const std::string command =
      "python3 '" TEMPFILE_CODEC_ORACLE "' '" + encoding + "' > '" + expected.string() + "'";
  // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command, one thread
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream python(expected);
  // The expected results go even if a case throws something unexpected.
  const std::unique_ptr<void, void (*)(void*)> remove_expected(
      this, [](void*) { std::filesystem::remove("oracle.txt"); });
  const Codec codec = Codec::lookup(encoding);
  std::size_t cases = 0;
  std::size_t failures = 0;
  for (std::string line; std::getline(python, line);) {
    const std::vector<std::string> f = split(line, '\t');
    ++cases;
    std::string ours;
    std::string theirs;
    if (f[0] == "D") {
      ours = decode(codec, f[1], chunks_of(f[2]));
      theirs = f[3];
    } else if (f[0] == "E") {
      ours = encode(codec, f[1], unhex(f[2]));
      theirs = f[3];
    } else if (f[0] == "G") {
      ours = state(codec, chunks_of(f[1]));
      theirs = f[2] + "\t" + f[3] + "\t" + f[4];
    } else if (f[0] == "T") {
      ours = text_layer(encoding, unhex(f[1]), std::stoll(f[2]));
      theirs = f[3] + "\t" + f[4] + "\t" + f[5];
    }
    if (ours != theirs && ++failures <= 12) {
      // Shown, but a failure only where the codec is expected to match (below).
      std::cout << encoding << ": " << line << "\n  ours:    " << ours << "\n  CPython: " << theirs
                << "\n";
    }
  }
  python.close();
  EXPECT_GT(cases, 1000U);
  EXPECT_EQ(failures, 0U) << encoding << ": " << failures << " of " << cases
                          << " cases differ from CPython";
}

std::vector<std::string> every_codec() {
  std::vector<std::string> names;
  for (const detail::PythonCodec& codec : detail::python_codecs()) {
    if (codec.family != detail::Family::refused) {
      names.emplace_back(codec.module);
    }
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Every, CodecOracle, ::testing::ValuesIn(every_codec()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace tempfile::io
