// SPDX-License-Identifier: MIT
// Python's FileIO: one descriptor, its mode, and the offset tracked in memory so that no
// lseek is needed to answer tell() (CPython probes with lseek on every open). Or, for a
// SpooledTemporaryFile before rollover, the same interface over bytes in memory (BytesIO).
// A file nobody else can reach (no name, descriptor not handed out) goes further: pread and
// pwrite at the tracked position, so seek() is free, and a known size, so reading to the end
// needs no extra read to find it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "create/path_buffer.hpp"
#include "io/mode.hpp"
#include "os/fd.hpp"
#include "os/process.hpp"
#include "os/spare_block.hpp"

namespace tempfile::io {

/// The directory a file no name reaches was made in, kept for its error messages: in place for
/// nearly every path, so that making a TemporaryFile allocates nothing for it.
using UnnamedLocation = create::BasicPathBuffer<96>;

class RawFile {
 public:
  /// Takes a freshly created descriptor whose offset is `position` (0 for a new file).
  /// `name` is what errors name (a path, or for a file with no name the descriptor number);
  /// empty: "fd N".
  RawFile(os::FileDescriptor fd, OpenMode mode, std::int64_t position = 0,
          std::string name = {}) noexcept
      : storage_(Descriptor{std::move(fd)}),
        mode_(mode),
        position_(position),
        name_text_(std::move(name)) {}

  /// Takes the descriptor of a new, empty file that has no name, which no one else holds:
  /// reads and writes use pread/pwrite until share() (see the class comment). Written
  /// RawFile(RawFile::unshared_tag, fd, mode, name), so that BufferedFile's in-place
  /// constructor can make it where it stays.
  struct UnsharedTag {};
  static constexpr UnsharedTag unshared_tag{};
  RawFile(UnsharedTag /*unused*/, os::FileDescriptor fd, OpenMode mode, std::string name) noexcept
      : storage_(Descriptor{std::move(fd), true, 0}),
        mode_(mode),
        position_(0),
        name_text_(std::move(name)) {}

  /// An empty file in memory; it moves onto a descriptor with roll_over_to().
  [[nodiscard]] static RawFile in_memory(OpenMode mode) noexcept;

  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;
  RawFile(RawFile&&) = default;
  RawFile& operator=(RawFile&&) = default;
  /// The name's heap block goes to the thread's spare string, for the next new entry's path
  /// (os/spare_block.hpp): one malloc and one free fewer for each named file.
  ~RawFile() { os::keep_spare_string(name_text_); }

  /// One read(2) (or copy); 0 at end of file. Throws tempfile::error.
  std::size_t read(std::span<std::byte> into);
  /// One write(2) (or copy); may write fewer bytes than given. Throws tempfile::error (in
  /// memory: std::bad_alloc, with nothing written).
  std::size_t write(std::span<const std::byte> from);
  /// write() until everything is written.
  void write_all(std::span<const std::byte> from);
  /// lseek(2); SEEK_SET/SEEK_CUR/SEEK_END (and SEEK_DATA/SEEK_HOLE where they exist).
  std::int64_t seek(std::int64_t offset, int whence);
  [[nodiscard]] std::int64_t tell() const noexcept { return position_; }
  /// ftruncate(2); the offset does not move. In memory too, growing fills with zero bytes.
  void truncate(std::int64_t size);
  /// Closes the descriptor (or frees the memory); reports close's error once. Idempotent.
  void close();
  /// close() that ignores close's error.
  void abandon() noexcept;

  // Inline: every read and write asks.
  [[nodiscard]] bool closed() const noexcept {
    if (const auto* memory = std::get_if<Memory>(&storage_)) {
      return !memory->open;
    }
    return !descriptor().fd.valid();
  }
  /// -1 in memory.
  [[nodiscard]] int fileno() const noexcept;
  [[nodiscard]] const OpenMode& mode() const noexcept { return mode_; }
  /// The name given at construction (after a rollover, the descriptor number); empty in
  /// memory (Python's None). For a file named by its descriptor's path (name_by_descriptor_path),
  /// that path for the calling process: a fork()ed child gets its own (checked once, on its
  /// first call there). The path is built on the first call (building one parses it: most
  /// files never need it); if memory runs out then, the last one built is returned, and the
  /// next call tries again.
  [[nodiscard]] const std::filesystem::path& name() const noexcept {
    if (const std::string& text = name_text(); !name_built_) {
      build_name(text);
    }
    return name_ ? *name_ : no_name();
  }
  /// name() as text, without building a path: what the library's own steps use.
  [[nodiscard]] const std::string& name_text() const noexcept {
    if (named_in_ != 0 && named_in_ != os::process_id()) {
      rename_for_this_process();
    }
    return name_text_;
  }
  /// Says that the name given at construction is the path that reaches the descriptor from the
  /// calling process (os::path_reaching_descriptor checked it, e.g. "/proc/<pid>/fd/<n>"): from
  /// now on name() follows the process, so in a fork()ed child (which holds the descriptor too)
  /// it is the child's own path, where that reaches the descriptor.
  void name_by_descriptor_path() noexcept {
    named_fd_ = fileno();
    named_in_ = os::process_id();
  }
  /// persist(): the file now has the fixed name `name` (no longer a descriptor's path).
  void rename_to(std::string&& name) noexcept {
    set_name(std::move(name));
    named_in_ = 0;
  }
  /// Room for a name of `size` bytes, made before a step that cannot be undone, so that
  /// rename_to_reserved() after it neither allocates nor fails.
  void reserve_name(std::size_t size) { name_text_.reserve(size); }
  /// rename_to() into the room reserve_name() made (the old name's, usually long enough).
  void rename_to_reserved(std::string_view name) noexcept {
    name_text_.assign(name);  // within the capacity reserved: no allocation, no throw
    name_built_ = false;
    named_in_ = 0;
  }
  /// What errors name as their path: "<memory>" in memory; for a file with no name in the
  /// file system (see describe_as_unnamed_in), the directory it was made in; else name(), or
  /// "fd N" when there is none.
  [[nodiscard]] std::filesystem::path describe() const;
  /// Marks the file as one no name reaches (TemporaryFile, a spooled file after rollover),
  /// made in `directory`: errors then read "<action> unnamed temporary file (fd N) in
  /// '<directory>'" rather than naming the descriptor number as if it were a path.
  void describe_as_unnamed_in(UnnamedLocation&& directory) noexcept {
    unnamed_in_ = std::move(directory);
  }
  /// The same from the text (a long one is allocated: may throw std::bad_alloc).
  void describe_as_unnamed_in(std::string_view directory) {
    unnamed_in_ = UnnamedLocation(directory);
  }
  /// Throws the tempfile::error for `action` ("cannot write to"...) failing with `err`,
  /// naming the file as describe() says.
  [[noreturn]] void fail(const char* action, os::Errno err) const;

  /// Whether the bytes live in memory (also once such a file is closed).
  [[nodiscard]] bool in_memory() const noexcept { return std::holds_alternative<Memory>(storage_); }
  /// Bytes from the position to the end of file when this object knows the size (in memory,
  /// or unshared); -1 when only reading can tell.
  [[nodiscard]] std::int64_t known_remaining() const noexcept;
  /// Before the descriptor leaves this object (fileno(), a dup): from now on the
  /// descriptor's offset is the position, and someone else may change the file. Throws
  /// tempfile::error if the offset cannot be set.
  void share();
  /// persist(): a name reaches the file now, so from now on the descriptor's offset and size
  /// are the truth, as after share(); but nothing leaves this object, so the offset is set
  /// only when an operation here first uses it (a file closed next never needs it).
  void share_when_used() noexcept;
  /// Python's FileIO.tell() asks the system: once the descriptor was handed out (share()), the
  /// position becomes its offset, which a duplicate (fdopen(), fileno()) may have moved. One
  /// lseek; nothing before the hand-out, nor in memory. Throws tempfile::error.
  void refresh_position();
  /// In memory: the bytes from the position to the end (empty past the end), for reads that
  /// copy straight out; advance() then moves the position over what was taken.
  [[nodiscard]] std::span<const std::byte> memory_ahead() const noexcept;
  void advance(std::size_t count) noexcept { position_ += static_cast<std::int64_t>(count); }

  /// The storage swap of a rollover, its only home. In memory: writes every byte to `fd` (a
  /// new, empty file at offset 0, which no name reaches), then `then_write` at the position
  /// (the write that asked for the rollover), and only when all of that worked switches to
  /// `fd` (unshared, named by its number) and frees the memory; the position moves past
  /// `then_write`. On failure returns the errno and nothing has changed (`fd` is still the
  /// caller's to close). Python's SpooledTemporaryFile.rollover(), without its data loss.
  // NOLINTNEXTLINE(bugprone-exception-escape): the variant's move cannot throw (raw_file.cpp)
  [[nodiscard]] os::Errno roll_over_to(os::FileDescriptor& fd,
                                       std::span<const std::byte> then_write) noexcept;

  /// The same swap for persist() across file systems: from now on the bytes are those of
  /// `copy`, a complete copy of this file (not in memory) already at its final name, whose
  /// offset the caller set to this file's. The copy takes this object's descriptor number where
  /// the system lets the number be given to another file (os::replace_descriptor; `copy` is
  /// then closed), so that fileno(), a name made of the number (a TemporaryFile's, the
  /// /proc/<pid>/fd/<n> path of a PseudoTemporaryFile) and whoever holds the number reach the
  /// copy; otherwise the object goes on under the copy's own number and such names follow it.
  /// The old file is closed either way. The position stays, and so does everything the layers
  /// above hold (the bytes are the same); the file is shared from now on (a name reaches it).
  /// A file described as unnamed (describe_as_unnamed_in) is now described as in `directory`,
  /// the copy's. Cannot fail: this runs once the copy has its name, when there is no going back.
  // NOLINTNEXTLINE(bugprone-exception-escape): the variant's move cannot throw (raw_file.cpp)
  void switch_to_copy(os::FileDescriptor& copy, UnnamedLocation&& directory) noexcept;

 private:
  struct FreeBytes {
    void operator()(std::byte* bytes) const noexcept { std::free(bytes); }  // NOLINT
  };
  // A spooled file before rollover: a realloc'd block (realloc grows in place where it can;
  // std::vector would copy). `open` turns false at close, when the block is freed.
  struct Memory {
    std::unique_ptr<std::byte, FreeBytes> block;
    std::size_t size = 0;
    std::size_t capacity = 0;
    bool open = true;
  };
  // A descriptor (invalid once closed). Unshared: pread/pwrite at the position, and `size`
  // is the file's size.
  struct Descriptor {
    os::FileDescriptor fd;
    bool unshared = false;
    std::int64_t size = 0;
    // share() ran: someone else may hold the descriptor, and so move its offset.
    bool handed_out = false;
    // share_when_used() ran: shared, but the descriptor's offset is not yet the position.
    bool offset_pending = false;
  };

  RawFile(Memory memory, OpenMode mode) noexcept
      : storage_(std::move(memory)), mode_(mode), position_(0) {}
  RawFile(Descriptor file, OpenMode mode, std::string name) noexcept
      : storage_(std::move(file)), mode_(mode), position_(0), name_text_(std::move(name)) {}

  // The storage when it is a descriptor (callers have checked in_memory()); get_if, not
  // std::get, so no bad_variant_access path reaches the noexcept functions.
  [[nodiscard]] Descriptor& descriptor() noexcept { return *std::get_if<Descriptor>(&storage_); }
  [[nodiscard]] const Descriptor& descriptor() const noexcept {
    return *std::get_if<Descriptor>(&storage_);
  }
  // The storage swap itself, shared by roll_over_to and switch_to_copy: the bytes live in
  // `file` from now on (the old storage is freed or closed), and a name made of the old
  // descriptor's number, or the empty name of memory, becomes the new number's.
  // NOLINTNEXTLINE(bugprone-exception-escape): the variant's move cannot throw (raw_file.cpp)
  void switch_storage(Descriptor file) noexcept;
  // Makes room for `size` bytes, keeping the contents; new bytes are uninitialized.
  static void reserve(Memory& memory, std::size_t size);
  // A shared descriptor whose offset share_when_used() left behind gets the position now (a
  // no-op otherwise: offset_pending is only ever set on a shared descriptor); before every read,
  // write or seek that uses the offset. Throws tempfile::error.
  void settle_offset(Descriptor& file);
  // lseek's arithmetic for SEEK_SET/SEEK_CUR/SEEK_END, done here (in memory, or unshared).
  std::int64_t seek_without_descriptor(std::int64_t offset, int whence, std::int64_t size);

  std::variant<Descriptor, Memory> storage_;
  OpenMode mode_;
  std::int64_t position_;
  // The slow path of name(): the name becomes the descriptor's path for this process.
  void rename_for_this_process() const noexcept;
  // name()'s path made from `text`; left as it was if memory runs out.
  void build_name(const std::string& text) const noexcept;
  void set_name(std::string&& name) const noexcept {
    name_text_ = std::move(name);
    name_built_ = false;
  }

  // Mutable for name()'s lazy rewrite after a fork() and its path built on first use: a file
  // object is used by one thread at a time (File's contract), so a const accessor may update
  // them without a lock.
  mutable std::string name_text_;
  // Empty until name() is first asked for: moving or destroying an empty optional costs
  // nothing, where a std::filesystem::path is parsed again when moved from.
  mutable std::optional<std::filesystem::path> name_;
  [[nodiscard]] static const std::filesystem::path& no_name() noexcept;
  mutable bool name_built_ = false;
  // The process whose descriptor path name_ is; 0 when name_ is fixed (every other file).
  mutable pid_t named_in_ = 0;
  int named_fd_ = -1;
  UnnamedLocation unnamed_in_;  // text: parsed into a path only for an error
};

}  // namespace tempfile::io
