// An owned iconv(3) conversion descriptor, with the char** plumbing and E2BIG growth done once.
#pragma once

#include <iconv.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace tempfile::io::detail {

class Iconv {
 public:
  /// iconv_open(to, from); throws tempfile::error if the conversion is unavailable.
  Iconv(const std::string& to, const std::string& from);
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  Iconv(Iconv&& other) noexcept;
  Iconv& operator=(Iconv&& other) noexcept;
  ~Iconv();

  /// Whether iconv can convert both ways between `name` and UTF-8.
  [[nodiscard]] static bool converts(const std::string& name);

  struct Step {
    std::size_t consumed;  // bytes of the input converted
    int error;             // 0 (all converted), EILSEQ (bad input at `consumed`) or EINVAL
                           // (the input ends inside a character)
  };
  /// Converts as much of `input` as possible, appending the result to `out`.
  Step convert(std::string_view input, std::string& out);
  /// Appends what returns a stateful encoding to its initial shift state.
  void flush(std::string& out);
  /// Back to the initial conversion state, discarding any shift state.
  void reset() noexcept;

 private:
  iconv_t cd_;
};

}  // namespace tempfile::io::detail
