// SPDX-License-Identifier: MIT
// Python's io.open for the file objects: from open()'s arguments to a File's state. Every
// argument is checked before a file exists (Python's rule: a bad mode or encoding leaves nothing
// behind), then a descriptor (or memory) is wrapped in the byte layer and, in text mode, the
// text layer.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "io/codec.hpp"
#include "io/file_state.hpp"
#include "io/mode.hpp"
#include "os/fd.hpp"

namespace tempfile::io {

struct OpenArguments {
  std::string_view mode;
  int buffering;
  const std::optional<std::string>& encoding;
  const std::optional<std::string>& newline;
  const std::optional<std::string>& errors;
};

/// The arguments, validated and resolved.
struct OpenPlan {
  OpenMode mode;
  std::string mode_given;
  std::size_t buffer_size = 0;
  bool line_buffering = false;
  std::optional<Codec> codec{};  // text mode only
  ErrorHandler errors = ErrorHandler::strict;
  std::optional<std::string> newline{};
};

/// Python's io.open checks, with its messages; throws std::invalid_argument.
[[nodiscard]] OpenPlan plan_open(const OpenArguments& arguments);

/// Whether anyone but the new object can reach the file: `unshared` for a file with no name
/// whose descriptor no one else holds (RawFile::unshared: pread/pwrite, known size);
/// `descriptor_path` for a file with no name that others open through the descriptor's path,
/// which is its name (RawFile::name_by_descriptor_path: it follows the process after fork()).
enum class Reach : unsigned char { shared, unshared, descriptor_path };

/// Wraps a new, empty file's descriptor (offset 0) per the plan; `name` is the file's
/// name() (a path, or the descriptor number for a file with no name). Errors name the path,
/// or for a file with no name (`unnamed_in` not empty) the directory it was made in.
[[nodiscard]] std::unique_ptr<tempfile::detail::FileState> open_file(os::FileDescriptor fd,
                                                                     const OpenPlan& plan,
                                                                     std::string name,
                                                                     Reach reach = Reach::shared,
                                                                     std::string unnamed_in = {});

/// The same layers over an empty in-memory file, unbuffered (SpooledTemporaryFile); `spill`
/// says where it goes when it rolls over.
[[nodiscard]] std::unique_ptr<tempfile::detail::FileState> open_in_memory(
    const OpenPlan& plan, std::unique_ptr<Spill> spill);

}  // namespace tempfile::io
