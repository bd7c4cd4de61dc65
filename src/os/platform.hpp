// Which system-call paths this build compiles: the Linux fast paths, or only the portable POSIX
// ones (TEMPFILE_PORTABLE, and every other system). For the OS layer's sources only.
#pragma once

#if defined(__linux__) && !defined(TEMPFILE_PORTABLE)
#  define TEMPFILE_LINUX_FAST_PATHS 1
#else
#  define TEMPFILE_LINUX_FAST_PATHS 0
#endif
