// SPDX-License-Identifier: MIT
// Path helpers of the creation layer: Python's os.path.abspath, and argument checks.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tempfile::create {

/// Python's os.path.abspath: joins a relative path to the current directory, then normalises
/// lexically (".", "..", repeated and trailing '/'); symbolic links are not resolved.
/// Throws tempfile::error if the current directory cannot be read.
[[nodiscard]] std::string absolute_path(std::string_view path);

/// The directory part of a path absolute_path returned, without parsing it into components
/// (std::filesystem::path would): "/a/b" gives "/a", "/a" gives "/", "/" gives "/".
[[nodiscard]] std::string_view parent_of_absolute(std::string_view absolute) noexcept;

/// True when `path` is absolute and already what absolute_path would return (no empty, "." or
/// ".." component, no trailing '/', not the special "//" root): it can be used as it is.
[[nodiscard]] bool is_normal_absolute(std::string_view path) noexcept;

/// Throws std::invalid_argument naming `function`, `argument` and `value` when `value` holds a
/// '/' or a NUL: such a prefix or suffix would put the entry outside its directory.
void check_name_part(std::string_view function, std::string_view argument, std::string_view value);

/// The one check of every path a caller gives the library (dir, set_tempdir, rmtree), made
/// before any system call: throws std::invalid_argument naming `function` and `argument` and
/// saying "embedded null byte" (Python's ValueError) when `path` holds a NUL. The system calls
/// would read the path only up to the NUL: "d/victim\0/../x" would be "d/victim".
void check_path_argument(std::string_view function, std::string_view argument,
                         std::string_view path);
void check_path_argument(std::string_view function, std::string_view argument,
                         const std::optional<std::filesystem::path>& path);

/// A new entry's path, laid out whole with one allocation at most: `directory`, a separator
/// unless it ends with one, `prefix`, `random_room` bytes left for the random part (NULs until
/// written), `suffix`. `stem` is set to where the name starts (after the separator). The path
/// is laid out in `storage` (its text dropped): a string whose block is large enough spares
/// the allocation.
[[nodiscard]] std::string lay_out_path(std::string&& storage, std::string_view directory,
                                       std::string_view prefix, std::size_t random_room,
                                       std::string_view suffix, std::size_t& stem);

/// The one length rule for generated names, made before the entry's system calls in every
/// build: throws tempfile::error (ENAMETOOLONG, path1 `directory` (may be empty when not yet
/// known), path2 a sample of the name)
/// when prefix + the random part + suffix is longer than one file-name component may be. Such
/// a name can never be created; checking it here, rather than letting open() say so, gives
/// TemporaryFile the same answer with O_TMPFILE (which never uses the name) as without.
void check_name_length(std::string_view action, std::string_view directory, std::string_view prefix,
                       std::string_view suffix);

}  // namespace tempfile::create
