// RawFile: the OS layer's read/write/seek/truncate with errors turned into tempfile::error.
#include "io/raw_file.hpp"

#include <string>

#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

[[noreturn]] void fail(const char* action, int fd, os::Errno err) {
  throw error(action, std::filesystem::path("fd " + std::to_string(fd)), os::to_error_code(err));
}

}  // namespace

std::size_t RawFile::read(std::span<std::byte> into) {
  std::size_t got = 0;
  if (const os::Errno err = os::read_some(fd_.get(), into.data(), into.size(), got); err != 0) {
    fail("cannot read from", fd_.get(), err);
  }
  position_ += static_cast<std::int64_t>(got);
  return got;
}

std::size_t RawFile::write(std::span<const std::byte> from) {
  std::size_t written = 0;
  if (const os::Errno err = os::write_some(fd_.get(), from.data(), from.size(), written);
      err != 0) {
    fail("cannot write to", fd_.get(), err);
  }
  position_ += static_cast<std::int64_t>(written);
  return written;
}

void RawFile::write_all(std::span<const std::byte> from) {
  while (!from.empty()) {
    from = from.subspan(write(from));
  }
}

std::int64_t RawFile::seek(std::int64_t offset, int whence) {
  std::int64_t position = 0;
  if (const os::Errno err = os::seek(fd_.get(), offset, whence, position); err != 0) {
    fail("cannot seek in", fd_.get(), err);
  }
  position_ = position;
  return position;
}

void RawFile::truncate(std::int64_t size) {
  if (const os::Errno err = os::truncate(fd_.get(), size); err != 0) {
    fail("cannot truncate", fd_.get(), err);
  }
}

void RawFile::close() {
  const int fd = fd_.get();
  if (const os::Errno err = fd_.close(); err != 0) {
    fail("cannot close", fd, err);
  }
}

}  // namespace tempfile::io
