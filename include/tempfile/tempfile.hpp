// SPDX-License-Identifier: MIT
// The umbrella header: includes the whole public API of the tempfile library.
//
// Options are structs in Python's keyword order, so designated initializers must name fields
// in that order ({.suffix = ".txt", .prefix = "p"}, not prefix first); tempfile::options()
// builds the same structs in any order: tempfile::options().prefix("p").suffix(".txt").
#pragma once

#include "tempfile/atomic_write.hpp"
#include "tempfile/cleanup.hpp"
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
