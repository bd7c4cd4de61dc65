// SPDX-License-Identifier: MIT
// utf-16 and utf-32 (with or without a byte order) as CPython's codecs: our own code for the
// code units, the byte-order mark, the errors and the decoder state.
#include <bit>
#include <string>

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

// Which of the six codecs: unit size, and a fixed order or a BOM.
struct UtfForm {
  std::size_t unit;  // 2 or 4
  enum class Order : unsigned char { bom, little, big } order;
};

UtfForm form_of(Family family, std::string_view module) {
  const std::size_t unit = family == Family::utf16 ? 2 : 4;
  if (module.ends_with("_le")) {
    return {unit, UtfForm::Order::little};
  }
  if (module.ends_with("_be")) {
    return {unit, UtfForm::Order::big};
  }
  return {unit, UtfForm::Order::bom};
}

void write_unit(std::string& out, std::uint32_t value, std::size_t size, bool big_endian) {
  for (std::size_t k = 0; k < size; ++k) {
    const std::size_t shift = big_endian ? size - 1 - k : k;
    out += static_cast<char>((value >> (8U * shift)) & 0xFFU);
  }
}

class UtfDecoder final : public BufferedDecoder {
 public:
  UtfDecoder(ErrorHandler errors, UtfForm form)
      : BufferedDecoder(errors, form.order == UtfForm::Order::bom ? order_undecided : 0),
        form_(form) {}

 private:
  [[nodiscard]] bool big_endian() const {
    switch (form_.order) {
      case UtfForm::Order::little:
        return false;
      case UtfForm::Order::big:
        return true;
      case UtfForm::Order::bom:
        break;
    }
    return flags() == swapped_order ? !native_big_endian() : native_big_endian();
  }

  // The name in error messages: the codec of the byte order in use, as in CPython.
  [[nodiscard]] std::string_view codec() const {
    if (form_.unit == 2) {
      return big_endian() ? "utf-16-be" : "utf-16-le";
    }
    return big_endian() ? "utf-32-be" : "utf-32-le";
  }

  // Reads a BOM if there is one (the byte order is then decided); returns its size, or 0.
  std::size_t read_bom(std::string_view data) {
    if (data.size() < form_.unit) {
      return 0;
    }
    const std::uint32_t value = read_unit(bytes_of(data), form_.unit, false);
    const std::uint32_t little = 0xFEFF;
    const std::uint32_t big = form_.unit == 2 ? 0xFFFEU : 0xFFFE0000U;
    if (value == little) {
      set_flags(native_big_endian() ? swapped_order : native_order);
      return form_.unit;
    }
    if (value == big) {
      set_flags(native_big_endian() ? native_order : swapped_order);
      return form_.unit;
    }
    return 0;
  }

  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    if (form_.order != UtfForm::Order::bom || flags() != order_undecided) {
      return decode_units(data, 0, final, out);
    }
    if (data.size() < form_.unit && !final) {
      return 0;
    }
    if (const std::size_t bom = read_bom(data); bom != 0) {
      return decode_units(data, bom, final, out);
    }
    // No BOM: CPython's incremental decoder decodes in native order (its errors are raised
    // as they are), then refuses the stream if that consumed a whole code unit. A final
    // piece shorter than a unit leaves the order undecided, as CPython's state shows (2).
    std::string decoded;
    const std::size_t consumed = decode_units(data, 0, final, decoded);
    if (consumed >= form_.unit) {
      throw unicode_error(form_.unit == 2 ? "UTF-16 stream does not start with BOM"
                                          : "UTF-32 stream does not start with BOM");
    }
    out += decoded;
    return consumed;
  }

  // Decodes data[position...]; returns how far it got (all of it when final).
  std::size_t decode_units(std::string_view data, std::size_t position, bool final,
                           std::string& out) {
    return form_.unit == 2 ? decode_utf16(data, position, final, out)
                           : decode_utf32(data, position, final, out);
  }

  std::size_t error(std::string_view data, std::size_t start, std::size_t end,
                    std::string_view reason, std::string& out) {
    return on_decode_error(errors(), codec(), data, start, end, reason, out, form_.unit,
                           big_endian());
  }

  std::size_t decode_utf16(std::string_view data, std::size_t i, bool final, std::string& out) {
    const unsigned char* bytes = bytes_of(data);
    const std::size_t size = data.size();
    const bool big = big_endian();
    while (i < size) {
      if (size - i < 2) {
        if (!final) {
          return i;
        }
        i = error(data, i, size, "truncated data", out);
        continue;
      }
      const char32_t unit = read_unit(bytes + i, 2, big);
      if (!is_surrogate(unit)) {
        append_utf8(out, unit);
        i += 2;
        continue;
      }
      if (unit >= 0xDC00) {
        i = error(data, i, i + 2, "illegal encoding", out);
        continue;
      }
      if (size - i < 4) {
        if (!final) {
          return i;
        }
        i = error(data, i, size, "unexpected end of data", out);
        continue;
      }
      const char32_t low = read_unit(bytes + i + 2, 2, big);
      if (low < 0xDC00 || low > 0xDFFF) {
        i = error(data, i, i + 2, "illegal UTF-16 surrogate", out);
        continue;
      }
      append_utf8(out, 0x10000 + ((unit - 0xD800) << 10U) + (low - 0xDC00));
      i += 4;
    }
    return size;
  }

  std::size_t decode_utf32(std::string_view data, std::size_t i, bool final, std::string& out) {
    const unsigned char* bytes = bytes_of(data);
    const std::size_t size = data.size();
    const bool big = big_endian();
    while (i < size) {
      if (size - i < 4) {
        if (!final) {
          return i;
        }
        i = error(data, i, size, "truncated data", out);
        continue;
      }
      const char32_t code_point = read_unit(bytes + i, 4, big);
      if (code_point > 0x10FFFF) {
        i = error(data, i, i + 4, "code point not in range(0x110000)", out);
      } else if (is_surrogate(code_point)) {
        i = error(data, i, i + 4, "code point in surrogate code point range(0xd800, 0xe000)", out);
      } else {
        append_utf8(out, code_point);
        i += 4;
      }
    }
    return size;
  }

  [[nodiscard]] std::uint64_t accept_flags(std::uint64_t flags) const override {
    if (form_.order != UtfForm::Order::bom) {
      return 0;
    }
    return flags == native_order || flags == swapped_order ? flags : order_undecided;
  }

  UtfForm form_;
};

// surrogatepass: the surrogate as one code unit of the target order.
template <std::size_t Size, bool BigEndian>
bool pass_surrogate(char32_t code_point, std::string& bytes) {
  write_unit(bytes, code_point, Size, BigEndian);
  return true;
}

class UtfEncoder final : public Encoder {
 public:
  UtfEncoder(ErrorHandler errors, UtfForm form, std::string name)
      : errors_(errors),
        form_(form),
        name_(std::move(name)),
        big_endian_(form.order == UtfForm::Order::big ||
                    (form.order == UtfForm::Order::bom && native_big_endian())),
        write_bom_(form.order == UtfForm::Order::bom) {}

  void encode(std::string_view text, std::string& out) override {
    const std::u32string code_points = code_points_of(text);
    const std::size_t mark = out.size();
    try {
      if (write_bom_) {
        write_unit(out, 0xFEFF, form_.unit, big_endian_);
      }
      for (std::size_t i = 0; i < code_points.size(); ++i) {
        const char32_t c = code_points[i];
        if (is_surrogate(c)) {
          on_error(c, i, out);
        } else if (form_.unit == 4) {
          write_unit(out, c, 4, big_endian_);
        } else if (c >= 0x10000) {
          write_unit(out, 0xD800 + ((c - 0x10000) >> 10U), 2, big_endian_);
          write_unit(out, 0xDC00 + ((c - 0x10000) & 0x3FFU), 2, big_endian_);
        } else {
          write_unit(out, c, 2, big_endian_);
        }
      }
    } catch (...) {
      out.resize(mark);
      throw;
    }
    write_bom_ = false;
  }
  void reset() override { write_bom_ = form_.order == UtfForm::Order::bom; }
  void skip_bom() override { write_bom_ = false; }
  [[nodiscard]] bool bom_pending() const noexcept override { return write_bom_; }

 private:
  static constexpr std::string_view reason = "surrogates not allowed";

  [[nodiscard]] bool (*surrogate_passer() const)(char32_t, std::string&) {
    if (form_.unit == 2) {
      return big_endian_ ? pass_surrogate<2, true> : pass_surrogate<2, false>;
    }
    return big_endian_ ? pass_surrogate<4, true> : pass_surrogate<4, false>;
  }

  // One character per error, as CPython's utf-16/utf-32 encoders report them.
  void on_error(char32_t code_point, std::size_t position, std::string& out) {
    if (errors_ == ErrorHandler::surrogateescape) {
      // CPython: an escaped byte is not a whole code unit, so it fails.
      throw_encode_error(name_, code_point, position, position + 1, reason);
    }
    const EncodeReplacement replacement = on_encode_error(
        errors_, name_, reason, &code_point, position, position + 1, surrogate_passer());
    if (replacement.raw) {
      out += replacement.bytes;
      return;
    }
    for (const char32_t c : replacement.text) {
      write_unit(out, c, form_.unit, big_endian_);  // ASCII
    }
  }

  ErrorHandler errors_;
  UtfForm form_;
  std::string name_;
  bool big_endian_;
  bool write_bom_;
};

}  // namespace

std::unique_ptr<Decoder> make_utf16_32_decoder(ErrorHandler errors, Family family,
                                               std::string_view module) {
  return std::make_unique<UtfDecoder>(errors, form_of(family, module));
}

std::unique_ptr<Encoder> make_utf16_32_encoder(ErrorHandler errors, Family family,
                                               std::string_view module, std::string name) {
  return std::make_unique<UtfEncoder>(errors, form_of(family, module), std::move(name));
}

}  // namespace tempfile::io::detail
