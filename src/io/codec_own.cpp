// SPDX-License-Identifier: MIT
// Our own codecs, the ones text files use most: utf-8, utf-8-sig, latin-1 and ascii, written
// for speed (ASCII runs are copied in words) with CPython's errors, positions and state.
#include <string>

#include "io/codec_support.hpp"

namespace tempfile::io::detail {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::size_t utf8_surrogate_size = 3;

std::size_t decode_utf8(std::string_view data, bool final, ErrorHandler errors, std::string& out) {
  const unsigned char* bytes = bytes_of(data);
  const std::size_t size = data.size();
  std::size_t i = 0;
  std::size_t copied = 0;  // data[copied, i) is valid and goes to `out` as it is
  while ((i = skip_ascii(bytes, i, size)) < size) {
    const Sequence sequence = scan_sequence(bytes + i, size - i, false);
    if (sequence.result == Scan::valid) {
      i += sequence.length;
      continue;
    }
    out.append(data.substr(copied, i - copied));
    if (!final && (sequence.result == Scan::incomplete ||
                   // CPython waits on the first two bytes of an encoded surrogate too, so
                   // that surrogatepass can see all three.
                   (size - i == 2 && bytes[i] == 0xED && bytes[i + 1] >= 0xA0))) {
      return i;
    }
    const std::string_view reason = sequence.result == Scan::invalid_start ? "invalid start byte"
                                    : sequence.result == Scan::invalid_continuation
                                        ? "invalid continuation byte"
                                        : "unexpected end of data";
    i = on_decode_error(errors, "utf-8", data, i, i + sequence.length, reason, out,
                        utf8_surrogate_size);
    copied = i;
  }
  out.append(data.substr(copied));
  return size;
}

// utf-8, and utf-8-sig, whose flags are CPython's: 1 while a BOM may still come, then 0.
class Utf8Decoder final : public BufferedDecoder {
 public:
  Utf8Decoder(ErrorHandler errors, bool signature)
      : BufferedDecoder(errors, signature ? 1 : 0), signature_(signature) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    if (signature_ && flags() != 0) {
      // CPython keeps a partial BOM even at the end of the input: b'\xef' reads as ''.
      if (data.size() < utf8_bom.size() && utf8_bom.starts_with(data)) {
        return 0;
      }
      set_flags(0);
      keep_flags_on_error();
      if (data.starts_with(utf8_bom)) {
        // Positions in errors then count from after the BOM, as in CPython.
        return utf8_bom.size() + decode_utf8(data.substr(utf8_bom.size()), final, errors(), out);
      }
    }
    return decode_utf8(data, final, errors(), out);
  }

  [[nodiscard]] std::uint64_t accept_flags(std::uint64_t flags) const override {
    return signature_ && flags != 0 ? 1 : 0;
  }

  bool signature_;
};

// iso8859-1 (every byte is U+0000..U+00FF) and ascii (bytes 0x80..0xFF are errors).
class ByteDecoder final : public BufferedDecoder {
 public:
  ByteDecoder(ErrorHandler errors, bool ascii) : BufferedDecoder(errors, 0), ascii_(ascii) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool /*final*/, std::string& out) override {
    const unsigned char* bytes = bytes_of(data);
    std::size_t i = 0;
    std::size_t copied = 0;
    while ((i = skip_ascii(bytes, i, data.size())) < data.size()) {
      out.append(data.substr(copied, i - copied));
      if (ascii_) {
        i = on_decode_error(errors(), "ascii", data, i, i + 1, "ordinal not in range(128)", out);
      } else {
        append_utf8(out, bytes[i]);
        ++i;
      }
      copied = i;
    }
    out.append(data.substr(copied));
    return data.size();
  }

  bool ascii_;
};

// What our own encoders can encode: all but surrogates (utf-8), or code points below a limit.
struct OwnTarget {
  std::string_view codec;
  std::string_view reason;
  char32_t limit;  // 0 for utf-8

  [[nodiscard]] bool utf8() const { return limit == 0; }
  [[nodiscard]] bool encodes(char32_t code_point) const {
    return utf8() ? !is_surrogate(code_point) : code_point < limit;
  }
};

constexpr OwnTarget utf8_target{"utf-8", "surrogates not allowed", 0};
constexpr OwnTarget latin1_target{"latin-1", "ordinal not in range(256)", 0x100};
constexpr OwnTarget ascii_target{"ascii", "ordinal not in range(128)", 0x80};

bool pass_utf8_surrogate(char32_t code_point, std::string& bytes) {
  append_utf8(bytes, code_point);
  return true;
}

// The error run [chars, chars + run.size()) handled; what it becomes is appended to `out`.
void on_own_error(ErrorHandler errors, const OwnTarget& target, const std::u32string& run,
                  std::size_t chars, std::string& out) {
  if (errors == ErrorHandler::surrogateescape) {
    // CPython's own encoders escape inline: they write the escapable prefix, then fail on
    // the rest of the run.
    for (std::size_t k = 0; k < run.size(); ++k) {
      if (!is_escaped_byte(run[k])) {
        throw_encode_error(target.codec, run[k], chars + k, chars + run.size(), target.reason);
      }
      out += static_cast<char>(run[k] & 0xFFU);
    }
    return;
  }
  const EncodeReplacement replacement =
      on_encode_error(errors, target.codec, target.reason, run.data(), chars, chars + run.size(),
                      target.utf8() ? pass_utf8_surrogate : nullptr);
  if (replacement.raw) {
    out += replacement.bytes;
  } else {
    for (const char32_t c : replacement.text) {
      out += static_cast<char>(c);  // ASCII, which every own target encodes as itself
    }
  }
}

void encode_own(std::string_view text, ErrorHandler errors, const OwnTarget& target,
                std::string& out) {
  const unsigned char* bytes = bytes_of(text);
  const std::size_t size = text.size();
  std::size_t i = 0;
  std::size_t chars = 0;
  std::size_t copied = 0;  // utf-8 only: text[copied, i) goes to `out` as it is
  while (i < size) {
    const std::size_t ascii_end = skip_ascii(bytes, i, size);
    if (!target.utf8()) {
      out.append(text.substr(i, ascii_end - i));
    }
    chars += ascii_end - i;
    i = ascii_end;
    if (i == size) {
      break;
    }
    const Char c = next_char(text, i);
    if (target.encodes(c.code_point)) {
      if (!target.utf8()) {
        out += static_cast<char>(c.code_point);
      }
      i += c.length;
      ++chars;
      continue;
    }
    if (target.utf8()) {
      out.append(text.substr(copied, i - copied));
    }
    // CPython reports a run of unencodable characters as one error.
    std::u32string run(1, c.code_point);
    std::size_t run_end = i + c.length;
    while (run_end < size) {
      const Char next = next_char(text, run_end);
      if (target.encodes(next.code_point)) {
        break;
      }
      run_end += next.length;
      run += next.code_point;
    }
    on_own_error(errors, target, run, chars, out);
    i = run_end;
    chars += run.size();
    copied = i;
  }
  if (target.utf8()) {
    out.append(text.substr(copied));
  }
}

// utf-8, utf-8-sig, latin-1 and ascii.
class OwnEncoder final : public Encoder {
 public:
  OwnEncoder(ErrorHandler errors, const OwnTarget& target, bool signature)
      : errors_(errors), target_(target), signature_(signature), write_bom_(signature) {}

  void encode(std::string_view text, std::string& out) override {
    const std::size_t mark = out.size();
    try {
      if (write_bom_) {
        out += utf8_bom;
      }
      encode_own(text, errors_, target_, out);
    } catch (...) {
      out.resize(mark);
      throw;
    }
    write_bom_ = false;
  }
  void reset() override { write_bom_ = signature_; }
  void skip_bom() override { write_bom_ = false; }
  [[nodiscard]] bool bom_pending() const noexcept override { return write_bom_; }

 private:
  ErrorHandler errors_;
  OwnTarget target_;
  bool signature_;
  bool write_bom_;
};

}  // namespace

std::unique_ptr<Decoder> make_own_decoder(OwnCodec codec, ErrorHandler errors) {
  switch (codec) {
    case OwnCodec::utf8:
      return std::make_unique<Utf8Decoder>(errors, false);
    case OwnCodec::utf8_sig:
      return std::make_unique<Utf8Decoder>(errors, true);
    case OwnCodec::latin1:
      return std::make_unique<ByteDecoder>(errors, false);
    case OwnCodec::ascii:
      break;
  }
  return std::make_unique<ByteDecoder>(errors, true);
}

std::unique_ptr<Encoder> make_own_encoder(OwnCodec codec, ErrorHandler errors) {
  switch (codec) {
    case OwnCodec::utf8:
      return std::make_unique<OwnEncoder>(errors, utf8_target, false);
    case OwnCodec::utf8_sig:
      return std::make_unique<OwnEncoder>(errors, utf8_target, true);
    case OwnCodec::latin1:
      return std::make_unique<OwnEncoder>(errors, latin1_target, false);
    case OwnCodec::ascii:
      break;
  }
  return std::make_unique<OwnEncoder>(errors, ascii_target, false);
}

}  // namespace tempfile::io::detail
