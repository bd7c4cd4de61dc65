// SPDX-License-Identifier: MIT
// Python's IncrementalNewlineDecoder (universal newlines on read) around a codec's decoder:
// what the text layer decodes through, with the state that its tell() cookies record.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/codec.hpp"

namespace tempfile::io {

/// With universal newlines (newline None or "") the IncrementalNewlineDecoder port: keeps a
/// trailing '\r' back until the next call (so "\r\n" is seen in one piece), records the line
/// ends seen and, when `translate`, turns "\r" and "\r\n" into "\n". Otherwise the plain codec
/// decoder. One type, so that the text layer's state handling is written once.
class NewlineDecoder {
 public:
  NewlineDecoder(std::unique_ptr<Decoder> codec, bool universal, bool translate)
      : codec_(std::move(codec)), universal_(universal), translate_(translate) {}

  /// Decodes `input` (the codec's rules for `final`), then the newline handling.
  std::string decode(std::string_view input, bool final);
  /// The codec's (pending bytes, flags), with the held-back '\r' as the lowest flag bit.
  [[nodiscard]] Decoder::State state() const;
  void set_state(const Decoder::State& state);
  void reset();
  /// Python's decoder.newlines, as the tuple's elements in Python's order ("\r", "\n",
  /// "\r\n"); empty without universal newlines (Python's None).
  [[nodiscard]] std::vector<std::string> newlines() const;

 private:
  static constexpr unsigned seen_lf = 1;
  static constexpr unsigned seen_cr = 2;
  static constexpr unsigned seen_crlf = 4;

  std::string record_and_translate(std::string output);

  std::unique_ptr<Decoder> codec_;
  bool universal_;
  bool translate_;
  bool pending_cr_ = false;
  unsigned seen_ = 0;
};

}  // namespace tempfile::io
