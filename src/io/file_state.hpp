// What a public tempfile::File holds: its byte layer (and text layer in text mode; the byte
// layer holds the name and, for a spooled file, the storage swap), and for named files the
// removal duty. Shared by io/file.cpp and the objects that create files.
#pragma once

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "io/buffered_file.hpp"
#include "io/file_streambuf.hpp"
#include "io/text_file.hpp"
#include "os/cleanup.hpp"

namespace tempfile::detail {

struct FileState {
  // Exactly one is set: binary mode uses `binary`, text mode `text` (which owns its bytes).
  std::optional<io::BufferedFile> binary;
  std::optional<io::TextFile> text;
  std::string mode_given;

  // Named files with delete_ only: the removal duty, shared with the exit and signal handlers
  // (whoever claims it first removes; it also holds the path), and when. Removal happens at
  // most once, and only in the process generation that created the file (never in a
  // fork()ed child).
  os::CleanupRegistration exit_cleanup;
  bool remove_on_close = false;
  // Every file: in another generation (a fork()ed child) the destructor only closes.
  unsigned created_in_generation = 0;

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

  /// Removes the named file now if there is one to remove (in the creating process); a file
  /// already gone is not an error (Python 3.12). Returns 0 or the unlink errno.
  int remove_now() noexcept;

  /// Closes (flushing), then removes per the policy; for the destructor: never throws.
  void close_and_clean_up() noexcept;
};

}  // namespace tempfile::detail
