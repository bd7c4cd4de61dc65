// SPDX-License-Identifier: MIT
// The table-driven coders: CPython's incremental decoder and encoder (pending bytes, error
// handlers, messages) over any TableCodec's steps, and the single-byte codecs' TableCodec.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "io/codec_support.hpp"
#include "io/codec_tables_charmap.hpp"

namespace tempfile::io::detail {
namespace {

constexpr std::string_view undefined_reason = "character maps to <undefined>";
constexpr std::string_view incomplete_reason = "incomplete multibyte sequence";

class CharmapCodec final : public TableCodec {
 public:
  explicit CharmapCodec(const CharmapTable& table) : table_(table) {
    low_.fill(-1);
    for (std::size_t k = 0; k < table_.encode_size && table_.encode[k].code_point < low_.size();
         ++k) {
      low_[table_.encode[k].code_point] = table_.encode[k].byte;
    }
  }

  [[nodiscard]] DecodeStep decode(const unsigned char* data, std::size_t /*size*/,
                                  bool /*final*/) const noexcept override {
    DecodeStep step;
    step.consumed = 1;
    const char16_t code_point = table_.decode[data[0]];
    if (code_point == charmap_undefined) {
      step.kind = DecodeStep::Kind::error;
      step.reason = undefined_reason;
      return step;
    }
    step.kind = DecodeStep::Kind::character;
    step.count = 1;
    step.code_points[0] = code_point;
    return step;
  }

  [[nodiscard]] EncodeStep encode(const char32_t* code_points, std::size_t /*size*/,
                                  bool /*final*/) const noexcept override {
    EncodeStep step;
    const char32_t code_point = code_points[0];
    if (code_point < low_.size()) {
      // Most text is Latin: a direct look-up instead of a search.
      if (low_[code_point] < 0) {
        step.reason = undefined_reason;
        return step;
      }
      step.used = 1;
      step.length = 1;
      step.bytes[0] = static_cast<unsigned char>(low_[code_point]);
      return step;
    }
    const CharmapPair* end = table_.encode + table_.encode_size;
    const CharmapPair* found =
        std::lower_bound(table_.encode, end, code_point,
                         [](const CharmapPair& pair, char32_t c) { return pair.code_point < c; });
    if (found == end || found->code_point != code_point) {
      step.reason = undefined_reason;
      return step;
    }
    step.used = 1;
    step.length = 1;
    step.bytes[0] = found->byte;
    return step;
  }

 private:
  const CharmapTable& table_;
  std::array<std::int16_t, 256> low_{};  // byte for U+0000..U+00FF, or -1
};

class TableDecoder final : public BufferedDecoder {
 public:
  TableDecoder(const TableCodec& table, std::string codec, ErrorHandler errors)
      : BufferedDecoder(errors, 0), table_(table), codec_(std::move(codec)) {}

 private:
  std::size_t decode_buffer(std::string_view data, bool final, std::string& out) override {
    const unsigned char* bytes = bytes_of(data);
    std::size_t i = 0;
    while (i < data.size()) {
      const DecodeStep step = table_.decode(bytes + i, data.size() - i, final);
      switch (step.kind) {
        case DecodeStep::Kind::character:
          for (std::size_t k = 0; k < step.count; ++k) {
            append_utf8(out, step.code_points[k]);
          }
          i += step.consumed;
          break;
        case DecodeStep::Kind::incomplete:
          if (!final) {
            return i;
          }
          // A codec should report this itself when final; CPython's words if it does not.
          static_cast<void>(
              on_decode_error(errors(), codec_, data, i, data.size(), incomplete_reason, out));
          return data.size();
        case DecodeStep::Kind::error: {
          const std::size_t end = i + std::max<std::size_t>(step.consumed, 1);
          const std::size_t resume =
              on_decode_error(errors(), codec_, data, i, end, step.reason, out);
          if (final && end == data.size() && step.reason == incomplete_reason) {
            // CPython's incremental decoder hands the bytes left unfinished at the end to the
            // handler once and drops what the handler did not take (surrogateescape stops at
            // an ASCII byte, e.g. gb18030's b'\x81\x30' gives '\udc81'): matched exactly.
            return data.size();
          }
          i = resume;
          break;
        }
      }
    }
    return data.size();
  }

  const TableCodec& table_;
  std::string codec_;
};

// CPython's incremental encoder over a table: a character that may begin a pair waits for
// the next call (as CPython's CJK encoders do; the text layer never sends a final call).
class TableEncoder final : public Encoder {
 public:
  TableEncoder(const TableCodec& table, std::string codec, ErrorHandler errors, bool error_runs)
      : table_(table), codec_(std::move(codec)), errors_(errors), error_runs_(error_runs) {}

  void encode(std::string_view text, std::string& out) override {
    std::u32string input = pending_ + code_points_of(text);
    const std::size_t mark = out.size();
    std::u32string waiting;
    try {
      std::size_t i = 0;
      while (i < input.size()) {
        const EncodeStep step = table_.encode(&input[i], input.size() - i, false);
        if (step.used > 0) {
          out.append(reinterpret_cast<const char*>(step.bytes.data()), step.length);
          i += step.used;
          continue;
        }
        if (step.reason.empty()) {
          waiting = input.substr(i);
          break;
        }
        i = on_error(input, i, step.reason, out);
      }
    } catch (...) {
      out.resize(mark);
      throw;
    }
    pending_ = std::move(waiting);
  }
  void reset() override { pending_.clear(); }
  void skip_bom() override {}
  [[nodiscard]] bool bom_pending() const noexcept override { return false; }

 private:
  // The unencodable code point at input[start] (with the charmap codecs, the whole run of
  // them, which CPython reports as one error); returns where encoding resumes.
  std::size_t on_error(const std::u32string& input, std::size_t start, std::string_view reason,
                       std::string& out) {
    std::size_t end = start + 1;
    while (error_runs_ && end < input.size() && table_.encode(&input[end], 1, true).used == 0) {
      ++end;
    }
    const EncodeReplacement replacement =
        on_encode_error(errors_, codec_, reason, &input[start], start, end);
    if (replacement.raw) {
      out += replacement.bytes;
      return end;
    }
    for (std::size_t k = 0; k < replacement.text.size();) {
      const EncodeStep step =
          table_.encode(&replacement.text[k], replacement.text.size() - k, true);
      if (step.used == 0) {
        // CPython: a replacement the codec cannot encode fails as the original error.
        throw_encode_error(codec_, input[start], start, end, reason);
      }
      out.append(reinterpret_cast<const char*>(step.bytes.data()), step.length);
      k += step.used;
    }
    return end;
  }

  const TableCodec& table_;
  std::string codec_;
  ErrorHandler errors_;
  bool error_runs_;
  std::u32string pending_;
};

}  // namespace

std::unique_ptr<Decoder> make_table_decoder(const TableCodec& table, std::string codec,
                                            ErrorHandler errors) {
  return std::make_unique<TableDecoder>(table, std::move(codec), errors);
}

std::unique_ptr<Encoder> make_table_encoder(const TableCodec& table, std::string codec,
                                            ErrorHandler errors) {
  const bool error_runs = codec == "charmap";
  return std::make_unique<TableEncoder>(table, std::move(codec), errors, error_runs);
}

const TableCodec* find_charmap_table_codec(std::string_view module) {
  // One codec object per table, made on first use and never destroyed (they are stateless).
  // std::call_once, not a function-local static: glibc's pthread_once starts over in a fork()ed
  // child when the fork caught another thread inside it, where a static's guard would stay
  // locked in the child forever.
  static std::once_flag once;
  static const std::vector<std::unique_ptr<CharmapCodec>>* codecs = nullptr;
  std::call_once(once, [] {
    auto* made = new std::vector<
        std::unique_ptr<CharmapCodec>>();  // NOLINT(cppcoreguidelines-owning-memory)
    for (std::size_t k = 0; k < charmap_table_count; ++k) {
      made->push_back(std::make_unique<CharmapCodec>(charmap_tables[k]));
    }
    codecs = made;
  });
  const CharmapTable* begin = charmap_tables;
  const CharmapTable* end = charmap_tables + charmap_table_count;
  const CharmapTable* found = std::lower_bound(
      begin, end, module, [](const CharmapTable& t, std::string_view m) { return t.module < m; });
  if (found == end || found->module != module) {
    return nullptr;
  }
  return (*codecs)[static_cast<std::size_t>(found - begin)].get();
}

}  // namespace tempfile::io::detail
