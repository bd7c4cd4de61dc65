// The umbrella header: includes the whole public API of the tempfile library.
#pragma once

#include "tempfile/dirs.hpp"
#include "tempfile/error.hpp"
#include "tempfile/export.hpp"
#include "tempfile/mkstemp.hpp"
#include "tempfile/options.hpp"
#include "tempfile/version.hpp"
