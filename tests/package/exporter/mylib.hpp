// SPDX-License-Identifier: MIT
// mylib's public header: it uses tempfile's types, so mylib's users need tempfile's headers too.
#pragma once

#include <filesystem>
#include <string>
#include <tempfile/temporary_directory.hpp>

namespace mylib {

/// Writes `text` to a file in `directory` and reads it back.
std::string round_trip(const tempfile::TemporaryDirectory& directory, const std::string& text);

}  // namespace mylib
