// SPDX-License-Identifier: MIT
// The umbrella header: includes the whole public API of the tempfile library.
#pragma once

#include "tempfile/cleanup.hpp"
#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/export.hpp"
#include "tempfile/file.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/options.hpp"
#include "tempfile/spooled_temporary_file.hpp"
#include "tempfile/temporary_directory.hpp"
#include "tempfile/temporary_file.hpp"
#include "tempfile/version.hpp"
