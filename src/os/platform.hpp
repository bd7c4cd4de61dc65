// SPDX-License-Identifier: MIT
// Which system-call paths this build compiles: the Linux fast paths, or only the portable POSIX
// ones (TEMPFILE_PORTABLE, and every other system). For #if in the OS layer's sources only;
// other layers ask os::linux_fast_paths (sys.hpp), which is this switch as a constant.
#pragma once

#if defined(__linux__) && !defined(TEMPFILE_PORTABLE)
#  define TEMPFILE_LINUX_FAST_PATHS 1
#else
#  define TEMPFILE_LINUX_FAST_PATHS 0
#endif
