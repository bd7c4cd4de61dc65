// The coders still on iconv(3): the CJK codecs until tables measured from CPython replace
// them, and encodings only iconv knows; CPython's error handlers, messages and decoder state
// are ours, around iconv's conversion.
#include <algorithm>
#include <cerrno>
#include <string>

#include "io/codec_iconv.hpp"
#include "io/codec_support.hpp"

namespace tempfile::io::detail {
namespace {

constexpr std::string_view illegal = "illegal multibyte sequence";

class IconvDecoder final : public BufferedDecoder {
 public:
  IconvDecoder(ErrorHandler errors, const std::string& iconv_name, std::string name)
      : BufferedDecoder(errors, 0), name_(std::move(name)), iconv_("UTF-8", iconv_name) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    std::size_t position = 0;
    while (position < data.size()) {
      const Iconv::Step step = iconv_.convert(data.substr(position), out);
      position += step.consumed;
      if (step.error == 0) {
        break;
      }
      if (step.error == EINVAL) {
        if (!final) {
          return position;
        }
        position = on_decode_error(errors(), name_, data, position, data.size(),
                                   "incomplete multibyte sequence", out);
        iconv_.reset();
        continue;
      }
      // One byte per error, as CPython's CJK codecs report most of theirs (glibc may report
      // EILSEQ with nothing left, e.g. cp949: an empty range then, never one past the end).
      const std::size_t end = std::min(position + 1, data.size());
      position = on_decode_error(errors(), name_, data, position, end, illegal, out);
    }
    if (final) {
      iconv_.flush(out);
    }
    return position;
  }

  void restart() override { iconv_.reset(); }

  std::string name_;
  Iconv iconv_;
};

class IconvEncoder final : public Encoder {
 public:
  IconvEncoder(ErrorHandler errors, const std::string& iconv_name, std::string name)
      : errors_(errors), name_(std::move(name)), iconv_(iconv_name, "UTF-8") {}

  void encode(std::string_view text, std::string& out) override {
    validate_text(text);
    const std::size_t mark = out.size();
    try {
      convert(text, out);
      iconv_.flush(out);
    } catch (...) {
      out.resize(mark);
      iconv_.reset();
      throw;
    }
  }
  void reset() override { iconv_.reset(); }
  void skip_bom() override {}
  [[nodiscard]] bool bom_pending() const noexcept override { return false; }

 private:
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
      // One character per error, as CPython's CJK encoders report them.
      const Char c = next_char(text, position);
      on_error(c.code_point, chars, out);
      position += c.length;
      ++chars;
    }
  }

  void on_error(char32_t code_point, std::size_t start, std::string& out) {
    const EncodeReplacement replacement =
        on_encode_error(errors_, name_, illegal, &code_point, start, start + 1);
    if (replacement.raw) {
      out += replacement.bytes;
      return;
    }
    std::string text;
    for (const char32_t c : replacement.text) {
      text += static_cast<char>(c);  // ASCII
    }
    if (iconv_.convert(text, out).error != 0) {
      throw_encode_error(name_, code_point, start, start + 1, illegal);
    }
  }

  ErrorHandler errors_;
  std::string name_;
  Iconv iconv_;
};

}  // namespace

std::unique_ptr<Decoder> make_iconv_decoder(const std::string& iconv_name, std::string name,
                                            ErrorHandler errors) {
  return std::make_unique<IconvDecoder>(errors, iconv_name, std::move(name));
}

std::unique_ptr<Encoder> make_iconv_encoder(const std::string& iconv_name, std::string name,
                                            ErrorHandler errors) {
  return std::make_unique<IconvEncoder>(errors, iconv_name, std::move(name));
}

}  // namespace tempfile::io::detail
