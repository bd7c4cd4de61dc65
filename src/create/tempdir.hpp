// SPDX-License-Identifier: MIT
// The default-directory search (Python's _candidate_tempdir_list and _get_default_tempdir)
// and the process-wide cache behind gettempdir(), tempdir() and set_tempdir().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "create/names.hpp"

namespace tempfile::create {

/// Python's _candidate_tempdir_list(): $TMPDIR, $TEMP, $TMP (set and non-empty), /tmp,
/// /var/tmp, /usr/tmp, then the current directory ("." when it cannot be read).
[[nodiscard]] std::vector<std::string> candidate_tempdir_list();

/// Python's _get_default_tempdir(dirlist): the first candidate (made absolute) in which a
/// randomly named file could be created, written and removed. The probe file is removed even
/// when the write fails. Throws tempfile::error (ENOENT) listing every candidate and why it was
/// rejected when none is usable.
[[nodiscard]] std::string find_usable_tempdir(const std::vector<std::string>& candidates,
                                              NameSource& names);

/// lay_out_path() (create/paths.hpp) in gettempdir()'s directory, without building a
/// std::filesystem::path: the whole path of a new entry made with one allocation (the hot path
/// of every creation without `dir`), the directory read under the cache's lock.
[[nodiscard]] std::string lay_out_in_default_tempdir(std::string&& storage, std::string_view prefix,
                                                     std::size_t random_room,
                                                     std::string_view suffix, std::size_t& stem);

}  // namespace tempfile::create
