# SPDX-License-Identifier: MIT
# Runs PROGRAM with TMPDIR set to DIR, made empty first, and fails (a "CMake Error" the tests
# match) unless it exits with 0 and leaves DIR empty. DIR is removed afterwards.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${DIR} ${PROGRAM} RESULT_VARIABLE status)
file(GLOB leftovers LIST_DIRECTORIES true ${DIR}/*)
if(NOT status STREQUAL "0")
  message(FATAL_ERROR "${PROGRAM} failed: ${status}")
endif()
if(leftovers)
  list(JOIN leftovers "\n  " leftovers)
  message(FATAL_ERROR "${PROGRAM} left these behind in its TMPDIR:\n  ${leftovers}")
endif()
if(NOT IS_DIRECTORY ${DIR})
  message(FATAL_ERROR "${PROGRAM} removed its TMPDIR ${DIR}")
endif()
file(REMOVE_RECURSE ${DIR})
