// SPDX-License-Identifier: MIT
// What a public tempfile::File holds: its byte layer (and text layer in text mode; the byte
// layer holds the name and, for a spooled file, the storage swap), and what a layer above
// attached to its closing. Shared by io/file.cpp and the objects that create files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "io/after_close.hpp"
#include "io/buffered_file.hpp"
#include "io/file_streambuf.hpp"
#include "io/text_file.hpp"
#include "os/entry_identity.hpp"
#include "os/process.hpp"

namespace tempfile::io {
struct OpenPlan;
}  // namespace tempfile::io

namespace tempfile::detail {

struct FileState final {
  // Its storage is recycled through the thread's spare block (os/spare_block.hpp): a file is
  // made and closed again and again, and the block is too large to come back cheaply from
  // malloc. Every FileState is made with new (make_unique_for_overwrite) and owned by a
  // unique_ptr.
  static void* operator new(std::size_t size);
  static void operator delete(void* block) noexcept;

  // Exactly one is set: binary mode uses `binary`, text mode `text` (which owns its bytes).
  std::optional<io::BufferedFile> binary;
  std::optional<io::TextFile> text;
  // The mode string as given, for File::mode() of a text or spooled file: at most three
  // letters, kept as OpenPlan keeps them (setting a std::string is a call per file).
  std::array<char, 3> mode_letters{};
  std::uint8_t mode_length = 0;
  [[nodiscard]] std::string_view mode_given() const noexcept {
    return {mode_letters.data(), mode_length};
  }
  // How the file was opened (mode, buffering, text options), set exactly for files a name in the
  // file system reaches (NamedTemporaryFile): reopen() opens the name again with it, and
  // File::path() is name() only where it is set (elsewhere name() is a descriptor number or
  // nothing).
  std::shared_ptr<const io::OpenPlan> open_plan;

  // Every file: in a fork()ed child the destructor only closes (the buffered bytes are the
  // parent's to write).
  os::CreatingProcess opened_by;
  // Set by the object that made the file when it has something to do after the close
  // (NamedTemporaryFile: remove its entry, objects/temporary_file.cpp).
  io::AfterCloseSlot after_close;
  // What the object that made the file learned then, which spares persist() a system call
  // each: who the file is (a named file that owes a removal; not recorded otherwise), and
  // that it was made with O_TMPFILE, so that a name can be linked to it.
  os::EntryIdentity identity;
  bool linkable = false;

  // File::stream(), made on first use; the stream is declared last so it is destroyed first.
  std::unique_ptr<FileStreambuf> streambuf;
  std::unique_ptr<std::iostream> stream;

  /// Before any direct operation: take back what the stream looked ahead.
  void settle_stream() {
    if (streambuf) {
      streambuf->settle();
    }
  }

  /// A spooled file still in memory.
  [[nodiscard]] bool spooling() const noexcept { return bytes().spooling(); }

  /// Spooled files: move to a descriptor now, with every layer's pending bytes (strong
  /// guarantee); a no-op for other files and once rolled over.
  void roll_over() {
    if (!spooling()) {
      return;
    }
    if (text) {
      text->roll_over();
    } else {
      binary->roll_over();
    }
  }

  /// The file's name: a path, the descriptor number, or empty (a spooled file in memory).
  [[nodiscard]] const std::filesystem::path& name() const noexcept { return bytes().name(); }
  /// name() as text, without building a path: the library's own steps use it.
  [[nodiscard]] const std::string& name_text() const noexcept { return bytes().name_text(); }

  [[nodiscard]] io::BufferedFile& bytes() { return text ? text->buffer() : *binary; }
  [[nodiscard]] const io::BufferedFile& bytes() const { return text ? text->buffer() : *binary; }

  /// Closes the descriptor without flushing anything (a fork()ed child's destructor: the
  /// buffered bytes are the parent's to write).
  void abandon_layers() noexcept {
    if (text) {
      text->abandon();
    } else if (binary) {
      binary->abandon();
    }
  }

  /// Closes whichever layer this file has (flushing); throws what close throws.
  void close_layers() {
    if (text) {
      text->close();
    } else if (binary) {
      binary->close();
    }
  }

  /// For the destructor, never throws: closes (flushing), then runs the after-close hook; in a
  /// fork()ed child only closes the descriptor.
  void close_and_clean_up() noexcept;
};

}  // namespace tempfile::detail
