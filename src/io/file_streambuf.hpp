// SPDX-License-Identifier: MIT
// The std::streambuf behind File::stream(): reads and writes go straight to the file's own
// layers, so the stream and the file share one buffer and one position.
#pragma once

#include <cstdint>
#include <ios>
#include <streambuf>
#include <string>

namespace tempfile::detail {

struct FileState;

class FileStreambuf final : public std::streambuf {
 public:
  explicit FileStreambuf(FileState& file) noexcept : file_(file) {}

  /// Gives back a looked-ahead character that the stream did not consume, so that the file's
  /// position is the stream's. Called before every operation on the file.
  void settle();

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char_type* out, std::streamsize count) override;
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char_type* data, std::streamsize count) override;
  pos_type seekoff(off_type offset, std::ios_base::seekdir direction,
                   std::ios_base::openmode which) override;
  pos_type seekpos(pos_type position, std::ios_base::openmode which) override;
  int sync() override;

 private:
  FileState& file_;
  std::string lookahead_;            // the get area: one character's bytes
  std::int64_t lookahead_from_ = 0;  // tell() before it was read
};

}  // namespace tempfile::detail
