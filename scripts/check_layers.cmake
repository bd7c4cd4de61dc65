# SPDX-License-Identifier: MIT
# Fails when a source in src/ breaks the layering of docs/design.md: a layer includes a higher
# layer's header, the OS layer includes a public header, or a platform #if appears outside
# src/os. Run: cmake -DSOURCE_DIR=<repo> -P scripts/check_layers.cmake (ctest: layers.includes).
if(NOT SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

# Lowest first: a layer may include its own headers and those of the layers before it.
set(layers os create io objects extras cli gtest)
set(problems "")

file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}"
  "${SOURCE_DIR}/src/*.hpp" "${SOURCE_DIR}/src/*.cpp" "${SOURCE_DIR}/include/*.hpp")
foreach(source IN LISTS sources)
  file(STRINGS "${SOURCE_DIR}/${source}" lines)
  set(rank -1)
  if(source MATCHES "^src/([a-z]+)/")
    list(FIND layers "${CMAKE_MATCH_1}" rank)
  endif()
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]+\"([a-z]+)/")
      set(target "${CMAKE_MATCH_1}")
      list(FIND layers "${target}" target_rank)
      if(source MATCHES "^include/" AND NOT target STREQUAL "tempfile")
        string(APPEND problems "${source}:${number}: a public header includes ${target}/\n")
      elseif(rank GREATER_EQUAL 0 AND target_rank GREATER rank)
        list(GET layers ${rank} layer)
        string(APPEND problems "${source}:${number}: ${layer} includes the higher layer ${target}/\n")
      elseif(rank EQUAL 0 AND target STREQUAL "tempfile")
        string(APPEND problems "${source}:${number}: os includes a public header (os never throws)\n")
      endif()
    endif()
    if(NOT source MATCHES "^src/os/" AND
       line MATCHES "^[ \t]*#[ \t]*(if|ifdef|ifndef|elif).*(__linux__|__APPLE__|_WIN32|__FreeBSD__|TEMPFILE_PORTABLE|TEMPFILE_LINUX_FAST_PATHS)")
      string(APPEND problems "${source}:${number}: a platform #if outside src/os\n")
    endif()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "layering broken (docs/design.md, \"Layers\"):\n${problems}")
endif()
list(LENGTH sources count)
message(STATUS "layers: ${count} files, no upward include, platform #if only in src/os")
