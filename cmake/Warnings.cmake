# SPDX-License-Identifier: MIT
# Warnings for our own targets only, never seen by consumers. -Werror comes from
# CMAKE_COMPILE_WARNING_AS_ERROR, set by the presets and CI, not hard-coded here.
set(TEMPFILE_WARNING_FLAGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough
  -Wmisleading-indentation -Wsuggest-override
  # (no -Wuseless-cast: mode_t, ssize_t and friends differ by platform, so casts that are
  # no-ops on Linux are needed elsewhere)
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>)
