// SPDX-License-Identifier: MIT
// tempfile::File: Python's io interface dispatched to the byte layer or the text layer.
#include "tempfile/file.hpp"

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "io/codec.hpp"
#include "io/file_state.hpp"
#include "os/no_value.hpp"
#include "os/spare_block.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile {
namespace detail {

void* FileState::operator new(std::size_t size) {
  if (void* spare = os::take_spare_block(os::SpareKind::file_state)) {
    return spare;
  }
  return ::operator new(size);
}

void FileState::operator delete(void* block) noexcept {
  if (block != nullptr && !os::keep_spare_block(os::SpareKind::file_state, block)) {
    ::operator delete(block);
  }
}

void FileState::close_and_clean_up() noexcept {
  if (!opened_by.is_current()) {
    // A fork()ed child: its copy of the object only closes its descriptor. Flushing would
    // write the parent's buffered bytes a second time; the hook would act for the parent.
    abandon_layers();
    return;
  }
  try {
    close_layers();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nobody to report to; close() reports
  }
  if (after_close) {
    try {
      after_close->closed(io::AfterClose::Why::destroy, name_text());
    } catch (...) {  // NOLINT(bugprone-empty-catch): as above
    }
  }
}

}  // namespace detail

namespace {

[[noreturn]] void text_only_bytes(const char* operation) {
  throw std::invalid_argument(std::string("tempfile: ") + operation +
                              ": a text mode file takes and gives text (std::string_view)");
}

// The byte layer for read1() and peek(), which only Python's Buffered* objects have: not
// TextIOWrapper, not FileIO (buffering=0; a spooled one too, in memory as on disk).
io::BufferedFile& buffered_binary(detail::FileState& s, const char* operation) {
  if (s.text) {
    throw unsupported_operation(std::string("tempfile: ") + operation +
                                ": not available on a text mode file");
  }
  if (s.binary->raw_io()) {
    throw unsupported_operation(std::string("tempfile: ") + operation +
                                ": not available on an unbuffered file (buffering=0)");
  }
  return *s.binary;
}

}  // namespace

File::File(std::unique_ptr<detail::FileState> state) noexcept : state_(std::move(state)) {}
File::File(File&& other) noexcept = default;

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (state_) {
      state_->close_and_clean_up();
    }
    state_ = std::move(other.state_);
  }
  return *this;
}

File::~File() {
  if (state_) {
    state_->close_and_clean_up();
  }
}

detail::FileState& File::state() const {
  if (!state_) {
    throw closed_file_error();  // moved-from: behaves as a closed file
  }
  state_->settle_stream();
  return *state_;
}

std::size_t File::write(std::string_view data) {
  detail::FileState& s = state();
  if (s.text) {
    if (!s.spooling() || s.bytes().spill_max_size() == 0) {
      return s.text->write(data);
    }
    // A spooled text file checks its size after each write as Python's does (its tell()
    // flushes first), so the encoded text goes down at once; if that needs a rollover that
    // fails, write_through() leaves the text layer as it was: the call wrote nothing.
    return s.text->write_through(data);
  }
  return s.binary->write(std::as_bytes(std::span(data)));
}

std::size_t File::write(std::span<const std::byte> data) {
  detail::FileState& s = state();
  if (s.text) {
    text_only_bytes("write");
  }
  return s.binary->write(data);
}

std::string File::read(std::int64_t n) {
  detail::FileState& s = state();
  return s.text ? s.text->read(n) : s.binary->read(n);
}

std::string File::readline(std::int64_t limit) {
  detail::FileState& s = state();
  return s.text ? s.text->readline(limit) : s.binary->readline(limit);
}

// C io's IOBase.readlines: iterate (in text mode that is next(), not readline()), and with a
// hint stop once the lines total more than hint bytes (binary) or characters (text).
std::vector<std::string> File::readlines(std::int64_t hint) {
  std::vector<std::string> lines;
  std::int64_t total = 0;
  for (;;) {
    detail::FileState& s = state();
    std::string line = s.text ? next_line(*s.text) : s.binary->readline(-1);
    if (line.empty()) {
      break;
    }
    total += static_cast<std::int64_t>(s.text ? io::count_chars(line) : line.size());
    lines.push_back(std::move(line));
    if (hint > 0 && total > hint) {
      break;
    }
  }
  return lines;
}

std::size_t File::readinto(std::span<std::byte> into) {
  detail::FileState& s = state();
  if (s.text) {
    throw unsupported_operation("tempfile: readinto: not available on a text mode file");
  }
  return s.binary->readinto(into);
}

std::string File::read1(std::int64_t n) {
  detail::FileState& s = state();
  return buffered_binary(s, "read1").read1(n);
}

std::string File::peek(std::int64_t /*n: C io ignores it*/) {
  detail::FileState& s = state();
  return buffered_binary(s, "peek").peek();
}

std::int64_t File::seek(std::int64_t offset, int whence) {
  detail::FileState& s = state();
  if (s.text) {
    if (whence == SEEK_CUR && !s.bytes().closed()) {
      s.bytes().refresh_position();  // TextIOWrapper's seek(0, 1) is seek(tell())
    }
    return s.text->seek(offset, whence);
  }
  return s.binary->seek(offset, whence);
}

std::int64_t File::tell() {
  detail::FileState& s = state();
  if (!s.bytes().closed()) {
    s.bytes().refresh_position();
  }
  return s.text ? s.text->tell() : s.binary->tell();
}

std::int64_t File::truncate(std::optional<std::int64_t> size) {
  detail::FileState& s = state();
  // Python's SpooledTemporaryFile rolls over before growing past max_size (even max_size 0).
  if (s.spooling() && size && *size > s.bytes().spill_max_size() && !s.bytes().closed()) {
    s.roll_over();
  }
  return s.text ? s.text->truncate(size) : s.binary->truncate(size);
}

void File::flush() {
  detail::FileState& s = state();
  if (s.text) {
    s.text->flush();
  } else {
    s.binary->flush();
  }
}

void File::close() {
  if (!state_) {
    return;
  }
  detail::FileState& s = *state_;
  std::exception_ptr failure;
  try {
    s.close_layers();
  } catch (...) {
    failure = std::current_exception();
  }
  if (s.after_close) {
    try {
      s.after_close->closed(io::AfterClose::Why::close, s.name_text());
    } catch (...) {
      if (!failure) {
        failure = std::current_exception();
      }
    }
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

bool File::closed() const noexcept {
  return !state_ || state_->bytes().closed();
}

void File::end_writelines() {
  detail::FileState& s = state();
  if (s.bytes().closed()) {
    throw closed_file_error();  // IOBase.writelines checks even for an empty range
  }
  // SpooledTemporaryFile.writelines: `tell() > max_size` after the lines, as after write().
  // A spooled text file with a max_size wrote each line down at once, so the byte position
  // is the one Python's tell() would flush to.
  // A read-only file cannot have grown: it never rolls over here.
  const std::int64_t max_size = s.bytes().spill_max_size();
  if (s.spooling() && s.bytes().mode().writable() && max_size > 0 && s.bytes().tell() > max_size) {
    s.roll_over();
  }
}

int File::fileno() {
  detail::FileState& s = state();
  s.roll_over();  // a spooled file needs a descriptor for this
  return s.bytes().share_descriptor();
}

bool File::isatty() {
  return state().bytes().isatty();
}

bool File::readable() const {
  const detail::FileState& s = state();
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  return s.bytes().mode().readable();
}

bool File::writable() const {
  const detail::FileState& s = state();
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  return s.bytes().mode().writable();
}

bool File::seekable() const {
  if (state().bytes().closed()) {
    throw closed_file_error();
  }
  return true;
}

const std::filesystem::path& File::name() const noexcept {
  return state_ ? state_->name() : os::no_path();
}

std::optional<std::filesystem::path> File::path() const {
  if (state_ == nullptr || state_->open_plan == nullptr) {
    return std::nullopt;
  }
  return state_->name();
}

std::string File::mode() const {
  const detail::FileState& s = state();
  // Python: a spooled file's mode is the string it was given until it rolls over.
  return s.text || s.spooling() ? std::string(s.mode_given()) : s.bytes().mode().raw_mode();
}

std::optional<std::string> File::encoding() const {
  const detail::FileState& s = state();
  if (!s.text) {
    return std::nullopt;
  }
  return s.text->encoding();
}

std::vector<std::string> File::newlines() const {
  const detail::FileState& s = state();
  return s.text ? s.text->newlines() : std::vector<std::string>{};
}

void File::chmod(std::filesystem::perms permissions) {
  detail::FileState& s = state();
  s.roll_over();
  const int fd = s.bytes().fileno();
  if (const os::Errno err = os::change_mode(fd, static_cast<unsigned>(permissions) & 07777U);
      err != 0) {
    s.bytes().raw().fail("cannot change the mode of", err);
  }
}

std::iostream& File::stream() {
  detail::FileState& s = state();
  if (s.bytes().closed()) {
    throw closed_file_error();
  }
  if (!s.stream) {
    s.streambuf = std::make_unique<detail::FileStreambuf>(s);
    s.stream = std::make_unique<std::iostream>(s.streambuf.get());
  }
  return *s.stream;
}

std::FILE* File::fdopen() {
  detail::FileState& s = state();
  s.roll_over();
  if (s.text) {
    s.text->flush();
    s.text->seek(s.text->tell(), SEEK_SET);  // Python's idiom to drop decoded read-ahead
  }
  s.bytes().synchronize();
  const io::OpenMode& mode = s.bytes().mode();
  const char* stdio_mode = mode.readable() && mode.writable() ? "r+b"
                           : mode.readable()                  ? "rb"
                                                              : "wb";
  os::FileDescriptor copy;
  if (const os::Errno err = os::duplicate(s.bytes().share_descriptor(), copy); err != 0) {
    s.bytes().raw().fail("cannot duplicate the descriptor of", err);
  }
  std::FILE* stream = nullptr;
  if (const os::Errno err = os::open_stdio(copy, stdio_mode, stream); err != 0) {
    s.bytes().raw().fail("cannot open a stdio stream on", err);
  }
  return stream;
}

LineIterator::LineIterator(File& file) : file_(&file) {
  ++*this;
}

LineIterator& LineIterator::operator++() {
  detail::FileState& s = file_->state();
  line_ = s.text ? next_line(*s.text) : s.binary->readline(-1);
  if (line_.empty()) {
    file_ = nullptr;
  }
  return *this;
}

}  // namespace tempfile
