// SPDX-License-Identifier: MIT
// Symbol visibility for the tempfile library: TEMPFILE_API marks what a shared build exports.
#pragma once

#if defined(TEMPFILE_SHARED) && defined(TEMPFILE_BUILDING)
#  define TEMPFILE_API __attribute__((visibility("default")))
#else
#  define TEMPFILE_API
#endif
