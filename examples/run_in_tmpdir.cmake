# SPDX-License-Identifier: MIT
# Runs PROGRAM with TMPDIR set to DIR, made empty first, and fails (a "CMake Error" the tests
# match) unless it exits with 0 and leaves DIR empty. DIR is removed afterwards.
# In the Windows build EMULATOR is the command that runs a Windows program (wine), its words
# separated by "|". The program gets TMPDIR as Windows names DIR under wine (Z:\ is the Linux
# root), set by cmd.exe for it alone: wine keeps its server's directory in its own TMPDIR, so a
# TMPDIR per test would start a server per test and leave its directory behind. The output is
# printed with the C runtime's "\r\n" line ends made "\n".
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
if(DEFINED EMULATOR)
  string(REPLACE "|" ";" EMULATOR "${EMULATOR}")
  string(REPLACE "/" "\\" windows_dir "Z:${DIR}")
  string(REPLACE "/" "\\" windows_program "Z:${PROGRAM}")
  # Under load wine's cmd.exe now and then fails to start the program at all: it prints "Can't
  # recognize" and exits with 9009 (49 after the exit status is cut to a byte). The program never
  # ran, so DIR is untouched and it is started again, at most three times in all.
  foreach(attempt RANGE 1 3)
    execute_process(COMMAND ${EMULATOR} cmd /c "set TMPDIR=${windows_dir}&& ${windows_program}"
      RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
    if(NOT status STREQUAL "49" OR NOT "${output}${errors}" MATCHES "Can.t recognize")
      break()
    endif()
    message(STATUS "wine did not start ${PROGRAM} (attempt ${attempt}): ${output}${errors}")
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} -E echo_append "${errors}")
  string(REPLACE "\r\n" "\n" output "${output}")
  execute_process(COMMAND ${CMAKE_COMMAND} -E echo_append "${output}")
else()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${DIR} ${PROGRAM} RESULT_VARIABLE status)
endif()
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
