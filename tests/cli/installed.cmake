# SPDX-License-Identifier: MIT
# Installs a build tree to an empty prefix and checks that tempfile-cli and its manual page are
# there and that the installed tool runs (cmake -DBUILD_DIR=... -DPREFIX=... -P installed.cmake).
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${status}): ${out}")
endif()
include(GNUInstallDirs)
foreach(file IN ITEMS ${CMAKE_INSTALL_BINDIR}/tempfile-cli ${CMAKE_INSTALL_MANDIR}/man1/tempfile-cli.1)
  if(NOT EXISTS ${PREFIX}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()
execute_process(COMMAND ${PREFIX}/${CMAKE_INSTALL_BINDIR}/tempfile-cli --version
  RESULT_VARIABLE status OUTPUT_VARIABLE out)
if(NOT status EQUAL 0 OR NOT out MATCHES "^tempfile-cli \\(tempfile\\) [0-9]+\\.[0-9]+\\.[0-9]+\n$")
  message(FATAL_ERROR "the installed tool said (${status}): ${out}")
endif()
file(READ ${PREFIX}/${CMAKE_INSTALL_MANDIR}/man1/tempfile-cli.1 page)
if(NOT page MATCHES "\\.TH TEMPFILE-CLI 1")
  message(FATAL_ERROR "the installed manual page has no .TH line")
endif()
file(REMOVE_RECURSE ${PREFIX})
message(STATUS "installed: bin/tempfile-cli, share/man/man1/tempfile-cli.1")
