// SPDX-License-Identifier: MIT
// Text encodings for the text layer: Python's incremental decoders and encoders, from and to
// UTF-8 (our std::string text), with Python's encoding names and error handlers.
//
// Text may hold lone surrogates U+D800..U+DFFF as Python strings can (surrogateescape decodes
// an undecodable byte 0xXY to U+DCXY): they are carried in their 3-byte generalized-UTF-8 form
// ED A0..BF xx. tempfile::unicode_error's what() is exactly str() of CPython's
// UnicodeDecodeError/UnicodeEncodeError, e.g. "'utf-8' codec can't decode byte 0xff in
// position 0: invalid start byte" (no "tempfile: " prefix). Decode positions are byte offsets
// into the pending bytes followed by that call's input, as in CPython's incremental decoders;
// encode positions count the code points of the text given to that call. A call that throws
// appends nothing and leaves the coder's state as it was.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "io/codec_names.hpp"

namespace tempfile::io {

/// Characters (code points) in UTF-8 text: Python's len() of the same str. Our surrogate
/// escapes (3-byte forms) count as one, as in Python.
[[nodiscard]] std::size_t count_chars(std::string_view utf8) noexcept;

/// Python's `errors` argument.
enum class ErrorHandler : unsigned char {
  strict,
  replace,
  ignore,
  surrogateescape,
  backslashreplace,   // decoding: \xNN per byte; encoding: \xNN, \uNNNN or \UNNNNNNNN
  xmlcharrefreplace,  // encoding only: &#NNN; (decoding fails as in CPython, see Decoder)
  namereplace,        // encoding only: \N{NAME}, else as backslashreplace (decoding fails)
  surrogatepass,      // utf-8, utf-16, utf-32: lone surrogates pass; elsewhere as strict
};

/// "strict", "replace", "ignore", "surrogateescape", "backslashreplace", "xmlcharrefreplace",
/// "namereplace", "surrogatepass"; anything else throws std::invalid_argument ("tempfile:
/// unknown error handler name 'x'").
[[nodiscard]] ErrorHandler parse_error_handler(std::string_view name);

/// Python's codecs.IncrementalDecoder: bytes of the file's encoding in, UTF-8 out.
class Decoder {
 public:
  Decoder() = default;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  Decoder(Decoder&&) = delete;
  Decoder& operator=(Decoder&&) = delete;
  virtual ~Decoder() = default;

  /// Decodes `input`, appending UTF-8 to `out`. The bytes of a character split across calls
  /// are kept until the next call; with `final`, an incomplete character is an error (handled
  /// per the error handler). Strict errors throw tempfile::unicode_error; an undecodable byte
  /// under xmlcharrefreplace or namereplace throws std::invalid_argument (CPython's TypeError
  /// "don't know how to handle UnicodeDecodeError in error callback").
  /// Without a BOM, utf-16/utf-32 decode in native byte order and then, as CPython's
  /// incremental decoders do, throw "UTF-16 stream does not start with BOM" once a whole code
  /// unit was consumed (a decoding error met first is thrown instead).
  virtual void decode(std::string_view input, bool final, std::string& out) = 0;

  /// Python's decoder.getstate(): the bytes fed but not yet decoded, and an integer of decoder
  /// flags, CPython's values: 0 for stateless codecs; utf-16/utf-32 2 until the byte order is
  /// known, then 0 (native order) or 1 (swapped); utf-8-sig 1 until the start was passed,
  /// then 0. No Python codec we serve keeps a shift state outside these (utf-7 keeps an
  /// unfinished shift sequence as pending bytes, as CPython does; the ISO-2022 codecs are
  /// refused).
  struct State {
    std::string pending;
    std::uint64_t flags = 0;
  };
  [[nodiscard]] virtual State state() const = 0;
  /// Python's decoder.setstate(): restores a state() (what the text layer's tell()/seek()
  /// need to restart decoding in the middle of a file).
  virtual void set_state(const State& state) = 0;
  /// Back to the state at construction (a BOM will be expected again).
  virtual void reset() = 0;
};

/// Python's codecs.IncrementalEncoder: UTF-8 in, bytes of the file's encoding out.
class Encoder {
 public:
  Encoder() = default;
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
  Encoder(Encoder&&) = delete;
  Encoder& operator=(Encoder&&) = delete;
  virtual ~Encoder() = default;

  /// Encodes UTF-8 `text` (whole characters), appending to `out`. A BOM-writing codec
  /// (utf-16, utf-32, utf-8-sig) writes its BOM before the first output after construction or
  /// reset(), even for empty text, as CPython does. Strict errors (a character the encoding
  /// lacks) throw tempfile::unicode_error; text that is not (generalized) UTF-8 throws
  /// std::invalid_argument ("tempfile: text is not valid UTF-8") whatever the error handler.
  /// UTF-7 ends each call in its initial shift state.
  virtual void encode(std::string_view text, std::string& out) = 0;
  /// Back to the state at construction: the next encode() writes a BOM again, if any.
  virtual void reset() = 0;
  /// Python's encoder.setstate(0) after a seek to a non-zero position: never write a BOM.
  virtual void skip_bom() = 0;
  /// Whether the next encode() writes a BOM (so that a write can be undone: reset() puts a
  /// pending BOM back).
  [[nodiscard]] virtual bool bom_pending() const noexcept = 0;
};

/// A looked-up encoding: the name as given, Python's canonical name and factories for its
/// coders.
class Codec {
 public:
  /// Looks `encoding` up as Python does (case-insensitive, '_' and '-' and ' ' alike, aliases:
  /// "utf8", "UTF-8", "latin-1", "latin1", "iso-8859-1", "cp1252", "ascii", "utf-16", ...).
  /// A name Python does not know (e.g. "IBM1047", which a platform converter may know) throws
  /// std::invalid_argument ("tempfile: unknown encoding: IBM1047", Python's LookupError); a
  /// codec Python has that we cannot reproduce exactly (the ISO-2022 ones, hz, idna...)
  /// throws std::invalid_argument ("tempfile: encoding 'hz' is not supported: <why>").
  static Codec lookup(std::string_view encoding);

  /// Python's codecs.lookup(encoding).name, e.g. "utf-8", "iso8859-1", "cp1252", "utf-16".
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The name lookup() was given, e.g. "latin-1": what Python's TextIOWrapper.encoding shows.
  [[nodiscard]] const std::string& given_name() const noexcept { return given_name_; }
  /// Which code serves it: "own" (utf-8, utf-8-sig, latin-1, ascii, utf-7, utf-16, utf-32),
  /// or "table" (tables measured from CPython's single-byte and CJK codecs).
  [[nodiscard]] std::string_view implementation() const;
  [[nodiscard]] std::unique_ptr<Decoder> decoder(ErrorHandler errors) const;
  [[nodiscard]] std::unique_ptr<Encoder> encoder(ErrorHandler errors) const;

 private:
  // family_ says whose code (ours or tables) and whose error conventions; module_ is Python's
  // module (what the tables are found by).
  Codec(std::string name, std::string given_name, std::string module, detail::Family family)
      : name_(std::move(name)),
        given_name_(std::move(given_name)),
        module_(std::move(module)),
        family_(family) {}
  std::string name_;
  std::string given_name_;
  std::string module_;
  detail::Family family_;
};

}  // namespace tempfile::io
