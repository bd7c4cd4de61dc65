# SPDX-License-Identifier: MIT
# Cross-compiles for 64-bit Windows with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix); the
# programs run under wine, which CMAKE_CROSSCOMPILING_EMULATOR gives to ctest and to
# gtest_discover_tests. The -posix compilers are the ones whose std::thread and std::mutex work
# (the -win32 variant has no <thread> in GCC 12).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(TEMPFILE_MINGW_TRIPLE x86_64-w64-mingw32)

find_program(CMAKE_C_COMPILER ${TEMPFILE_MINGW_TRIPLE}-gcc-posix REQUIRED)
find_program(CMAKE_CXX_COMPILER ${TEMPFILE_MINGW_TRIPLE}-g++-posix REQUIRED)
find_program(CMAKE_RC_COMPILER ${TEMPFILE_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${TEMPFILE_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Static libgcc, libstdc++ and winpthread: the .exe files then need no DLL from the toolchain,
# which wine would otherwise have to be told where to find.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# Every program the build and ctest run goes through wine with its chatter off and a wine prefix
# of its own under the build tree, so that neither the user's ~/.wine nor another tree's state
# is touched (gtest_discover_tests runs the test programs at build time too). wine-run.sh also
# retries, once, a program the wine server dropped before it started.
find_program(TEMPFILE_WINE NAMES wine64 wine PATHS /usr/lib/wine)
if(TEMPFILE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR
      ${CMAKE_CURRENT_LIST_DIR}/wine-run.sh ${TEMPFILE_WINE} ${CMAKE_BINARY_DIR}/wineprefix)
endif()
