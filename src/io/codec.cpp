// SPDX-License-Identifier: MIT
// Looking encodings up and choosing their coders: Python's names and error-handler names, and
// which implementation serves each codec (our own code, or a table generated from CPython's).
#include "io/codec.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

#include "io/cjk_codecs.hpp"
#include "io/codec_support.hpp"

namespace tempfile::io {
namespace {

using detail::Family;

// The table codec of Python's module `module`, if we have one: the one place that says which
// tables exist.
const TableCodec* find_table_codec(std::string_view module) {
  if (const TableCodec* charmap = detail::find_charmap_table_codec(module)) {
    return charmap;
  }
  return find_cjk_table_codec(module);
}

// The table of a codec lookup() accepted as a table codec (it checked that one exists).
const TableCodec& table_of(std::string_view module) {
  return *find_table_codec(module);
}

// The codec name in a table codec's error messages: CPython's charmap codecs say 'charmap'.
std::string table_error_name(Family family, const std::string& name) {
  return family == Family::charmap ? std::string("charmap") : name;
}

std::optional<detail::OwnCodec> own_codec(Family family) {
  switch (family) {
    case Family::utf8:
      return detail::OwnCodec::utf8;
    case Family::utf8_sig:
      return detail::OwnCodec::utf8_sig;
    case Family::latin1:
      return detail::OwnCodec::latin1;
    case Family::ascii:
      return detail::OwnCodec::ascii;
    default:
      return std::nullopt;
  }
}

}  // namespace

ErrorHandler parse_error_handler(std::string_view name) {
  constexpr std::pair<std::string_view, ErrorHandler> handlers[] = {
      {"strict", ErrorHandler::strict},
      {"replace", ErrorHandler::replace},
      {"ignore", ErrorHandler::ignore},
      {"surrogateescape", ErrorHandler::surrogateescape},
      {"backslashreplace", ErrorHandler::backslashreplace},
      {"xmlcharrefreplace", ErrorHandler::xmlcharrefreplace},
      {"namereplace", ErrorHandler::namereplace},
      {"surrogatepass", ErrorHandler::surrogatepass},
  };
  for (const auto& [handler_name, handler] : handlers) {
    if (name == handler_name) {
      return handler;
    }
  }
  throw std::invalid_argument("tempfile: unknown error handler name '" + std::string(name) + "'");
}

Codec Codec::lookup(std::string_view encoding) {
  const auto unknown = [&] {
    std::string shown;
    for (const char c : encoding) {
      shown += c == '\0' ? std::string("\\0") : std::string(1, c);
    }
    return std::invalid_argument("tempfile: unknown encoding: " + shown);
  };
  const auto not_supported = [&](std::string_view why) {
    return std::invalid_argument("tempfile: encoding '" + std::string(encoding) +
                                 "' is not supported: " + std::string(why));
  };
  if (const detail::PythonCodec* known = detail::find_python_codec(encoding)) {
    if (known->family == Family::refused) {
      throw not_supported(
          "glibc's ISO-2022 converters differ from CPython's codec (the escape sequences "
          "accepted, the errors, the shift state across reads) and this library has no exact "
          "implementation of it");
    }
    if ((known->family == Family::charmap || known->family == Family::cjk) &&
        find_table_codec(known->module) == nullptr) {
      throw not_supported("this library has no table for CPython's codec of that name");
    }
    return {std::string(known->name), std::string(encoding), std::string(known->module),
            known->family};
  }
  if (detail::is_unserved_python_codec(encoding)) {
    throw not_supported(
        "this library has no implementation of CPython's codec of that name, and a platform "
        "converter of that name would not behave the same");
  }
  // Not a name Python knows: Python's LookupError, even where a platform converter (iconv)
  // knows the name, since nothing would say how it should behave.
  throw unknown();
}

std::string_view Codec::implementation() const {
  if (own_codec(family_) || family_ == Family::utf7 || family_ == Family::utf16 ||
      family_ == Family::utf32) {
    return "own";
  }
  return "table";
}

std::unique_ptr<Decoder> Codec::decoder(ErrorHandler errors) const {
  if (const auto own = own_codec(family_)) {
    return detail::make_own_decoder(*own, errors);
  }
  if (family_ == Family::utf7) {
    return detail::make_utf7_decoder(errors);
  }
  if (family_ == Family::utf16 || family_ == Family::utf32) {
    return detail::make_utf16_32_decoder(errors, family_, module_);
  }
  return detail::make_table_decoder(table_of(module_), table_error_name(family_, name_), errors);
}

std::unique_ptr<Encoder> Codec::encoder(ErrorHandler errors) const {
  if (const auto own = own_codec(family_)) {
    return detail::make_own_encoder(*own, errors);
  }
  if (family_ == Family::utf7) {
    return detail::make_utf7_encoder(errors);
  }
  if (family_ == Family::utf16 || family_ == Family::utf32) {
    return detail::make_utf16_32_encoder(errors, family_, module_, name_);
  }
  return detail::make_table_encoder(table_of(module_), table_error_name(family_, name_), errors);
}

std::size_t count_chars(std::string_view utf8) noexcept {
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

}  // namespace tempfile::io
