# SPDX-License-Identifier: MIT
# Writes tempfile.pc at install time (included by an install(CODE) rule), when the prefix the
# files actually go to is known: CMAKE_INSTALL_PREFIX here is `cmake --install --prefix`'s, or the
# configured one. The paths are absolute and normalised (no "..", no trailing "/").
set(TEMPFILE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT IS_ABSOLUTE "${TEMPFILE_PC_PREFIX}")
  # A relative --prefix is relative to where `cmake --install` runs, as the files' destinations.
  cmake_path(ABSOLUTE_PATH TEMPFILE_PC_PREFIX BASE_DIRECTORY "$ENV{PWD}")
endif()
cmake_path(NORMAL_PATH TEMPFILE_PC_PREFIX)
string(REGEX REPLACE "(.)/$" "\\1" TEMPFILE_PC_PREFIX "${TEMPFILE_PC_PREFIX}")
# libdir and includedir stay relative to ${prefix} when they can, so that
# `pkg-config --define-prefix` can move them with it.
foreach(dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(path "${CMAKE_INSTALL_${dir}}")
    cmake_path(NORMAL_PATH path)
  else()
    set(path "${CMAKE_INSTALL_${dir}}")
    cmake_path(NORMAL_PATH path)
    string(REGEX REPLACE "/$" "" path "${path}")
    set(path "\${prefix}/${path}")
  endif()
  set(TEMPFILE_PC_${dir} "${path}")
endforeach()
configure_file("${TEMPFILE_PC_IN}" "${TEMPFILE_PC_OUT}" @ONLY)
