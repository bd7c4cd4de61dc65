// SPDX-License-Identifier: MIT
// FileStreambuf: std::streambuf over a File's byte or text layer, with a one-character get
// area that is handed back before the file is used directly.
#include "io/file_streambuf.hpp"

#include <cstdio>
#include <exception>

#include "io/file_state.hpp"

namespace tempfile::detail {
namespace {

// Stream operations report failure through the stream's state, not exceptions, unless the
// user asked for exceptions(); returning eof / -1 makes the stream set badbit/failbit.
template <class Body, class Result>
Result guarded(Body&& body, Result on_failure) noexcept {
  try {
    return body();
  } catch (...) {
    return on_failure;
  }
}

}  // namespace

void FileStreambuf::settle() {
  if (lookahead_.empty()) {
    return;
  }
  const auto consumed = static_cast<std::int64_t>(gptr() - eback());
  const bool untouched = consumed == 0;
  const bool used_up = consumed == static_cast<std::int64_t>(lookahead_.size());
  const bool surplus = lookahead_from_ < 0;  // the tail of a character xsgetn consumed
  lookahead_.clear();
  setg(nullptr, nullptr, nullptr);
  if (used_up || surplus) {
    return;
  }
  if (file_.text) {
    // A partly consumed multibyte character cannot be split in text mode: only an untouched
    // one is given back; otherwise the file continues after it.
    if (untouched) {
      file_.text->seek(lookahead_from_, SEEK_SET);
    }
    return;
  }
  file_.binary->seek(lookahead_from_ + consumed, SEEK_SET);
}

FileStreambuf::int_type FileStreambuf::underflow() {
  if (gptr() != nullptr && gptr() < egptr()) {
    return traits_type::to_int_type(*gptr());
  }
  return guarded(
      [&]() -> int_type {
        lookahead_.clear();
        setg(nullptr, nullptr, nullptr);
        if (file_.text) {
          lookahead_from_ = file_.text->tell();
          lookahead_ = file_.text->read(1);
        } else {
          lookahead_from_ = file_.binary->tell();
          lookahead_ = file_.binary->read(1);
        }
        if (lookahead_.empty()) {
          return traits_type::eof();
        }
        setg(lookahead_.data(), lookahead_.data(), lookahead_.data() + lookahead_.size());
        return traits_type::to_int_type(*gptr());
      },
      traits_type::eof());
}

std::streamsize FileStreambuf::xsgetn(char_type* out, std::streamsize count) {
  std::streamsize done = 0;
  while (done < count && gptr() != nullptr && gptr() < egptr()) {
    out[done++] = *gptr();
    gbump(1);
  }
  if (done == count) {
    return done;
  }
  return guarded(
      [&]() -> std::streamsize {
        settle();
        // Text mode counts characters, a stream counts bytes: read characters until enough
        // bytes arrived; the surplus of the last character stays in the get area.
        while (done < count) {
          const std::string chunk =
              file_.text ? file_.text->read(count - done) : file_.binary->read(count - done);
          if (chunk.empty()) {
            break;
          }
          const auto take =
              std::min<std::streamsize>(static_cast<std::streamsize>(chunk.size()), count - done);
          chunk.copy(out + done, static_cast<std::size_t>(take));
          done += take;
          if (take < static_cast<std::streamsize>(chunk.size())) {
            lookahead_ = chunk.substr(static_cast<std::size_t>(take));
            lookahead_from_ = -1;  // never handed back: it is the rest of a consumed character
            setg(lookahead_.data(), lookahead_.data(), lookahead_.data() + lookahead_.size());
          }
        }
        return done;
      },
      done);
}

FileStreambuf::int_type FileStreambuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) {
    return traits_type::not_eof(c);
  }
  const char byte = traits_type::to_char_type(c);
  return xsputn(&byte, 1) == 1 ? c : traits_type::eof();
}

std::streamsize FileStreambuf::xsputn(const char_type* data, std::streamsize count) {
  return guarded(
      [&]() -> std::streamsize {
        settle();
        const std::string_view text(data, static_cast<std::size_t>(count));
        if (file_.text) {
          file_.text->write(text);
        } else {
          file_.binary->write(std::as_bytes(std::span(text)));
        }
        return count;
      },
      std::streamsize{0});
}

FileStreambuf::pos_type FileStreambuf::seekoff(off_type offset, std::ios_base::seekdir direction,
                                               std::ios_base::openmode /*which*/) {
  return guarded(
      [&]() -> pos_type {
        settle();
        const int whence = direction == std::ios_base::beg   ? SEEK_SET
                           : direction == std::ios_base::cur ? SEEK_CUR
                                                             : SEEK_END;
        if (file_.text) {
          if (whence == SEEK_CUR && offset == 0) {
            file_.bytes().refresh_position();  // as File::tell()
            return {file_.text->tell()};
          }
          return {file_.text->seek(offset, whence)};
        }
        return {file_.binary->seek(offset, whence)};
      },
      pos_type(off_type(-1)));
}

FileStreambuf::pos_type FileStreambuf::seekpos(pos_type position, std::ios_base::openmode which) {
  return seekoff(off_type(position), std::ios_base::beg, which);
}

int FileStreambuf::sync() {
  return guarded(
      [&] {
        settle();
        if (file_.text) {
          file_.text->flush();
        } else {
          file_.binary->flush();
        }
        return 0;
      },
      -1);
}

}  // namespace tempfile::detail
