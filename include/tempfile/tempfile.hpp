// SPDX-License-Identifier: MIT
/// The umbrella header: includes the whole public API of the tempfile library.
///
/// Options are structs in Python's keyword order, so designated initializers must name fields
/// in that order ({.suffix = ".txt", .prefix = "p"}, not prefix first); tempfile::options()
/// builds the same structs in any order: tempfile::options().prefix("p").suffix(".txt").
///
/// Not included: tempfile/gtest.hpp, which needs GoogleTest.
/// @file
#pragma once

/// @namespace tempfile
/// Python's tempfile module for C++20, and what the library adds to it.
///
/// Python's names keep their meaning: TMP_MAX, gettempprefix(), gettempdir(), tempdir(),
/// mkstemp(), mkdtemp(), mktemp(), TemporaryFile, NamedTemporaryFile, SpooledTemporaryFile and
/// TemporaryDirectory, with keyword arguments as option structs (TemporaryFileOptions...).
/// Beyond Python: persist() and keep(), atomic_write(), sweep(), cleanup_on_signals(),
/// PseudoTemporaryFile and PseudoTemporaryDirectory. Names in tempfile::detail are the headers'
/// implementation, not API.

#include "tempfile/atomic_write.hpp"
#include "tempfile/cleanup.hpp"
#include "tempfile/directory.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/export.hpp"
#include "tempfile/file.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/options.hpp"
#include "tempfile/options_builder.hpp"
#include "tempfile/persist.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/sweep.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"
#include "tempfile/version.hpp"
