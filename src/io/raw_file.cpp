// SPDX-License-Identifier: MIT
// RawFile: the OS layer's read/write/seek/truncate with errors turned into tempfile::error, and
// the in-memory storage a SpooledTemporaryFile starts with, and the swap from one to the other.
#include "io/raw_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <type_traits>

#include "os/no_value.hpp"
#include "os/path.hpp"
#include "os/persist.hpp"
#include "os/sys.hpp"
#include "tempfile/error.hpp"

namespace tempfile::io {
namespace {

// The first block a spooled file allocates; then it doubles (as the floor's realloc buffer).
constexpr std::size_t first_memory_block = 4096;

}  // namespace

RawFile RawFile::in_memory(OpenMode mode) noexcept {
  return {Memory{}, mode};
}

int RawFile::fileno() const noexcept {
  const auto* file = std::get_if<Descriptor>(&storage_);
  return file != nullptr ? file->fd.get() : -1;
}

void RawFile::rename_for_this_process() const noexcept {
  try {
    if (closed()) {
      // By the number the descriptor had, so that a closed file's name() still says which
      // path reached it in this process (as every name() stays after close()).
      set_name(os::descriptor_path(named_fd_));
    } else if (std::string path; os::path_reaching_descriptor(named_fd_, path) == 0) {
      set_name(std::move(path));
    }
    // Else the parent's path stays, which reaches the file while the parent holds it: this
    // child sees a /proc where its own id is not its own (a child cloned into a new pid
    // namespace). Checked once per process, as the parent checked at creation.
    named_in_ = os::process_id();
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory: the parent's path stays, and
                   // the next call tries again (named_in_ still differs)
  }
}

const std::filesystem::path& RawFile::no_name() noexcept {
  return os::no_path();  // never destroyed: a name() asked for during exit still gets one
}

void RawFile::build_name(const std::string& text) const noexcept {
  try {
    name_ = os::to_path(text);  // UTF-8 text: on Windows a path is UTF-16
    name_built_ = true;
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory: see name()
  }
}

std::filesystem::path RawFile::describe() const {
  if (in_memory()) {
    return "<memory>";
  }
  if (!unnamed_in_.empty()) {
    return os::to_path(unnamed_in_.view());
  }
  const std::string& name = name_text();
  return name.empty() ? std::filesystem::path("fd " + std::to_string(fileno())) : os::to_path(name);
}

std::int64_t RawFile::known_remaining() const noexcept {
  std::int64_t size = 0;
  if (const auto* memory = std::get_if<Memory>(&storage_)) {
    size = static_cast<std::int64_t>(memory->size);
  } else if (const Descriptor& file = descriptor(); file.unshared) {
    size = file.size;
  } else {
    return -1;
  }
  return position_ < size ? size - position_ : 0;
}

void RawFile::share() {
  auto* file = std::get_if<Descriptor>(&storage_);
  if (file == nullptr) {
    return;
  }
  file->handed_out = true;
  share_when_used();
  settle_offset(*file);  // now: the descriptor leaves this object
}

void RawFile::share_when_used() noexcept {
  auto* file = std::get_if<Descriptor>(&storage_);
  if (file != nullptr && file->unshared) {
    file->unshared = false;
    file->offset_pending = true;
  }
}

void RawFile::settle_offset(Descriptor& file) {
  if (!file.offset_pending) {
    return;
  }
  std::int64_t moved = 0;
  if (const os::Errno err = os::seek(file.fd.get(), position_, SEEK_SET, moved); err != 0) {
    fail("cannot seek in", err);
  }
  file.offset_pending = false;
}

void RawFile::refresh_position() {
  const auto* file = std::get_if<Descriptor>(&storage_);
  if (file == nullptr || !file->handed_out || !file->fd.valid()) {
    return;
  }
  std::int64_t offset = 0;
  if (const os::Errno err = os::seek(file->fd.get(), 0, SEEK_CUR, offset); err != 0) {
    fail("cannot seek in", err);
  }
  position_ = offset;
}

void RawFile::fail(const char* action, os::Errno err) const {
  if (!in_memory() && !unnamed_in_.empty()) {
    // Python names no file here (its TemporaryFile's name is the descriptor number); the
    // directory at least says which file system refused.
    throw error(
        std::string(action) + " unnamed temporary file (fd " + std::to_string(fileno()) + ") in",
        os::to_path(unnamed_in_.view()), os::to_error_code(err));
  }
  throw error(action, describe(), os::to_error_code(err));
}

std::span<const std::byte> RawFile::memory_ahead() const noexcept {
  const auto* memory = std::get_if<Memory>(&storage_);
  const auto position = static_cast<std::size_t>(position_);
  if (memory == nullptr || position >= memory->size) {
    return {};
  }
  return {memory->block.get() + position, memory->size - position};
}

void RawFile::reserve(Memory& memory, std::size_t size) {
  if (size <= memory.capacity) {
    return;
  }
  std::size_t capacity = std::max(memory.capacity * 2, first_memory_block);
  while (capacity < size) {
    capacity = capacity > std::numeric_limits<std::size_t>::max() / 2 ? size : capacity * 2;
  }
  void* grown = std::realloc(memory.block.get(), capacity);  // NOLINT(cppcoreguidelines-no-malloc)
  if (grown == nullptr) {
    throw std::bad_alloc();
  }
  static_cast<void>(memory.block.release());
  memory.block.reset(static_cast<std::byte*>(grown));
  memory.capacity = capacity;
}

std::size_t RawFile::read(std::span<std::byte> into) {
  if (in_memory()) {
    const std::span<const std::byte> ahead = memory_ahead();
    const std::size_t got = std::min(ahead.size(), into.size());
    if (got > 0) {
      std::memcpy(into.data(), ahead.data(), got);
    }
    advance(got);
    return got;
  }
  Descriptor& file = descriptor();
  settle_offset(file);
  std::size_t got = 0;
  if (const os::Errno err =
          file.unshared ? os::read_at(file.fd.get(), into.data(), into.size(), position_, got)
                        : os::read_some(file.fd.get(), into.data(), into.size(), got);
      err != 0) {
    fail("cannot read from", err);
  }
  position_ += static_cast<std::int64_t>(got);
  return got;
}

std::size_t RawFile::write(std::span<const std::byte> from) {
  // An empty write does not extend a file, even past its end (write(2) and pwrite(2) with
  // no bytes change nothing), in memory or not.
  if (auto* memory = std::get_if<Memory>(&storage_)) {
    if (from.empty()) {
      return 0;
    }
    const auto position = static_cast<std::size_t>(position_);
    const std::size_t end = position + from.size();
    reserve(*memory, end);
    if (position > memory->size) {  // past the end: the gap reads as zero bytes, as in a file
      std::memset(memory->block.get() + memory->size, 0, position - memory->size);
    }
    std::memcpy(memory->block.get() + position, from.data(), from.size());
    memory->size = std::max(memory->size, end);
    position_ = static_cast<std::int64_t>(end);
    return from.size();
  }
  Descriptor& file = descriptor();
  settle_offset(file);
  std::size_t written = 0;
  if (const os::Errno err =
          file.unshared ? os::write_at(file.fd.get(), from.data(), from.size(), position_, written)
                        : os::write_some(file.fd.get(), from.data(), from.size(), written);
      err != 0) {
    fail("cannot write to", err);
  }
  position_ += static_cast<std::int64_t>(written);
  if (file.unshared && written > 0 && position_ > file.size) {
    file.size = position_;
  }
  return written;
}

void RawFile::write_all(std::span<const std::byte> from) {
  while (!from.empty()) {
    from = from.subspan(write(from));
  }
}

std::int64_t RawFile::seek_without_descriptor(std::int64_t offset, int whence, std::int64_t size) {
  std::int64_t base = 0;
  if (whence == SEEK_CUR) {
    base = position_;
  } else if (whence == SEEK_END) {
    base = size;
  }
  if ((offset > 0 && base > std::numeric_limits<std::int64_t>::max() - offset) ||
      base + offset < 0) {
    fail("cannot seek in", EINVAL);
  }
  position_ = base + offset;
  return position_;
}

std::int64_t RawFile::seek(std::int64_t offset, int whence) {
  const bool plain = whence == SEEK_SET || whence == SEEK_CUR || whence == SEEK_END;
  if (const auto* memory = std::get_if<Memory>(&storage_)) {
    const auto size = static_cast<std::int64_t>(memory->size);
    if (plain) {
      return seek_without_descriptor(offset, whence, size);
    }
    // SEEK_DATA / SEEK_HOLE: memory has no holes.
    if (offset < 0) {
      fail("cannot seek in", EINVAL);
    }
    if (offset >= size) {
      fail("cannot seek in", ENXIO);
    }
    position_ = whence == os::seek_hole ? size : offset;
    return position_;
  }
  Descriptor& file = descriptor();
  if (file.unshared && plain) {
    return seek_without_descriptor(offset, whence, file.size);
  }
  settle_offset(file);  // SEEK_CUR counts from it
  // With a descriptor: lseek (SEEK_DATA/SEEK_HOLE take an absolute offset, so an unshared
  // file's stale descriptor offset does not matter to them).
  std::int64_t position = 0;
  if (const os::Errno err = os::seek(file.fd.get(), offset, whence, position); err != 0) {
    fail("cannot seek in", err);
  }
  position_ = position;
  return position;
}

void RawFile::truncate(std::int64_t size) {
  if (auto* memory = std::get_if<Memory>(&storage_)) {
    if (size < 0) {
      fail("cannot truncate", EINVAL);
    }
    const auto new_size = static_cast<std::size_t>(size);
    if (new_size > memory->size) {
      reserve(*memory, new_size);
      std::memset(memory->block.get() + memory->size, 0, new_size - memory->size);
    }
    memory->size = new_size;
    return;
  }
  Descriptor& file = descriptor();
  if (const os::Errno err = os::truncate(file.fd.get(), size); err != 0) {
    fail("cannot truncate", err);
  }
  file.size = size;
}

void RawFile::close() {
  if (auto* memory = std::get_if<Memory>(&storage_)) {
    *memory = Memory{};
    memory->open = false;
    return;
  }
  if (const os::Errno err = descriptor().fd.close(); err != 0) {
    fail("cannot close", err);
  }
}

void RawFile::abandon() noexcept {
  if (auto* memory = std::get_if<Memory>(&storage_)) {
    *memory = Memory{};
    memory->open = false;
    return;
  }
  static_cast<void>(descriptor().fd.close());
}

// NOLINTNEXTLINE(bugprone-exception-escape): the variant's move cannot throw (asserted below)
os::Errno RawFile::roll_over_to(os::FileDescriptor& fd,
                                std::span<const std::byte> then_write) noexcept {
  auto* memory = std::get_if<Memory>(&storage_);
  if (memory == nullptr || !memory->open) {
    return EBADF;
  }
  // The usual case, a write at the end, goes out with the memory in one writev (as many
  // system calls as before the write asked for the rollover, and no copy to join them). A
  // write elsewhere (over earlier bytes, or past a gap that would have to be filled in
  // memory) goes in with pwrite after the copy.
  const std::span<const std::byte> spooled(memory->block.get(), memory->size);
  const bool joined = !then_write.empty() && position_ == static_cast<std::int64_t>(spooled.size());
  if (const os::Errno err =
          os::write_all(fd.get(), spooled, joined ? then_write : std::span<const std::byte>());
      err != 0) {
    return err;
  }
  auto size = static_cast<std::int64_t>(spooled.size() + (joined ? then_write.size() : 0));
  for (std::size_t done = 0; !joined && done < then_write.size();) {
    std::size_t written = 0;
    const auto at = position_ + static_cast<std::int64_t>(done);
    if (const os::Errno err =
            os::write_at(fd.get(), then_write.data() + done, then_write.size() - done, at, written);
        err != 0) {
      return err;
    }
    if (written == 0) {
      return EIO;  // pwrite made no progress: treat as an I/O error rather than loop
    }
    done += written;
    size = std::max(size, at + static_cast<std::int64_t>(written));
  }
  // Everything is in the file: switch. The new file has no name and no one else holds it:
  // unshared, so the position needs no lseek (pread/pwrite use it).
  switch_storage(Descriptor{std::move(fd), true, size});
  position_ += static_cast<std::int64_t>(then_write.size());
  return 0;
}

// NOLINTNEXTLINE(bugprone-exception-escape): switch_storage cannot throw (below)
void RawFile::switch_to_copy(os::FileDescriptor& copy, UnnamedLocation&& directory) noexcept {
  Descriptor& file = descriptor();
  // Shared: a name reaches the copy, so others may change it (the caller set its offset).
  Descriptor next{std::move(copy), false, 0, file.handed_out};
  if (os::replace_descriptor(next.fd.get(), file.fd.get()) == 0) {
    // The old number refers to the copy now; the copy's own number is not needed.
    static_cast<void>(next.fd.close());
    next.fd = std::move(file.fd);
  }
  switch_storage(std::move(next));
  if (!unnamed_in_.empty()) {
    unnamed_in_ = std::move(directory);
  }
}

// NOLINTNEXTLINE(bugprone-exception-escape): the variant's move cannot throw (asserted below)
void RawFile::switch_storage(Descriptor file) noexcept {
  const int old_number = fileno();
  const int number = file.fd.get();
  static_assert(std::is_nothrow_move_assignable_v<decltype(storage_)>);
  storage_ = std::move(file);
  if (number == old_number) {
    return;
  }
  // Memory (a rollover) has no name; a name that is the old number, or the old number's /proc
  // path, follows to the new one. A few characters each: no allocation in practice; if one
  // fails, the old name stays (the data is safe, only a message or name() shows the old number).
  try {
    if (named_in_ != 0) {
      named_fd_ = number;
      set_name(os::descriptor_path(number));
      named_in_ = os::process_id();
    } else if ((old_number < 0 && name_text_.empty()) || name_text_ == std::to_string(old_number)) {
      set_name(std::to_string(number));
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): see above
  }
}

}  // namespace tempfile::io
