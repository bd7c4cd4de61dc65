# SPDX-License-Identifier: MIT
# Link-time optimisation of the library (TEMPFILE_LTO) in the optimised configurations.
#
# Why: a file's life is a few system calls with short runs of our code between them, spread over
# the os, create, io and objects layers; after each system call that code runs from caches the
# kernel has just cooled. With the whole library optimised as one unit, the small functions each
# layer calls in another are inlined and the code a file runs sits together, so fewer cache lines
# and pages are fetched anew (docs/performance.md, "The library optimised as one unit").
#
# Where: Release and MinSizeRel only, so debug and RelWithDebInfo builds (this project's test
# trees) link as fast as before. By default only where what is built stays usable by anyone who
# links it: every shared library (the optimisation is finished when libtempfile.so is linked),
# and a static library from GCC, whose objects then carry their machine code next to the
# optimiser's (-ffat-lto-objects): a GCC link optimises across them, any other link uses the
# machine code. A static library from Clang would hold bitcode only, so it is left out by default.

include(CheckIPOSupported)

set(tempfile_lto_default OFF)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" OR
   (BUILD_SHARED_LIBS AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"))
  set(tempfile_lto_default ON)
endif()
option(TEMPFILE_LTO "Link-time optimisation of the library in Release and MinSizeRel builds"
  ${tempfile_lto_default})

# tempfile_link_time_optimization(<object library> <library>): turns it on for both targets in
# the optimised configurations, when TEMPFILE_LTO is on and the toolchain can do it.
function(tempfile_link_time_optimization objects library)
  if(NOT TEMPFILE_LTO OR TEMPFILE_SANITIZE OR TEMPFILE_FUZZ)
    return()
  endif()
  check_ipo_supported(RESULT supported OUTPUT why LANGUAGES CXX)
  if(NOT supported)
    message(STATUS "tempfile: no link-time optimisation with this toolchain (${why})")
    return()
  endif()
  foreach(target IN ITEMS ${objects} ${library})
    set_target_properties(${target} PROPERTIES
      INTERPROCEDURAL_OPTIMIZATION_RELEASE ON
      INTERPROCEDURAL_OPTIMIZATION_MINSIZEREL ON)
  endforeach()
  if(NOT BUILD_SHARED_LIBS AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # After CMake's own -fno-fat-lto-objects, so that this one wins.
    target_compile_options(${objects} PRIVATE $<$<CONFIG:Release,MinSizeRel>:-ffat-lto-objects>)
  endif()
endfunction()
