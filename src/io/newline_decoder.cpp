// SPDX-License-Identifier: MIT
// NewlineDecoder: a port of CPython's IncrementalNewlineDecoder (Modules/_io/textio.c) around
// our codec decoders.
#include "io/newline_decoder.hpp"

#include <utility>

namespace tempfile::io {

std::string NewlineDecoder::decode(std::string_view input, bool final) {
  std::string output;
  codec_->decode(input, final, output);
  if (!universal_) {
    return output;
  }
  if (pending_cr_ && (!output.empty() || final)) {
    output.insert(output.begin(), '\r');
    pending_cr_ = false;
  }
  // Keep a trailing '\r' back, even untranslated, so that readline sees "\r\n" in one piece.
  if (!final && !output.empty() && output.back() == '\r') {
    output.pop_back();
    pending_cr_ = true;
  }
  return record_and_translate(std::move(output));
}

Decoder::State NewlineDecoder::state() const {
  Decoder::State result = codec_->state();
  if (universal_) {
    result.flags = (result.flags << 1U) | (pending_cr_ ? 1U : 0U);
  }
  return result;
}

void NewlineDecoder::set_state(const Decoder::State& state) {
  if (!universal_) {
    codec_->set_state(state);
    return;
  }
  pending_cr_ = (state.flags & 1U) != 0;
  codec_->set_state({state.pending, state.flags >> 1U});
}

void NewlineDecoder::reset() {
  seen_ = 0;
  pending_cr_ = false;
  codec_->reset();
}

std::vector<std::string> NewlineDecoder::newlines() const {
  std::vector<std::string> result;
  if (!universal_) {
    return result;  // a plain codec decoder has no newlines attribute: None
  }
  if ((seen_ & seen_cr) != 0) {
    result.emplace_back("\r");
  }
  if ((seen_ & seen_lf) != 0) {
    result.emplace_back("\n");
  }
  if ((seen_ & seen_crlf) != 0) {
    result.emplace_back("\r\n");
  }
  return result;
}

std::string NewlineDecoder::record_and_translate(std::string output) {
  if (output.find('\r') == std::string::npos) {
    if (output.find('\n') != std::string::npos) {
      seen_ |= seen_lf;
    }
    return output;
  }
  std::string translated;
  if (translate_) {
    translated.reserve(output.size());
  }
  for (std::size_t i = 0; i < output.size(); ++i) {
    const char c = output[i];
    if (c == '\n') {
      seen_ |= seen_lf;
    } else if (c == '\r') {
      if (i + 1 < output.size() && output[i + 1] == '\n') {
        seen_ |= seen_crlf;
        ++i;
      } else {
        seen_ |= seen_cr;
      }
      if (translate_) {
        translated += '\n';
      }
      continue;
    }
    if (translate_) {
      translated += c;
    }
  }
  return translate_ ? translated : output;
}

}  // namespace tempfile::io
