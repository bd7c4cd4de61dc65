# SPDX-License-Identifier: MIT
# Runs one packaging check as a ctest entry (cmake -DSTEP=<step> ... -P package_test.cmake):
#   install      configure, build and `cmake --install --prefix` a fresh sub-build of tempfile
#   headers      check that the installed headers are complete and public only
#   find-package build tests/package/consumer against that prefix and run it
#   embed        build tests/package/add-subdirectory (tempfile via add_subdirectory) and run it
#   pkg-config   compile consumer/main.cpp with `pkg-config --cflags --libs tempfile` and run it
#   symbols      check that the installed shared library exports only the public API
cmake_minimum_required(VERSION 3.25)

# Runs a command, failing the whole step (with its output) unless it succeeds.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${status}): ${command}\n${out}")
  endif()
endfunction()

# Configures and builds a project with Ninja and the parent's compiler as a user would who
# passes no options: no build type (the quickest to compile, which matters as these sub-builds
# compile the library again), and none of the parent's sanitizers, flags or -Werror (the
# parent's own build is where warnings are enforced).
function(configure_and_build source build)
  run(${CMAKE_COMMAND} --fresh -S ${source} -B ${build} -G Ninja
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE= -DTEMPFILE_SANITIZE= ${ARGN})
  run(${CMAKE_COMMAND} --build ${build})
endfunction()

# Runs a consumer program with TMPDIR pointing at an empty directory, then checks that it said
# OK and left that directory empty.
function(run_consumer program)
  set(tmpdir ${WORK}/tmp)
  file(REMOVE_RECURSE ${tmpdir})
  file(MAKE_DIRECTORY ${tmpdir})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${tmpdir} ${ARGN} ${program}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message(STATUS "${program}: ${out}")
  if(NOT status EQUAL 0 OR NOT out MATCHES "consumer OK")
    message(FATAL_ERROR "${program} failed (${status}): ${out}")
  endif()
  file(GLOB leftovers LIST_DIRECTORIES true ${tmpdir}/*)
  if(leftovers)
    message(FATAL_ERROR "${program} left files behind: ${leftovers}")
  endif()
endfunction()

# The directory holding the installed shared or static library (lib, lib64, lib/<multiarch>).
function(find_installed_libdir out)
  file(GLOB_RECURSE libraries ${PREFIX}/libtempfile.a ${PREFIX}/libtempfile.so)
  list(LENGTH libraries count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one libtempfile.a or libtempfile.so in ${PREFIX}, found: ${libraries}")
  endif()
  get_filename_component(libdir ${libraries} DIRECTORY)
  set(${out} ${libdir} PARENT_SCOPE)
endfunction()

if(STEP STREQUAL "install")
  configure_and_build(${SOURCE_DIR} ${WORK}/build -DBUILD_SHARED_LIBS=${SHARED}
    -DTEMPFILE_PORTABLE=${PORTABLE} -DTEMPFILE_BUILD_TESTS=OFF -DTEMPFILE_BUILD_EXAMPLES=OFF)
  # A fresh prefix each time, so a file that is no longer installed cannot linger and hide it.
  file(REMOVE_RECURSE ${PREFIX})
  run(${CMAKE_COMMAND} --install ${WORK}/build --prefix ${PREFIX})
  find_installed_libdir(libdir)
  foreach(expected IN ITEMS
      include/tempfile/tempfile.hpp include/tempfile/mkstemp.hpp
      cmake/tempfile/tempfileConfig.cmake cmake/tempfile/tempfileConfigVersion.cmake
      cmake/tempfile/tempfileTargets.cmake pkgconfig/tempfile.pc)
    if(expected MATCHES "^include/")
      set(expected ${PREFIX}/${expected})
    else()
      set(expected ${libdir}/${expected})
    endif()
    if(NOT EXISTS ${expected})
      message(FATAL_ERROR "the install is missing ${expected}")
    endif()
  endforeach()

elseif(STEP STREQUAL "headers")
  # Every public header a public header includes must be installed too (a header missing from
  # the FILE_SET HEADERS list compiles in the source tree and breaks only here).
  file(GLOB_RECURSE installed_headers ${PREFIX}/include/tempfile/*)
  foreach(header IN LISTS installed_headers)
    file(STRINGS ${header} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]tempfile/")
    foreach(include IN LISTS includes)
      string(REGEX REPLACE ".*[<\"](tempfile/[^>\"]+)[>\"].*" "\\1" included "${include}")
      if(NOT EXISTS ${PREFIX}/include/${included})
        message(FATAL_ERROR "${header} includes ${included}, which is not installed "
          "(add it to the FILE_SET HEADERS of target tempfile)")
      endif()
    endforeach()
  endforeach()
  # Only public headers are installed: nothing from src/, nothing outside include/tempfile.
  file(GLOB_RECURSE installed_files RELATIVE ${PREFIX}/include ${PREFIX}/include/*)
  foreach(installed IN LISTS installed_files)
    if(NOT installed MATCHES "^tempfile/" OR NOT EXISTS ${SOURCE_DIR}/include/${installed})
      message(FATAL_ERROR "${PREFIX}/include/${installed} is not a public header")
    endif()
  endforeach()

elseif(STEP STREQUAL "find-package")
  configure_and_build(${CONSUMER_DIR} ${WORK}/build -DCMAKE_PREFIX_PATH=${PREFIX}
    -DEXPECTED_TEMPFILE_VERSION=${VERSION})
  # Nothing sets LD_LIBRARY_PATH: a shared tempfile must be found through the RUNPATH CMake
  # gives build-tree executables linked to an imported library outside the system directories.
  run_consumer(${WORK}/build/tempfile_consumer)

elseif(STEP STREQUAL "embed")
  configure_and_build(${CONSUMER_DIR} ${WORK}/build -DTEMPFILE_SOURCE_DIR=${SOURCE_DIR}
    -DTEMPFILE_PORTABLE=${PORTABLE})
  # export() writes the file at generate time; it must refer to tempfile by its exported name.
  file(READ ${WORK}/build/embedderTargets.cmake exported)
  if(NOT exported MATCHES "INTERFACE_LINK_LIBRARIES \"tempfile::tempfile\"")
    message(FATAL_ERROR "embedderTargets.cmake does not link tempfile::tempfile:\n${exported}")
  endif()
  run_consumer(${WORK}/build/tempfile_consumer)

elseif(STEP STREQUAL "pkg-config")
  find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
  find_installed_libdir(libdir)
  set(ENV{PKG_CONFIG_PATH} ${libdir}/pkgconfig)
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --modversion tempfile
    OUTPUT_VARIABLE modversion OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  if(NOT modversion STREQUAL VERSION)
    message(FATAL_ERROR "pkg-config says tempfile ${modversion}, expected ${VERSION}")
  endif()
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --cflags --libs tempfile
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  message(STATUS "pkg-config --cflags --libs tempfile: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")
  # The paths must lead into this install, wherever it was installed to: a .pc file that names
  # the configure-time prefix would otherwise fail here, or worse, use another installed copy.
  get_filename_component(real_prefix ${PREFIX} REALPATH)
  foreach(flag IN LISTS flags)
    if(flag MATCHES "^-[IL](.*)")
      get_filename_component(flag_dir "${CMAKE_MATCH_1}" REALPATH)
      string(FIND "${flag_dir}/" "${real_prefix}/" at)
      if(NOT at EQUAL 0)
        message(FATAL_ERROR "pkg-config gives ${flag}, outside the install prefix ${PREFIX}: "
          "tempfile.pc must derive its prefix from its own location (\${pcfiledir})")
      endif()
    endif()
  endforeach()
  file(MAKE_DIRECTORY ${WORK})
  # Flags after the source, as a Makefile's $(CXX) main.cpp $(LIBS) would put them.
  run(${CXX} ${CONSUMER_DIR}/main.cpp ${flags} -o ${WORK}/tempfile_consumer)
  # A shared tempfile outside the system directories is found the way users find theirs.
  run_consumer(${WORK}/tempfile_consumer LD_LIBRARY_PATH=${libdir})

elseif(STEP STREQUAL "symbols")
  find_installed_libdir(libdir)
  find_program(NM_EXECUTABLE nm REQUIRED)
  execute_process(COMMAND ${NM_EXECUTABLE} -DC --defined-only ${libdir}/libtempfile.so
    OUTPUT_VARIABLE symbols COMMAND_ERROR_IS_FATAL ANY)
  # The internal namespaces are named after the folders of src/ (tempfile::os, tempfile::create,
  # ...), plus tempfile::detail unless a public header uses it.
  file(GLOB src_entries LIST_DIRECTORIES true RELATIVE ${SOURCE_DIR}/src ${SOURCE_DIR}/src/*)
  set(internal "")
  foreach(entry IN LISTS src_entries)
    if(IS_DIRECTORY ${SOURCE_DIR}/src/${entry})
      list(APPEND internal ${entry})
    endif()
  endforeach()
  file(GLOB public_headers ${SOURCE_DIR}/include/tempfile/*.hpp)
  set(detail_is_public FALSE)
  foreach(header IN LISTS public_headers)
    file(STRINGS ${header} uses_detail REGEX "namespace (tempfile::)?detail")
    if(uses_detail)
      set(detail_is_public TRUE)
    endif()
  endforeach()
  if(NOT detail_is_public)
    list(APPEND internal detail)
  endif()
  list(JOIN internal "|" internal)

  string(REGEX REPLACE "\n$" "" symbols "${symbols}")
  string(REPLACE ";" "\\;" symbols "${symbols}")
  string(REPLACE "\n" ";" symbols "${symbols}")
  set(unexpected "")
  set(api "")
  foreach(line IN LISTS symbols)
    # "<address> <type> <demangled name>"
    if(NOT line MATCHES "^[0-9a-f]+ ([A-Za-z]) (.*)$")
      continue()
    endif()
    set(type ${CMAKE_MATCH_1})
    set(name "${CMAKE_MATCH_2}")
    if(name MATCHES "tempfile::(${internal})::")
      list(APPEND unexpected "${line}")
    elseif(name MATCHES "^((typeinfo|typeinfo name|vtable|VTT|construction vtable) for )?tempfile::")
      list(APPEND api "${name}")
    elseif(NOT type MATCHES "^[uVvWw]$")
      # A strong symbol that is not ours: a global function or variable escaped hidden visibility.
      list(APPEND unexpected "${line}")
    endif()
    # What is left are weak and unique instances of other libraries' templates and inline
    # variables (std::__detail::__to_chars_10_impl<unsigned>, ...): libstdc++'s headers give
    # them default visibility, which -fvisibility=hidden cannot override.
  endforeach()
  if(unexpected)
    list(JOIN unexpected "\n  " unexpected)
    message(FATAL_ERROR "libtempfile.so exports symbols outside the public API:\n  ${unexpected}")
  endif()
  # And the public API itself must be there, or hidden visibility went too far.
  foreach(function IN ITEMS "tempfile::mkstemp(" "tempfile::mkdtemp" "tempfile::mktemp"
      "tempfile::gettempdir" "tempfile::gettempprefix" "tempfile::tempdir" "tempfile::set_tempdir("
      "tempfile::error::what() const" "typeinfo for tempfile::error")
    string(FIND "${api}" "${function}" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "libtempfile.so does not export ${function}")
    endif()
  endforeach()
  list(LENGTH api count)
  message(STATUS "libtempfile.so exports ${count} tempfile:: symbols and nothing internal")

else()
  message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
