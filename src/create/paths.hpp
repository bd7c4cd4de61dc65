// Path helpers of the creation layer: Python's os.path.abspath, and argument checks.
#pragma once

#include <string>
#include <string_view>

namespace tempfile::create {

/// Python's os.path.abspath: joins a relative path to the current directory, then normalises
/// lexically (".", "..", repeated and trailing '/'); symbolic links are not resolved.
/// Throws tempfile::error if the current directory cannot be read.
[[nodiscard]] std::string absolute_path(std::string_view path);

/// True when `path` is absolute and already what absolute_path would return (no empty, "." or
/// ".." component, no trailing '/', not the special "//" root): it can be used as it is.
[[nodiscard]] bool is_normal_absolute(std::string_view path) noexcept;

/// Throws std::invalid_argument naming `function`, `argument` and `value` when `value` holds a
/// '/' or a NUL: such a prefix or suffix would put the entry outside its directory.
void check_name_part(std::string_view function, std::string_view argument, std::string_view value);

}  // namespace tempfile::create
