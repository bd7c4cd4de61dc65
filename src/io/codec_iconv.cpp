// The iconv(3) wrapper: the only place that handles iconv's char** arguments.
#include "io/codec_iconv.hpp"

#include <cerrno>
#include <system_error>
#include <utility>

#include "tempfile/error.hpp"

namespace tempfile::io::detail {
namespace {

// iconv_open()'s failure value, (iconv_t)-1.
iconv_t invalid_cd() {
  return reinterpret_cast<iconv_t>(-1);  // NOLINT(performance-no-int-to-ptr)
}

// iconv's C signature takes char** for input it never writes through.
char* writable(const char* input) {
  return const_cast<char*>(input);
}

}  // namespace

Iconv::Iconv(const std::string& to, const std::string& from)
    : cd_(::iconv_open(to.c_str(), from.c_str())) {
  if (cd_ == invalid_cd()) {
    const std::error_code code(errno, std::generic_category());
    throw tempfile::error::with_message(
        "tempfile: iconv_open(\"" + to + "\", \"" + from + "\") failed: " + code.message(), {},
        code);
  }
}

Iconv::Iconv(Iconv&& other) noexcept : cd_(std::exchange(other.cd_, invalid_cd())) {}

Iconv& Iconv::operator=(Iconv&& other) noexcept {
  if (this != &other) {
    if (cd_ != invalid_cd()) {
      ::iconv_close(cd_);
    }
    cd_ = std::exchange(other.cd_, invalid_cd());
  }
  return *this;
}

Iconv::~Iconv() {
  if (cd_ != invalid_cd()) {
    ::iconv_close(cd_);
  }
}

bool Iconv::converts(const std::string& name) {
  iconv_t decode = ::iconv_open("UTF-8", name.c_str());
  if (decode == invalid_cd()) {
    return false;
  }
  ::iconv_close(decode);
  iconv_t encode = ::iconv_open(name.c_str(), "UTF-8");
  if (encode == invalid_cd()) {
    return false;
  }
  ::iconv_close(encode);
  return true;
}

Iconv::Step Iconv::convert(std::string_view input, std::string& out) {
  char* in = writable(input.data());
  std::size_t in_left = input.size();
  for (;;) {
    const std::size_t start = out.size();
    // Enough for most text in one round; E2BIG just means another round.
    const std::size_t room = in_left + in_left / 2 + 64;
    out.resize(start + room);
    char* next = out.data() + start;
    std::size_t out_left = room;
    const std::size_t result = ::iconv(cd_, &in, &in_left, &next, &out_left);
    const int error = result == static_cast<std::size_t>(-1) ? errno : 0;
    out.resize(start + (room - out_left));
    if (error == E2BIG) {
      continue;
    }
    if (error != 0 && error != EILSEQ && error != EINVAL) {
      const std::error_code code(error, std::generic_category());
      throw tempfile::error::with_message("tempfile: iconv failed: " + code.message(), {}, code);
    }
    return {input.size() - in_left, error};
  }
}

void Iconv::flush(std::string& out) {
  for (;;) {
    const std::size_t start = out.size();
    constexpr std::size_t room = 64;
    out.resize(start + room);
    char* next = out.data() + start;
    std::size_t out_left = room;
    const std::size_t result = ::iconv(cd_, nullptr, nullptr, &next, &out_left);
    const int error = result == static_cast<std::size_t>(-1) ? errno : 0;
    out.resize(start + (room - out_left));
    if (error != E2BIG) {
      return;
    }
  }
}

void Iconv::reset() noexcept {
  ::iconv(cd_, nullptr, nullptr, nullptr, nullptr);
}

}  // namespace tempfile::io::detail
