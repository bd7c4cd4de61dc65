// SPDX-License-Identifier: MIT
// libFuzzer target: the text decoder over random bytes, every encoding we serve, every errors
// handler, every newline mode and random read chunkings, with tell()/seek() round trips. The
// bytes go in through fileno() (below the text layer); reading them back in chunks records a
// tell() cookie before each read; seeking back to a cookie and reading the same way again must
// give the same text and the same failure at the same read. Decoding failures may only be
// tempfile::unicode_error (or std::invalid_argument for the two encode-only handlers, Python's
// TypeError); anything else, a crash or a hang is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/codec_names.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_file.hpp"

namespace {

[[noreturn]] void bug(const std::string& why) {
  std::fprintf(stderr, "text_fuzz: %s\n", why.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

constexpr const char* error_handlers[] = {
    "strict",           "replace",           "ignore",     "surrogateescape", "surrogatepass",
    "backslashreplace", "xmlcharrefreplace", "namereplace"};
const std::optional<std::string> newline_modes[] = {std::nullopt, "", "\n", "\r", "\r\n"};

constexpr std::size_t header_size = 5;
constexpr std::size_t max_payload = 2048;
constexpr std::size_t max_reads = 400;
constexpr std::size_t max_replays = 8;

// One step of reading: read(n) with n >= 1, or readline() (n == 0).
struct Step {
  std::int64_t n = 1;
};

// What a read gave: text, or a failure (its kind).
struct Got {
  std::string text;
  int failure = 0;  // 0 none, 1 unicode_error, 2 invalid_argument
};

Got do_step(tempfile::File& f, const Step& step, bool encode_only_handler) {
  Got got;
  try {
    got.text = step.n == 0 ? f.readline() : f.read(step.n);
  } catch (const tempfile::unicode_error&) {
    got.failure = 1;
  } catch (const std::invalid_argument& e) {
    if (!encode_only_handler) {
      bug(std::string("invalid_argument from a decode: ") + e.what());
    }
    got.failure = 2;
  } catch (const std::exception& e) {
    bug(std::string("unexpected exception from a read: ") + e.what());
  }
  return got;
}

void exercise(tempfile::File& f, std::string_view payload, std::uint8_t seed,
              bool encode_only_handler) {
  // Below the text layer: the bytes go straight to the descriptor, then seek(0) drops
  // whatever the layers above believed.
  const int fd = f.fileno();
  std::size_t written = 0;
  while (written < payload.size()) {
    const ssize_t n = ::pwrite(fd, payload.data() + written, payload.size() - written,
                               static_cast<off_t>(written));
    if (n <= 0) {
      bug("pwrite failed");
    }
    written += static_cast<std::size_t>(n);
  }
  f.seek(0);

  // The steps come from the seed: mostly small reads (1..8), sometimes readline() or a
  // larger read, so that reads end inside multibyte sequences, "\r\n" pairs and BOMs.
  std::uint32_t state = seed * 2654435761U + 1U;
  const auto next_step = [&state] {
    state = state * 1103515245U + 12345U;
    const std::uint32_t r = (state >> 16U) & 0xFFU;
    Step step;
    if (r < 24) {
      step.n = 0;
    } else if (r < 40) {
      step.n = 9 + static_cast<std::int64_t>(r);
    } else {
      step.n = 1 + static_cast<std::int64_t>(r % 8U);
    }
    return step;
  };

  std::vector<std::int64_t> cookies;
  std::vector<Step> steps;
  std::vector<Got> results;
  for (std::size_t i = 0; i < max_reads; ++i) {
    std::int64_t cookie = 0;
    try {
      cookie = f.tell();
    } catch (const std::exception& e) {
      bug(std::string("tell() threw: ") + e.what());
    }
    const Step step = next_step();
    Got got = do_step(f, step, encode_only_handler);
    const bool done = got.failure != 0 || got.text.empty();
    cookies.push_back(cookie);
    steps.push_back(step);
    results.push_back(std::move(got));
    if (done) {
      break;
    }
  }

  // Back to some of the cookies (the first, the last, and evenly between): the same steps
  // from there must give the same texts and the same failure.
  const std::size_t count = cookies.size();
  const std::size_t stride = count > max_replays ? count / max_replays : 1;
  std::vector<std::size_t> starts;
  for (std::size_t start = 0; start < count; start += stride) {
    starts.push_back(start);
  }
  if (starts.back() != count - 1) {
    starts.push_back(count - 1);
  }
  {
    for (const std::size_t from : starts) {
      try {
        f.seek(cookies[from]);
      } catch (const std::exception& e) {
        bug(std::string("seek(tell()) threw: ") + e.what());
      }
      for (std::size_t i = from; i < count; ++i) {
        const Got again = do_step(f, steps[i], encode_only_handler);
        if (again.failure != results[i].failure || again.text != results[i].text) {
          bug("after seek(" + std::to_string(cookies[from]) + ") read " + std::to_string(i) +
              " gave other text or failure");
        }
        if (again.failure != 0) {
          break;
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < header_size) {
    return 0;
  }
  static const bool tempdir_set = [] {
    const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
    tempfile::set_tempdir(base != nullptr && *base != '\0' ? base : "/tmp");
    return true;
  }();
  static_cast<void>(tempdir_set);

  // Every codec the library serves (those it refuses, e.g. the ISO-2022 family, are listed
  // with Family::refused and left out).
  static const std::vector<std::string> codecs = [] {
    std::vector<std::string> served;
    for (const tempfile::io::detail::PythonCodec& codec : tempfile::io::detail::python_codecs()) {
      if (codec.family != tempfile::io::detail::Family::refused) {
        served.emplace_back(codec.name);
      }
    }
    return served;
  }();
  const std::string& encoding = codecs[data[0] % codecs.size()];
  const std::size_t handler = data[1] % std::size(error_handlers);
  const std::optional<std::string>& newline = newline_modes[data[2] % std::size(newline_modes)];
  const std::uint8_t kind = data[3] % 3U;
  const std::uint8_t seed = data[4];
  std::string_view payload(reinterpret_cast<const char*>(data + header_size), size - header_size);
  if (payload.size() > max_payload) {
    payload = payload.substr(0, max_payload);
  }
  const bool encode_only_handler = handler >= 6;

  try {
    if (kind == 0) {
      tempfile::TemporaryFile f({.mode = "w+",
                                 .encoding = encoding,
                                 .newline = newline,
                                 .errors = error_handlers[handler]});
      exercise(f, payload, seed, encode_only_handler);
    } else {
      tempfile::SpooledTemporaryFile f({.max_size = 0,
                                        .mode = "w+",
                                        .encoding = encoding,
                                        .newline = newline,
                                        .errors = error_handlers[handler],
                                        .memfd = kind == 2});
      exercise(f, payload, seed, encode_only_handler);
    }
  } catch (const std::exception& e) {
    bug(std::string("setting up threw: ") + e.what());
  }
  return 0;
}
