// SPDX-License-Identifier: MIT
// Test-only access to TextFile's private knobs (Python lets tests set _CHUNK_SIZE on the object).
#pragma once

#include <cstddef>

#include "io/text_file.hpp"

namespace tempfile::io {

struct TextFileTesting {
  /// Python's TextIOWrapper._CHUNK_SIZE: how many bytes each read asks the buffer for.
  static void set_chunk_size(TextFile& file, std::size_t size);
};

}  // namespace tempfile::io
