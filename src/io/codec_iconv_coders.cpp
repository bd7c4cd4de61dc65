// The coders that stay on iconv(3): utf-16 and utf-32 (the byte-order mark handled here),
// and the multibyte codecs that have no table of ours yet, with CPython's error handlers,
// messages and decoder state around iconv's conversion.
#include <algorithm>
#include <bit>
#include <cerrno>
#include <optional>
#include <string>

#include "io/codec_iconv.hpp"
#include "io/codec_support.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io::detail {
namespace {

bool native_big_endian() {
  return std::endian::native == std::endian::big;
}

// CPython's decoder-state flags for utf-16 and utf-32.
constexpr std::uint64_t native_order = 0;
constexpr std::uint64_t swapped_order = 1;
constexpr std::uint64_t order_undecided = 2;

class IconvDecoder final : public BufferedDecoder {
 public:
  IconvDecoder(ErrorHandler errors, Family family, const std::string& iconv_name, std::string name)
      : BufferedDecoder(errors, detects_bom(family, iconv_name) ? order_undecided : 0),
        family_(family),
        name_(std::move(name)),
        detect_bom_(detects_bom(family, iconv_name)),
        fixed_big_endian_(iconv_name.ends_with("BE")) {
    if (family_ != Family::utf16 && family_ != Family::utf32) {
      little_.emplace("UTF-8", iconv_name);
    }
  }

 private:
  static bool detects_bom(Family family, const std::string& iconv_name) {
    return (family == Family::utf16 || family == Family::utf32) && !iconv_name.ends_with("LE") &&
           !iconv_name.ends_with("BE");
  }

  [[nodiscard]] bool is_utf() const { return family_ == Family::utf16 || family_ == Family::utf32; }
  [[nodiscard]] std::size_t unit() const {
    return family_ == Family::utf16 ? 2 : family_ == Family::utf32 ? 4 : 1;
  }

  [[nodiscard]] bool big_endian() const {
    if (!detect_bom_) {
      return fixed_big_endian_;
    }
    return flags() == swapped_order ? !native_big_endian() : native_big_endian();
  }

  // For utf-16/32, little_ and big_ are the two byte orders, opened when first needed;
  // for the others little_ is the one conversion.
  Iconv& converter() {
    if (!is_utf()) {
      return *little_;
    }
    const std::string base = family_ == Family::utf16 ? "UTF-16" : "UTF-32";
    std::optional<Iconv>& slot = big_endian() ? big_ : little_;
    if (!slot) {
      slot.emplace("UTF-8", base + (big_endian() ? "BE" : "LE"));
    }
    return *slot;
  }

  [[nodiscard]] std::string error_codec() const {
    switch (family_) {
      case Family::charmap:
        return "charmap";
      case Family::utf16:
        return big_endian() ? "utf-16-be" : "utf-16-le";
      case Family::utf32:
        return big_endian() ? "utf-32-be" : "utf-32-le";
      default:
        return name_;
    }
  }

  [[nodiscard]] std::uint32_t code_unit(std::string_view bytes) const {
    std::uint32_t value = 0;
    for (std::size_t k = 0; k < bytes.size(); ++k) {
      const std::size_t shift = big_endian() ? bytes.size() - 1 - k : k;
      value |= std::uint32_t{bytes_of(bytes)[k]} << (8U * shift);
    }
    return value;
  }

  [[nodiscard]] std::string_view invalid_reason(std::string_view unit_bytes) const {
    switch (family_) {
      case Family::charmap:
        return "character maps to <undefined>";
      case Family::utf16:
        return code_unit(unit_bytes) >= 0xD800 && code_unit(unit_bytes) <= 0xDBFF
                   ? "illegal UTF-16 surrogate"
                   : "illegal encoding";
      case Family::utf32:
        return is_surrogate(code_unit(unit_bytes))
                   ? "code point in surrogate code point range(0xd800, 0xe000)"
                   : "code point not in range(0x110000)";
      default:
        return "illegal multibyte sequence";
    }
  }

  [[nodiscard]] std::string_view incomplete_reason(std::size_t left) const {
    switch (family_) {
      case Family::utf16:
        return left < 2 ? "truncated data" : "unexpected end of data";
      case Family::utf32:
        return "truncated data";
      default:
        return "incomplete multibyte sequence";
    }
  }

  // Reads a BOM if there is one (the byte order is then decided); returns its size, or 0.
  std::size_t read_bom(std::string_view data) {
    const bool utf16 = family_ == Family::utf16;
    const std::string_view little_bom =
        utf16 ? std::string_view("\xFF\xFE", 2) : std::string_view("\xFF\xFE\x00\x00", 4);
    const std::string_view big_bom =
        utf16 ? std::string_view("\xFE\xFF", 2) : std::string_view("\x00\x00\xFE\xFF", 4);
    if (data.starts_with(little_bom)) {
      set_flags(native_big_endian() ? swapped_order : native_order);
      return little_bom.size();
    }
    if (data.starts_with(big_bom)) {
      set_flags(native_big_endian() ? native_order : swapped_order);
      return big_bom.size();
    }
    return 0;
  }

  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    if (!detect_bom_ || flags() != order_undecided) {
      return convert_from(data, 0, final, out);
    }
    if (data.size() < unit() && !final) {
      return 0;
    }
    if (const std::size_t bom = read_bom(data); bom != 0) {
      return convert_from(data, bom, final, out);
    }
    // No BOM: CPython's incremental decoder decodes in native order (its errors are raised
    // as they are), then refuses the stream if that consumed a whole code unit. A final
    // piece shorter than a unit leaves the order undecided, as CPython's state shows (2).
    std::string decoded;
    const std::size_t consumed = convert_from(data, 0, final, decoded);
    if (consumed >= unit()) {
      throw unicode_error(family_ == Family::utf16 ? "UTF-16 stream does not start with BOM"
                                                   : "UTF-32 stream does not start with BOM");
    }
    out += decoded;
    return consumed;
  }

  // Converts data[position...]; returns how far it got (all of it when final).
  std::size_t convert_from(std::string_view data, std::size_t position, bool final,
                           std::string& out) {
    Iconv& iconv = converter();
    const std::string codec = error_codec();
    const std::size_t surrogate_unit = is_utf() ? unit() : 0;
    while (position < data.size()) {
      const Iconv::Step step = iconv.convert(data.substr(position), out);
      position += step.consumed;
      if (step.error == 0) {
        break;
      }
      if (step.error == EINVAL) {
        if (!final) {
          return position;
        }
        position = on_decode_error(errors(), codec, data, position, data.size(),
                                   incomplete_reason(data.size() - position), out, surrogate_unit,
                                   big_endian());
        iconv.reset();
        continue;
      }
      // One code unit per error: a byte, or 2/4 bytes for utf-16/utf-32, as in CPython.
      const std::size_t length = std::min(unit(), data.size() - position);
      position = on_decode_error(errors(), codec, data, position, position + length,
                                 invalid_reason(data.substr(position, length)), out, surrogate_unit,
                                 big_endian());
    }
    if (final) {
      iconv.flush(out);
    }
    return position;
  }

  [[nodiscard]] std::uint64_t accept_flags(std::uint64_t flags) const override {
    if (!detect_bom_) {
      return 0;
    }
    return flags == native_order || flags == swapped_order ? flags : order_undecided;
  }

  void restart() override {
    for (std::optional<Iconv>* slot : {&little_, &big_}) {
      if (*slot) {
        (*slot)->reset();
      }
    }
  }

  Family family_;
  std::string name_;
  bool detect_bom_;
  bool fixed_big_endian_;
  std::optional<Iconv> little_;
  std::optional<Iconv> big_;
};

class IconvEncoder final : public Encoder {
 public:
  IconvEncoder(ErrorHandler errors, Family family, const std::string& iconv_name, std::string name)
      : errors_(errors),
        family_(family),
        name_(std::move(name)),
        bom_(bom_for(family, iconv_name)),
        write_bom_(!bom_.empty()),
        target_(target_for(family, iconv_name)),
        iconv_(target_, "UTF-8") {}

  void encode(std::string_view text, std::string& out) override {
    validate_text(text);
    const std::size_t mark = out.size();
    try {
      if (write_bom_) {
        out += bom_;
      }
      convert(text, out);
      iconv_.flush(out);
    } catch (...) {
      out.resize(mark);
      iconv_.reset();
      throw;
    }
    write_bom_ = false;
  }
  void reset() override {
    write_bom_ = !bom_.empty();
    iconv_.reset();
  }
  void skip_bom() override { write_bom_ = false; }
  [[nodiscard]] bool bom_pending() const noexcept override { return write_bom_; }

 private:
  // utf-16 and utf-32 without a byte order write a BOM, then native order, as CPython does.
  static std::string bom_for(Family family, const std::string& iconv_name) {
    if (iconv_name != "UTF-16" && iconv_name != "UTF-32") {
      return {};
    }
    const char32_t bom = 0xFEFF;
    std::string bytes;
    const std::size_t size = family == Family::utf16 ? 2 : 4;
    for (std::size_t k = 0; k < size; ++k) {
      const std::size_t shift = native_big_endian() ? size - 1 - k : k;
      bytes += static_cast<char>((bom >> (8U * shift)) & 0xFFU);
    }
    return bytes;
  }
  static std::string target_for(Family /*family*/, const std::string& iconv_name) {
    if (iconv_name == "UTF-16" || iconv_name == "UTF-32") {
      return iconv_name + (native_big_endian() ? "BE" : "LE");
    }
    return iconv_name;
  }

  [[nodiscard]] bool is_utf() const { return family_ == Family::utf16 || family_ == Family::utf32; }

  [[nodiscard]] std::string_view reason() const {
    return is_utf() ? "surrogates not allowed" : "illegal multibyte sequence";
  }

  // surrogatepass for utf-16 and utf-32: the surrogate as one code unit of the target order.
  template <std::size_t Size, bool BigEndian>
  static bool pass_surrogate(char32_t code_point, std::string& bytes) {
    for (std::size_t k = 0; k < Size; ++k) {
      const std::size_t shift = BigEndian ? Size - 1 - k : k;
      bytes += static_cast<char>((code_point >> (8U * shift)) & 0xFFU);
    }
    return true;
  }
  [[nodiscard]] bool (*surrogate_passer() const)(char32_t, std::string&) {
    if (!is_utf()) {
      return nullptr;
    }
    const bool big = target_.ends_with("BE");
    if (family_ == Family::utf16) {
      return big ? pass_surrogate<2, true> : pass_surrogate<2, false>;
    }
    return big ? pass_surrogate<4, true> : pass_surrogate<4, false>;
  }

  void convert(std::string_view text, std::string& out) {
    std::size_t position = 0;
    std::size_t chars = 0;
    while (position < text.size()) {
      const Iconv::Step step = iconv_.convert(text.substr(position), out);
      chars += count_chars(text.substr(position, step.consumed));
      position += step.consumed;
      if (step.error == 0) {
        break;
      }
      if (step.error == EINVAL) {
        throw_not_text();  // validate_text() has ruled this out
      }
      // One character per error, as CPython's utf-16/utf-32 and CJK encoders report them.
      const Char c = next_char(text, position);
      on_error(c.code_point, chars, out);
      position += c.length;
      ++chars;
    }
  }

  void on_error(char32_t code_point, std::size_t start, std::string& out) {
    if (is_utf() && errors_ == ErrorHandler::surrogateescape) {
      // CPython: an escaped byte is not a whole utf-16/utf-32 code unit, so it fails.
      throw_encode_error(name_, code_point, start, start + 1, reason());
    }
    const EncodeReplacement replacement = on_encode_error(errors_, name_, reason(), &code_point,
                                                          start, start + 1, surrogate_passer());
    if (replacement.raw) {
      out += replacement.bytes;
      return;
    }
    std::string text;
    for (const char32_t c : replacement.text) {
      text += static_cast<char>(c);  // ASCII
    }
    if (iconv_.convert(text, out).error != 0) {
      throw_encode_error(name_, code_point, start, start + 1, reason());
    }
  }

  ErrorHandler errors_;
  Family family_;
  std::string name_;
  std::string bom_;
  bool write_bom_;
  std::string target_;
  Iconv iconv_;
};

}  // namespace

std::unique_ptr<Decoder> make_iconv_decoder(ErrorHandler errors, Family family,
                                            const std::string& iconv_name, std::string name) {
  return std::make_unique<IconvDecoder>(errors, family, iconv_name, std::move(name));
}

std::unique_ptr<Encoder> make_iconv_encoder(ErrorHandler errors, Family family,
                                            const std::string& iconv_name, std::string name) {
  return std::make_unique<IconvEncoder>(errors, family, iconv_name, std::move(name));
}

}  // namespace tempfile::io::detail
