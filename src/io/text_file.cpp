// SPDX-License-Identifier: MIT
// TextFile: a port of CPython's TextIOWrapper (Modules/_io/textio.c, the C io module that
// open() returns; Lib/_pyio.py is the readable reference) over our BufferedFile. The
// newline decoder it reads through is in newline_decoder.cpp.
#include "io/text_file.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "io/newline_decoder.hpp"
#include "io/text_file_testing.hpp"
#include "os/linesep.hpp"
#include "os/no_value.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

// Python's TextIOWrapper._CHUNK_SIZE in the C implementation (_pyio uses 2048).
constexpr std::size_t default_chunk_size = 8192;
// C io multiplies a read(n) request by the bytes-per-character ratio to size its next chunk
// and fails with MemoryError for a huge n; we cap that hint instead (it only saves calls).
constexpr double max_chunk_hint = double(std::size_t{1} << 20);
// tell() cookies that are not a plain byte position: this bit plus an index into the table.
constexpr std::int64_t table_cookie_bit = std::int64_t{1} << 62;

bool is_continuation_byte(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// The byte offset `chars` characters after `from` (or the end); `taken` gets how many.
std::size_t advance_chars(std::string_view text, std::size_t from, std::size_t chars,
                          std::size_t& taken) noexcept {
  taken = 0;
  std::size_t at = from;
  while (taken < chars && at < text.size()) {
    ++at;
    while (at < text.size() && is_continuation_byte(text[at])) {
      ++at;
    }
    ++taken;
  }
  return at;
}

std::size_t advance_chars(std::string_view text, std::size_t from, std::size_t chars) noexcept {
  std::size_t taken = 0;
  return advance_chars(text, from, chars, taken);
}

std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// What a tell() cookie means (CPython packs the same five fields into one big integer): seek
// to start_pos, set the decoder flags to dec_flags, feed it bytes_to_feed bytes (with final =
// need_eof), then skip chars_to_skip characters of what it returned.
struct Cookie {
  std::int64_t start_pos = 0;
  std::uint64_t dec_flags = 0;
  std::int64_t bytes_to_feed = 0;
  std::int64_t chars_to_skip = 0;
  bool need_eof = false;

  // (A defaulted operator<=> would do, but clang-tidy 14 misreads it.)
  friend bool operator<(const Cookie& a, const Cookie& b) {
    return std::tie(a.start_pos, a.dec_flags, a.bytes_to_feed, a.chars_to_skip, a.need_eof) <
           std::tie(b.start_pos, b.dec_flags, b.bytes_to_feed, b.chars_to_skip, b.need_eof);
  }
};

// The line-end search of textio.c's _PyIO_find_line_ending on UTF-8 text (the line ends are
// ASCII, so bytes are enough). Returns the end of the line (just past its line end) within
// [start, text.size()), or npos; then `consumed` is where the text that surely holds no line end
// stops (before a trailing '\r' that may begin "\r\n" in non-universal "\r\n" mode).
std::size_t find_line_end(std::string_view text, std::size_t start, bool translated, bool universal,
                          std::string_view read_newline, std::size_t& consumed) {
  consumed = text.size();
  if (translated) {
    const std::size_t at = text.find('\n', start);
    return at == std::string_view::npos ? at : at + 1;
  }
  if (universal) {
    const std::size_t at = text.find_first_of("\r\n", start);
    if (at == std::string_view::npos) {
      return at;
    }
    if (text[at] == '\r' && at + 1 < text.size() && text[at + 1] == '\n') {
      return at + 2;
    }
    return at + 1;
  }
  const std::size_t at = text.find(read_newline, start);
  if (at != std::string_view::npos) {
    return at + read_newline.size();
  }
  if (read_newline.size() > 1 && text.size() > start && text.back() == read_newline.front()) {
    consumed = text.size() - 1;
  }
  return std::string_view::npos;
}

// The state of a file that was not moved from; a moved-from file acts as a closed one.
template <class StatePointer>
auto& live(const StatePointer& state) {
  if (!state) {
    throw closed_file_error();
  }
  return *state;
}

}  // namespace

struct TextFile::State {
  State(BufferedFile file, const Codec& codec, ErrorHandler errors,
        const std::optional<std::string>& newline, bool line_buffered)
      : buffer(std::move(file)),
        encoding(codec.given_name()),
        read_universal(!newline || newline->empty()),
        read_translate(!newline),
        read_newline(newline.value_or("")),
        write_translate(!newline || !newline->empty()),
        line_buffering(line_buffered) {
    // Python's writenl: newline, or os.linesep when newline is None ("" writes "\n" as is).
    // Kept empty when it is "\n", which write() stores unchanged.
    if (!newline) {
      if (os::line_separator != "\n") {
        write_newline = os::line_separator;
      }
    } else if (!read_universal && read_newline != "\n") {
      write_newline = read_newline;
    }
    if (buffer.mode().readable()) {
      decoder =
          std::make_unique<NewlineDecoder>(codec.decoder(errors), read_universal, read_translate);
    }
    if (buffer.mode().writable()) {
      encoder = codec.encoder(errors);
      // Don't write a BOM in the middle of a file.
      if (buffer.tell() != 0) {
        encoder->skip_bom();
      }
    }
  }

  void check_open() const {
    if (buffer.closed()) {
      throw closed_file_error();
    }
  }

  void check_readable(const char* operation) const {
    check_open();
    if (!decoder) {
      throw unsupported_operation(std::string("tempfile: ") + operation +
                                  ": file not open for reading");
    }
  }

  void set_decoded(std::string chars) {
    decoded = std::move(chars);
    decoded_used_bytes = 0;
    decoded_used_chars = 0;
  }

  void clear_decoded() { set_decoded({}); }

  // Moves up to `chars` unread decoded characters to `out`; returns how many.
  std::size_t take_decoded(std::size_t chars, std::string& out) {
    std::size_t taken = 0;
    const std::size_t end = advance_chars(decoded, decoded_used_bytes, chars, taken);
    out.append(decoded, decoded_used_bytes, end - decoded_used_bytes);
    decoded_used_bytes = end;
    decoded_used_chars += taken;
    return taken;
  }

  // textio.c's textiowrapper_read_chunk: reads and decodes the next chunk into `decoded`,
  // noting the snapshot tell() will start from. False at end of file.
  bool read_chunk(std::size_t size_hint) {
    // The decoder had state.pending left over; the snapshot point is that many bytes back.
    // While next() reads, C io takes no snapshot (and keeps the old one).
    Decoder::State before = telling ? decoder->state() : Decoder::State{};
    std::size_t chunk = chunk_size;
    if (size_hint > 0) {
      const double scaled = std::max(bytes_per_char, 1.0) * static_cast<double>(size_hint);
      chunk = std::max(chunk, static_cast<std::size_t>(std::min(scaled, max_chunk_hint)));
    }
    std::string input = buffer.read1(static_cast<std::int64_t>(chunk));
    bool eof = input.empty();
    set_decoded(decoder->decode(input, eof));
    const std::size_t chars = count_chars(decoded);
    bytes_per_char =
        chars > 0 ? static_cast<double>(input.size()) / static_cast<double>(chars) : 0.0;
    if (chars > 0) {
      eof = false;  // a final decode can still produce text (a held-back '\r')
    }
    if (telling) {
      before.pending += input;
      snapshot = Snapshot{before.flags, std::move(before.pending)};
    }
    return !eof;
  }

  // textio.c's _textiowrapper_decoder_setstate: at the start of the stream, reset() rather
  // than setstate(), since some decoders (utf-16) start in a state no setstate() gives.
  void restore_decoder(const Cookie& cookie) {
    if (cookie.start_pos == 0 && cookie.dec_flags == 0) {
      decoder->reset();
    } else {
      decoder->set_state({std::string(), cookie.dec_flags});
    }
  }

  void reset_encoder(bool start_of_stream) {
    if (!encoder) {
      return;
    }
    if (start_of_stream) {
      encoder->reset();
    } else {
      encoder->skip_bom();
    }
  }

  std::int64_t pack(const Cookie& cookie) {
    if (cookie.dec_flags == 0 && cookie.bytes_to_feed == 0 && !cookie.need_eof &&
        cookie.chars_to_skip == 0 && cookie.start_pos < table_cookie_bit) {
      return cookie.start_pos;
    }
    const auto [it, added] = cookie_index.try_emplace(cookie, cookies.size());
    if (added) {
      cookies.push_back(cookie);
    }
    return table_cookie_bit | static_cast<std::int64_t>(it->second);
  }

  [[nodiscard]] Cookie unpack(std::int64_t value) const {
    if ((value & table_cookie_bit) == 0) {
      return Cookie{.start_pos = value};
    }
    const auto index = static_cast<std::uint64_t>(value & ~table_cookie_bit);
    if (index >= cookies.size()) {
      throw std::invalid_argument("tempfile: seek: " + std::to_string(value) +
                                  " is not a position tell() returned");
    }
    return cookies[index];
  }

  [[noreturn]] void fail_position(const char* what) const {
    throw error::with_message(std::string("tempfile: ") + what, buffer.raw().describe(),
                              std::make_error_code(std::errc::invalid_argument));
  }

  // textio.c's _textiowrapper_writeflush: hands the pending encoded text to the buffer.
  // Even empty pending text is written: an empty write still sets up the buffer's write
  // window, as in C io.
  // Unlike C io, bytes the buffer did not take stay pending when it throws (a full disk, a
  // failed rollover): a later flush retries them, nothing is lost.
  void write_pending() {
    if (!pending_bytes) {
      return;
    }
    std::span<const std::byte> rest = as_bytes(*pending_bytes);
    try {
      do {
        rest = rest.subspan(buffer.write(rest));
      } while (!rest.empty());
    } catch (...) {
      pending_bytes->erase(0, pending_bytes->size() - rest.size());
      throw;
    }
    pending_bytes.reset();
  }

  // TextIOWrapper.flush: the pending text, then the buffer; it also ends a next() call's
  // ban on tell().
  void flush() {
    telling = true;
    write_pending();
    buffer.flush();
  }

  std::int64_t tell();
  void seek_to(const Cookie& cookie);
  std::string readline(std::int64_t limit);

  BufferedFile buffer;
  std::string encoding;
  bool read_universal;
  bool read_translate;
  std::string read_newline;
  bool write_translate;
  std::string write_newline;  // empty: write "\n" as is
  bool line_buffering;
  std::size_t chunk_size = default_chunk_size;
  std::unique_ptr<NewlineDecoder> decoder;  // only when readable
  std::unique_ptr<Encoder> encoder;         // only when writable
  // Encoded text that write() has not yet given to the buffer (C io's pending_bytes): it goes
  // there once chunk_size bytes are pending, on a line end with line buffering, and before
  // any read, tell, seek, truncate, flush or close.
  std::optional<std::string> pending_bytes;
  // False from a next() call until the end of file, flush() or seek() (C io's `telling`).
  bool telling = true;

  // Decoded text not yet returned: decoded[decoded_used_bytes:], which is after
  // decoded_used_chars characters.
  std::string decoded;
  std::size_t decoded_used_bytes = 0;
  std::size_t decoded_used_chars = 0;
  double bytes_per_char = 0.0;

  // Where decoding of `decoded` started: the decoder flags then, and the bytes fed since
  // (those that were pending in the decoder, then the chunk).
  struct Snapshot {
    std::uint64_t dec_flags = 0;
    std::string next_input;
  };
  std::optional<Snapshot> snapshot;

  std::vector<Cookie> cookies;
  std::map<Cookie, std::size_t> cookie_index;
};

std::int64_t TextFile::State::tell() {
  check_open();
  if (!telling) {
    fail_position("telling position disabled by next() call");
  }
  flush();
  const std::int64_t position = buffer.tell();
  if (!decoder || !snapshot) {
    return position;
  }
  Cookie cookie{.start_pos = position - static_cast<std::int64_t>(snapshot->next_input.size()),
                .dec_flags = snapshot->dec_flags};
  if (decoded_used_chars == 0) {
    return pack(cookie);  // still at the snapshot point
  }
  const std::string_view next_input = snapshot->next_input;
  auto chars_to_skip = static_cast<std::int64_t>(decoded_used_chars);
  const Decoder::State saved = decoder->state();
  const auto decoded_chars = [this](std::string_view input, bool final) {
    return static_cast<std::int64_t>(count_chars(decoder->decode(input, final)));
  };
  try {
    // Fast search for a start point close to the position, where the decoder holds no bytes.
    // textio.c does not bound the guess by the input (after a seek() the ratio may come from
    // another chunk); we do.
    auto skip_bytes =
        static_cast<std::int64_t>(bytes_per_char * static_cast<double>(chars_to_skip));
    skip_bytes = std::min(skip_bytes, static_cast<std::int64_t>(next_input.size()));
    std::int64_t skip_back = 1;
    while (skip_bytes > 0) {
      restore_decoder(cookie);
      const std::int64_t chars =
          decoded_chars(next_input.substr(0, static_cast<std::size_t>(skip_bytes)), false);
      if (chars <= chars_to_skip) {
        const Decoder::State state = decoder->state();
        if (state.pending.empty()) {
          cookie.dec_flags = state.flags;
          chars_to_skip -= chars;
          break;
        }
        skip_bytes -= static_cast<std::int64_t>(state.pending.size());
        skip_back = 1;
      } else {
        skip_bytes -= skip_back;
        skip_back *= 2;
      }
    }
    if (skip_bytes <= 0) {
      skip_bytes = 0;
      restore_decoder(cookie);
    }
    cookie.start_pos += skip_bytes;
    if (chars_to_skip != 0) {
      // Feed one byte at a time, moving the start to each later point where the decoder
      // holds nothing, until enough characters come out.
      std::int64_t chars_decoded = 0;
      auto at = static_cast<std::size_t>(skip_bytes);
      for (; at < next_input.size(); ++at) {
        chars_decoded += decoded_chars(next_input.substr(at, 1), false);
        ++cookie.bytes_to_feed;
        const Decoder::State state = decoder->state();
        if (state.pending.empty() && chars_decoded <= chars_to_skip) {
          cookie.start_pos += cookie.bytes_to_feed;
          chars_to_skip -= chars_decoded;
          cookie.dec_flags = state.flags;
          cookie.bytes_to_feed = 0;
          chars_decoded = 0;
        }
        if (chars_decoded >= chars_to_skip) {
          break;
        }
      }
      if (at == next_input.size()) {
        // Not enough characters: those missing came from the final decode at end of file.
        chars_decoded += decoded_chars({}, true);
        cookie.need_eof = true;
        if (chars_decoded < chars_to_skip) {
          fail_position("can't reconstruct logical file position");
        }
      }
    }
  } catch (...) {
    decoder->set_state(saved);
    throw;
  }
  decoder->set_state(saved);
  cookie.chars_to_skip = chars_to_skip;
  return pack(cookie);
}

void TextFile::State::seek_to(const Cookie& cookie) {
  buffer.seek(cookie.start_pos, SEEK_SET);
  clear_decoded();
  snapshot.reset();
  if (decoder) {
    restore_decoder(cookie);
  }
  if (cookie.chars_to_skip != 0) {
    if (!decoder) {
      fail_position("can't restore logical file position");
    }
    // Replay what read_chunk did from the start point, then skip the characters.
    std::string input = buffer.read(cookie.bytes_to_feed);
    set_decoded(decoder->decode(input, cookie.need_eof));
    snapshot = Snapshot{cookie.dec_flags, std::move(input)};
    std::size_t skipped = 0;
    const std::size_t skipped_to =
        advance_chars(decoded, 0, static_cast<std::size_t>(cookie.chars_to_skip), skipped);
    if (skipped < static_cast<std::size_t>(cookie.chars_to_skip)) {
      // C io fails here with the decoded characters kept, none of them used: a read after
      // the error starts from the cookie's start point.
      fail_position("can't restore logical file position");
    }
    decoded_used_bytes = skipped_to;
    decoded_used_chars = skipped;
  } else {
    snapshot = Snapshot{cookie.dec_flags, std::string()};
  }
  reset_encoder(cookie.start_pos == 0 && cookie.dec_flags == 0);
}

// textio.c's _textiowrapper_readline: scan the decoded text for the line end, setting aside
// what has none and reading more chunks; `limit` counts characters.
std::string TextFile::State::readline(std::int64_t limit) {
  // C io writes pending text down before it finds the file unreadable (read() checks first).
  check_open();
  write_pending();
  check_readable("readline");
  const bool bounded = limit >= 0;
  const auto max_chars = static_cast<std::size_t>(bounded ? limit : 0);
  std::string chunks;  // text set aside, without a line end
  std::size_t chunked_chars = 0;
  std::string remaining;  // a tail that may begin a line end (a '\r' before "\n")
  std::string joined;
  bool found_line = false;
  bool joined_with_remaining = false;
  std::size_t start = 0;
  std::size_t end = 0;
  for (;;) {
    bool more = true;
    while (decoded.empty()) {
      more = read_chunk(0);
      if (!more) {
        break;
      }
    }
    if (!more) {
      clear_decoded();
      snapshot.reset();
      break;
    }
    joined_with_remaining = !remaining.empty();
    if (joined_with_remaining) {
      joined = std::move(remaining);
      remaining.clear();
      joined += decoded;
      start = 0;
    } else {
      start = decoded_used_bytes;
    }
    const std::string_view line = joined_with_remaining ? std::string_view(joined) : decoded;
    std::size_t consumed = 0;
    const std::size_t line_end =
        find_line_end(line, start, read_translate, read_universal, read_newline, consumed);
    end = line_end != std::string_view::npos ? line_end : consumed;
    if (bounded && count_chars(line.substr(start, end - start)) + chunked_chars >= max_chars) {
      end = advance_chars(line, start, max_chars - chunked_chars);
      found_line = true;
      break;
    }
    if (line_end != std::string_view::npos) {
      found_line = true;
      break;
    }
    if (end > start) {
      chunks.append(line.substr(start, end - start));
      if (bounded) {
        chunked_chars += count_chars(line.substr(start, end - start));
      }
    }
    if (end < line.size()) {
      remaining.assign(line.substr(end));
    }
    clear_decoded();
  }
  if (found_line) {
    const std::string_view line = joined_with_remaining ? std::string_view(joined) : decoded;
    chunks.append(line.substr(start, end - start));
    if (joined_with_remaining) {
      // The joined text began with text set aside before `decoded`.
      const std::size_t offset = line.size() - decoded.size();
      decoded_used_bytes = end - offset;
      decoded_used_chars = count_chars(std::string_view(decoded).substr(0, decoded_used_bytes));
    } else {
      decoded_used_chars += count_chars(line.substr(start, end - start));
      decoded_used_bytes = end;
    }
  } else {
    chunks += remaining;
  }
  return chunks;
}

TextFile::TextFile(BufferedFile buffer, const Codec& codec, ErrorHandler errors,
                   std::optional<std::string> newline, bool line_buffering) {
  if (newline && *newline != "" && *newline != "\n" && *newline != "\r" && *newline != "\r\n") {
    throw std::invalid_argument("tempfile: illegal newline value: " + *newline);
  }
  state_ = std::make_unique<State>(std::move(buffer), codec, errors, newline, line_buffering);
}

TextFile::TextFile(TextFile&&) noexcept = default;
TextFile& TextFile::operator=(TextFile&& other) noexcept {
  if (this != &other) {
    if (state_) {
      try {
        close();
      } catch (...) {  // NOLINT(bugprone-empty-catch): as Python's __del__, nowhere to report
      }
    }
    state_ = std::move(other.state_);
  }
  return *this;
}

// Python's TextIOWrapper closes (and so flushes) when it is destroyed.
TextFile::~TextFile() {
  if (state_) {
    try {
      close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor cannot report it
    }
  }
}

std::size_t TextFile::write(std::string_view text) {
  return write_text(text, false);
}

std::size_t TextFile::write_through(std::string_view text) {
  return write_text(text, true);
}

std::size_t TextFile::write_text(std::string_view text, bool through) {
  State& s = live(state_);
  s.check_open();
  if (!s.encoder) {
    throw unsupported_operation("tempfile: write: file not open for writing");
  }
  const std::size_t length = count_chars(text);
  const bool has_lf =
      (!s.write_newline.empty() || s.line_buffering) && text.find('\n') != std::string_view::npos;
  std::string translated;
  if (has_lf && s.write_translate && !s.write_newline.empty()) {
    translated.reserve(text.size());
    for (const char c : text) {
      if (c == '\n') {
        translated += s.write_newline;
      } else {
        translated += c;
      }
    }
    text = translated;
  }
  const bool needs_flush =
      s.line_buffering && (has_lf || text.find('\r') != std::string_view::npos);
  // What write_through() puts back if the buffer refuses the bytes; the read side is only
  // reset below, after the bytes went down.
  const bool bom_was_pending = through && s.encoder->bom_pending();
  std::optional<std::string> pending_before;
  if (through) {
    pending_before = s.pending_bytes;
  }
  std::string encoded;
  s.encoder->encode(text, encoded);
  try {
    // C io writes at the buffer's position even after a read that went ahead of the text
    // position (its "XXX What if we were just reading?"), then forgets the read-ahead. What
    // is pending goes first when the two together would pass chunk_size, as textio.c does.
    if (s.pending_bytes && s.pending_bytes->size() + encoded.size() > s.chunk_size) {
      s.write_pending();
    }
    if (s.pending_bytes) {
      *s.pending_bytes += encoded;
    } else {
      s.pending_bytes = std::move(encoded);
    }
    if (s.pending_bytes->size() >= s.chunk_size || needs_flush || through) {
      s.write_pending();
    }
  } catch (...) {
    if (through) {
      s.pending_bytes = std::move(pending_before);
      if (bom_was_pending) {
        s.encoder->reset();
      }
    }
    throw;
  }
  if (through) {
    // As flush() (Python's tell()) would. The buffer is flushed outside the all-or-nothing
    // part: once the bytes are in it, a failing flush keeps them for a later one, as always.
    s.telling = true;
    s.buffer.flush();
  }
  if (needs_flush) {
    s.buffer.flush();
  }
  s.clear_decoded();
  s.snapshot.reset();
  if (s.decoder) {
    s.decoder->reset();
  }
  return length;
}

std::string TextFile::read(std::int64_t n) {
  State& s = live(state_);
  s.check_readable("read");
  s.write_pending();
  std::string result;
  if (n < 0) {
    std::string input = s.buffer.read(-1);
    std::string rest = s.decoder->decode(input, true);
    result.assign(s.decoded, s.decoded_used_bytes);
    result += rest;
    s.clear_decoded();
    s.snapshot.reset();
    return result;
  }
  auto remaining = static_cast<std::size_t>(n);
  remaining -= s.take_decoded(remaining, result);
  while (remaining > 0) {
    if (!s.read_chunk(remaining)) {
      break;
    }
    remaining -= s.take_decoded(remaining, result);
  }
  return result;
}

std::string TextFile::readline(std::int64_t limit) {
  return live(state_).readline(limit);
}

std::string next_line(TextFile& file) {
  TextFile::State& s = live(file.state_);
  s.telling = false;
  std::string line = s.readline(-1);  // an error leaves tell() disabled, as in C io
  if (line.empty()) {
    s.snapshot.reset();
    s.telling = true;
  }
  return line;
}

std::int64_t TextFile::tell() {
  return live(state_).tell();
}

std::int64_t TextFile::seek(std::int64_t cookie, int whence) {
  State& s = live(state_);
  s.check_open();
  if (whence == SEEK_CUR) {
    if (cookie != 0) {
      throw unsupported_operation("tempfile: can't do nonzero cur-relative seeks");
    }
    // Seeking to the current position still syncs the buffer with it.
    cookie = s.tell();
  } else if (whence == SEEK_END) {
    if (cookie != 0) {
      throw unsupported_operation("tempfile: can't do nonzero end-relative seeks");
    }
    s.flush();
    s.clear_decoded();
    s.snapshot.reset();
    if (s.decoder) {
      s.decoder->reset();
    }
    const std::int64_t position = s.buffer.seek(0, SEEK_END);
    s.reset_encoder(position == 0);
    return position;
  } else if (whence != SEEK_SET) {
    throw std::invalid_argument("tempfile: invalid whence (" + std::to_string(whence) +
                                ", should be 0, 1 or 2)");
  }
  if (cookie < 0) {
    throw std::invalid_argument("tempfile: negative seek position " + std::to_string(cookie));
  }
  const Cookie target = s.unpack(cookie);
  s.flush();
  s.seek_to(target);
  return cookie;
}

std::int64_t TextFile::truncate(std::optional<std::int64_t> size) {
  State& s = live(state_);
  s.check_open();
  s.flush();
  // C io passes None on to the buffer, which truncates at its own position (after any
  // read-ahead); _pyio would pass its tell() cookie. We follow C io.
  return s.buffer.truncate(size);
}

void TextFile::flush() {
  State& s = live(state_);
  s.check_open();
  s.flush();
}

void TextFile::roll_over() {
  State& s = live(state_);
  s.check_open();
  // Python's rollover asks the text layer's tell(), which flushes: pending text goes into
  // the memory first (or, should it pass max_size, into the new file with the rollover), so
  // the descriptor holds every byte. If the rollover then fails, that text is in memory,
  // where a flush would have put it: nothing is lost and nothing visible changed.
  s.write_pending();
  s.buffer.roll_over();
}

void TextFile::abandon() noexcept {
  if (state_) {
    state_->pending_bytes.reset();
    state_->buffer.abandon();
  }
}

void TextFile::close() {
  // Python's TextIOWrapper.close: flush(), then buffer.close() even if that failed (which
  // flushes the buffer and closes the descriptor), then report the first failure.
  if (!state_ || state_->buffer.closed()) {
    return;
  }
  std::exception_ptr failure;
  try {
    state_->write_pending();
  } catch (...) {
    failure = std::current_exception();
  }
  try {
    state_->buffer.close();
  } catch (...) {
    if (!failure) {
      failure = std::current_exception();
    }
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

bool TextFile::closed() const noexcept {
  return !state_ || state_->buffer.closed();
}

std::vector<std::string> TextFile::newlines() const {
  return state_ && state_->decoder ? state_->decoder->newlines() : std::vector<std::string>{};
}

const std::string& TextFile::encoding() const noexcept {
  return state_ ? state_->encoding : os::no_text();
}

BufferedFile& TextFile::buffer() noexcept {
  return state_->buffer;
}

const BufferedFile& TextFile::buffer() const noexcept {
  return state_->buffer;
}

void TextFileTesting::set_chunk_size(TextFile& file, std::size_t size) {
  live(file.state_).chunk_size = size;
}

}  // namespace tempfile::io
