# SPDX-License-Identifier: MIT
# Runs one packaging check as a ctest entry (cmake -DSTEP=<step> ... -P package_test.cmake):
#   install      configure, build and `cmake --install --prefix` a fresh sub-build of tempfile
#   headers      check that the installed headers are complete and public only
#   find-package build tests/package/consumer against that prefix and run it
#   embed        build tests/package/add-subdirectory (tempfile via add_subdirectory) and run it
#   pkg-config   compile consumer/main.cpp with `pkg-config --cflags --libs tempfile` and run it
#   symbols      check that the installed shared library exports only the public API
#   version      the installed version: SONAME, version.hpp and the package version file's rules
#   static-in-shared  link the installed static library into a shared library, then dlopen it
#   embed-shared a consumer's shared library with tempfile linked in statically (add_subdirectory)
#   export       a consumer library that installs its own export set linking tempfile
#                (FetchContent), then a second consumer that finds it installed
#   no-python    configure with Python 3 missing: the tests that need it are left out, no error
cmake_minimum_required(VERSION 3.25)

# Runs a command, failing the whole step (with its output) unless it succeeds.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${status}): ${command}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# The compiler launcher (ccache) the parent build uses, if any, for the sub-builds too: they
# compile the library again, and a cache makes that cheap after the first time.
set(launcher "")
if(LAUNCHER)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()

# Configures and builds a project with Ninja and the parent's compiler as a user would who
# passes no options: no build type (the quickest to compile, which matters as these sub-builds
# compile the library again), and none of the parent's sanitizers, flags or -Werror (the
# parent's own build is where warnings are enforced).
function(configure_and_build source build)
  configure(${source} ${build} ${ARGN})
  set(configure_output "${configure_output}" PARENT_SCOPE)
  run(${CMAKE_COMMAND} --build ${build})
endfunction()

# The configure half of configure_and_build; its output is left in configure_output.
function(configure source build)
  run(${CMAKE_COMMAND} --fresh -S ${source} -B ${build} -G Ninja
    -DCMAKE_CXX_COMPILER=${CXX} ${launcher} -DCMAKE_BUILD_TYPE= -DTEMPFILE_SANITIZE= ${ARGN})
  set(configure_output "${run_output}" PARENT_SCOPE)
endfunction()

# run_consumer(<program> [<VAR=value>...] [ARGUMENTS <argument>...])
# Runs a consumer program with TMPDIR pointing at an empty directory (and the environment
# variables given), then checks that it said OK and left that directory empty.
function(run_consumer program)
  cmake_parse_arguments(ARG "" "" "ARGUMENTS" ${ARGN})
  set(tmpdir ${WORK}/tmp)
  file(REMOVE_RECURSE ${tmpdir})
  file(MAKE_DIRECTORY ${tmpdir})
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${tmpdir} ${ARG_UNPARSED_ARGUMENTS} ${program}
      ${ARG_ARGUMENTS}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message(STATUS "${program}: ${out}")
  if(NOT status EQUAL 0 OR NOT out MATCHES "consumer OK")
    message(FATAL_ERROR "${program} failed (${status}): ${out}")
  endif()
  # consumer/main.cpp prints tempfile::version and the TEMPFILE_VERSION_* macros: both must be
  # the project's version, which every package file also states.
  string(REPLACE "." "\\." v "${VERSION}")
  if(out MATCHES "^tempfile " AND NOT out MATCHES "^tempfile ${v} \\(${v}\\) consumer OK")
    message(FATAL_ERROR "${program}: version.hpp does not say ${VERSION}: ${out}")
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
  if(SHARED)
    set(tests -DTEMPFILE_BUILD_TESTS=OFF)
  else()
    # The static build is configured as by someone who only wants the library and has neither
    # GoogleTest nor Python: the tests (on by default at the top level) must turn themselves off
    # and say so, not stop the configure. It is a Release build, where the library is optimised
    # at link time (TEMPFILE_LTO): every consumer step below then links an archive of such
    # objects, as a packager's optimised build would install it.
    set(tests -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_Python3=ON
      -DCMAKE_BUILD_TYPE=Release)
  endif()
  configure_and_build(${SOURCE_DIR} ${WORK}/build -DBUILD_SHARED_LIBS=${SHARED}
    -DTEMPFILE_PORTABLE=${PORTABLE} -DTEMPFILE_BUILD_EXAMPLES=OFF ${tests})
  if(NOT SHARED AND NOT configure_output MATCHES "GoogleTest was not found: the tests are off")
    message(FATAL_ERROR "configuring without GoogleTest did not say the tests are off:\n"
      "${configure_output}")
  endif()
  # A fresh prefix each time, so a file that is no longer installed cannot linger and hide it.
  file(REMOVE_RECURSE ${PREFIX})
  run(${CMAKE_COMMAND} --install ${WORK}/build --prefix ${PREFIX})
  find_installed_libdir(libdir)
  set(gtest_files "")
  if(SHARED)
    # Built with GoogleTest at hand (the static build is not): tempfile::gtest is installed too.
    set(gtest_files include/tempfile/gtest.hpp cmake/tempfile/tempfileGTestTargets.cmake)
  endif()
  if(NOT SHARED AND CXX_ID STREQUAL "GNU")
    # GCC's objects must hold the optimiser's code (.gnu.lto_ sections, so that a GCC link
    # optimises across the library) and their machine code too (no __gnu_lto_slim marker), so
    # that a link without GCC's plugin (Clang, lld, another GCC) still finds every function.
    find_program(READELF_EXECUTABLE readelf REQUIRED)
    execute_process(COMMAND ${READELF_EXECUTABLE} -SsW ${libdir}/libtempfile.a
      OUTPUT_VARIABLE sections COMMAND_ERROR_IS_FATAL ANY)
    if(NOT sections MATCHES "\\.gnu\\.lto_")
      message(FATAL_ERROR "the Release libtempfile.a was not optimised at link time (no .gnu.lto_ "
        "sections): TEMPFILE_LTO is on by default for GCC")
    endif()
    if(sections MATCHES "__gnu_lto_slim")
      message(FATAL_ERROR "libtempfile.a holds slim LTO objects (no machine code): a link "
        "without GCC's plugin could not use it")
    endif()
  endif()
  foreach(expected IN ITEMS
      include/tempfile/tempfile.hpp include/tempfile/mkstemp.hpp
      cmake/tempfile/tempfileConfig.cmake cmake/tempfile/tempfileConfigVersion.cmake
      cmake/tempfile/tempfileTargets.cmake pkgconfig/tempfile.pc ${gtest_files})
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
  # version.hpp is generated from cmake/version.hpp.in.
  file(GLOB_RECURSE installed_files RELATIVE ${PREFIX}/include ${PREFIX}/include/*)
  foreach(installed IN LISTS installed_files)
    if(installed STREQUAL "tempfile/version.hpp" AND EXISTS ${SOURCE_DIR}/cmake/version.hpp.in)
      continue()
    endif()
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
  # The paths must lead into this install, wherever it was installed to (the prefix is the one
  # given at install time, not the configure-time one), and be plain: no "..".
  get_filename_component(real_prefix ${PREFIX} REALPATH)
  foreach(flag IN LISTS flags)
    if(flag MATCHES "^-[IL](.*)")
      set(flag_dir "${CMAKE_MATCH_1}")
      if(flag_dir MATCHES "(^|/)\\.\\.?(/|$)")
        message(FATAL_ERROR "pkg-config gives ${flag}: not a normalised path")
      endif()
      get_filename_component(flag_dir "${flag_dir}" REALPATH)
      string(FIND "${flag_dir}/" "${real_prefix}/" at)
      if(NOT at EQUAL 0)
        message(FATAL_ERROR "pkg-config gives ${flag}, outside the install prefix ${PREFIX}: "
          "tempfile.pc must name the prefix it was installed to")
      endif()
    elseif(flag MATCHES "^-std=")
      # The user's own -std (often earlier on the command line) must win: a C++23 program must
      # not be moved down to C++20 by our flags.
      message(FATAL_ERROR "pkg-config gives ${flag}: it would override the user's standard")
    endif()
  endforeach()
  file(MAKE_DIRECTORY ${WORK})
  if(STANDARDS)
    # The user's standard first, as a Makefile's $(CXX) $(CXXFLAGS) $(PKG_CFLAGS) puts it; with
    # TEMPFILE_EXPECT_CPLUSPLUS main.cpp checks __cplusplus at compile time. g++ 12 and clang 14
    # give 202100L for -std=c++23 (c++2b).
    run(${CXX} -std=c++2b -DTEMPFILE_EXPECT_CPLUSPLUS=202100L ${CONSUMER_DIR}/main.cpp ${flags}
      -o ${WORK}/tempfile_consumer)
    # Below C++20 the headers must say what is wrong.
    execute_process(COMMAND ${CXX} -std=c++17 -fsyntax-only ${CONSUMER_DIR}/main.cpp ${flags}
      RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(status EQUAL 0 OR NOT out MATCHES "tempfile needs C\\+\\+20 or later")
      message(FATAL_ERROR "compiling as C++17 did not fail with tempfile's message (${status}):\n"
        "${out}")
    endif()
  else()
    # Flags after the source, as a Makefile's $(CXX) main.cpp $(LIBS) would put them.
    run(${CXX} -std=c++20 ${CONSUMER_DIR}/main.cpp ${flags} -o ${WORK}/tempfile_consumer)
  endif()
  # A shared tempfile outside the system directories is found the way users find theirs.
  run_consumer(${WORK}/tempfile_consumer LD_LIBRARY_PATH=${libdir})
  # GCC's static library linked by Clang with lld, which reads none of GCC's optimiser code:
  # the machine code the objects carry beside it must be complete.
  find_program(CLANG_EXECUTABLE NAMES clang++ clang++-19 clang++-18 clang++-17 clang++-16
    clang++-15 clang++-14)
  find_program(LLD_EXECUTABLE NAMES ld.lld)
  if(STANDARDS AND CXX_ID STREQUAL "GNU" AND CLANG_EXECUTABLE AND LLD_EXECUTABLE)
    run(${CLANG_EXECUTABLE} -std=c++20 -fuse-ld=lld ${CONSUMER_DIR}/main.cpp ${flags}
      -o ${WORK}/tempfile_consumer_clang)
    run_consumer(${WORK}/tempfile_consumer_clang)
  endif()

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

elseif(STEP STREQUAL "version")
  # docs/packaging.md's policy: for 0.x every minor release may break the ABI, so the SONAME is
  # libtempfile.so.0.<minor> and the package version file accepts only the same minor; from 1.0
  # on, the major. version.hpp must state the project's version.
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)\\.([0-9]+)$" matched "${VERSION}")
  set(major ${CMAKE_MATCH_1})
  set(minor ${CMAKE_MATCH_2})
  set(patch ${CMAKE_MATCH_3})
  if(major EQUAL 0)
    set(soversion 0.${minor})
  else()
    set(soversion ${major})
  endif()
  find_installed_libdir(libdir)
  find_program(READELF_EXECUTABLE readelf REQUIRED)
  execute_process(COMMAND ${READELF_EXECUTABLE} -d ${libdir}/libtempfile.so
    OUTPUT_VARIABLE dynamic COMMAND_ERROR_IS_FATAL ANY)
  if(NOT dynamic MATCHES "\\(SONAME\\)[^\n]*\\[([^]\n]*)\\]")
    message(FATAL_ERROR "libtempfile.so has no SONAME:\n${dynamic}")
  endif()
  if(NOT CMAKE_MATCH_1 STREQUAL "libtempfile.so.${soversion}")
    message(FATAL_ERROR "the SONAME is ${CMAKE_MATCH_1}, expected libtempfile.so.${soversion}")
  endif()
  # A library with initial-exec TLS is marked STATIC_TLS, and dlopen may refuse it.
  if(dynamic MATCHES "STATIC_TLS")
    message(FATAL_ERROR "libtempfile.so uses the static TLS model (FLAGS STATIC_TLS)")
  endif()
  foreach(file IN ITEMS libtempfile.so.${soversion} libtempfile.so.${VERSION})
    if(NOT EXISTS ${libdir}/${file})
      message(FATAL_ERROR "the install is missing ${libdir}/${file}")
    endif()
  endforeach()

  file(READ ${PREFIX}/include/tempfile/version.hpp header)
  foreach(part IN ITEMS MAJOR MINOR PATCH)
    string(TOLOWER ${part} variable)
    if(NOT header MATCHES "#define TEMPFILE_VERSION_${part} ${${variable}}\n")
      message(FATAL_ERROR "version.hpp: TEMPFILE_VERSION_${part} is not ${${variable}}:\n${header}")
    endif()
  endforeach()
  if(NOT header MATCHES "version = \"${major}\\.${minor}\\.${patch}\";")
    message(FATAL_ERROR "version.hpp: tempfile::version is not \"${VERSION}\":\n${header}")
  endif()

  # What find_package(tempfile <request>) accepts, through the installed version file.
  math(EXPR next_minor "${minor} + 1")
  math(EXPR next_major "${major} + 1")
  set(accepted ${major}.${minor} ${VERSION})
  set(rejected ${major}.${next_minor} ${next_major}.0)
  if(minor GREATER 0)
    math(EXPR previous_minor "${minor} - 1")
    if(major EQUAL 0)
      list(APPEND rejected 0.${previous_minor})
    else()
      list(APPEND accepted ${major}.${previous_minor})
    endif()
  endif()
  foreach(request IN LISTS accepted rejected)
    configure(${CONSUMER_DIR} ${WORK}/request-${request} -DCMAKE_PREFIX_PATH=${PREFIX}
      -DREQUEST=${request})
    if(request IN_LIST accepted)
      set(expected "tempfile ${request}: found ${VERSION}")
    else()
      set(expected "tempfile ${request}: not found")
    endif()
    string(FIND "${configure_output}" "${expected}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "find_package(tempfile ${request}) with ${VERSION} installed: expected "
        "'${expected}':\n${configure_output}")
    endif()
  endforeach()
  message(STATUS "SONAME libtempfile.so.${soversion}; version.hpp ${VERSION}; "
    "accepts ${accepted}; rejects ${rejected}")

elseif(STEP STREQUAL "static-in-shared")
  # The installed archive linked into a user's shared library with plain g++, then loaded with
  # dlopen: needs position-independent objects, and a thread-local model that works in a
  # dlopen'ed library (no initial-exec or local-exec relocations, which name a fixed offset from
  # the thread pointer that only the executable and its startup libraries have).
  find_installed_libdir(libdir)
  find_program(READELF_EXECUTABLE readelf REQUIRED)
  execute_process(COMMAND ${READELF_EXECUTABLE} -rW ${libdir}/libtempfile.a
    OUTPUT_VARIABLE relocations COMMAND_ERROR_IS_FATAL ANY)
  string(REGEX MATCHALL "R_X86_64_(GOT)?TPOFF[0-9]*|R_AARCH64_TLS(LE|IE)_[A-Z0-9_]*"
    static_tls "${relocations}")
  if(static_tls)
    list(REMOVE_DUPLICATES static_tls)
    message(FATAL_ERROR "libtempfile.a has static-TLS relocations (${static_tls}): its "
      "thread_local variables cannot live in a shared library")
  endif()
  file(MAKE_DIRECTORY ${WORK})
  run(${CXX} -std=c++20 -shared -fPIC -Wl,--no-undefined -I${PREFIX}/include
    ${CONSUMER_DIR}/plugin.cpp ${libdir}/libtempfile.a -pthread -o ${WORK}/libplugin.so)
  execute_process(COMMAND ${READELF_EXECUTABLE} -d ${WORK}/libplugin.so
    OUTPUT_VARIABLE dynamic COMMAND_ERROR_IS_FATAL ANY)
  if(dynamic MATCHES "STATIC_TLS")
    message(FATAL_ERROR "libplugin.so uses the static TLS model (FLAGS STATIC_TLS)")
  endif()
  run(${CXX} -std=c++20 ${CONSUMER_DIR}/host.cpp -ldl -o ${WORK}/host)
  run_consumer(${WORK}/host ARGUMENTS ${WORK}/libplugin.so)

elseif(STEP STREQUAL "embed-shared")
  # By default the embedded static library is position independent, so it links into the
  # consumer's shared library.
  configure_and_build(${CONSUMER_DIR} ${WORK}/build -DTEMPFILE_SOURCE_DIR=${SOURCE_DIR}
    -DTEMPFILE_PORTABLE=${PORTABLE} -DEXPECT_TEMPFILE_PIC=ON)
  run_consumer(${WORK}/build/host)
  # A consumer that says what it wants is obeyed, either way (configure only: the OFF build
  # cannot link a shared library, which is the point of the default).
  foreach(pic IN ITEMS ON OFF)
    configure(${CONSUMER_DIR} ${WORK}/pic-${pic} -DTEMPFILE_SOURCE_DIR=${SOURCE_DIR}
      -DTEMPFILE_PORTABLE=${PORTABLE} -DCMAKE_POSITION_INDEPENDENT_CODE=${pic}
      -DEXPECT_TEMPFILE_PIC=${pic})
  endforeach()

elseif(STEP STREQUAL "export")
  # A library that pulls tempfile in with FetchContent and installs its own export set, whose
  # target links tempfile::tempfile: configure (CMake needs tempfile in an export set), build,
  # install (tempfile is installed with it), then a second project finds it there.
  configure_and_build(${CONSUMER_DIR} ${WORK}/exporter -DTEMPFILE_SOURCE_DIR=${SOURCE_DIR}
    -DTEMPFILE_PORTABLE=${PORTABLE})
  file(REMOVE_RECURSE ${WORK}/prefix)
  run(${CMAKE_COMMAND} --install ${WORK}/exporter --prefix ${WORK}/prefix)
  configure_and_build(${USER_DIR} ${WORK}/user
    -DCMAKE_PREFIX_PATH=${WORK}/prefix)
  run_consumer(${WORK}/user/mylib_user)

elseif(STEP STREQUAL "gtest")
  # The shared install was built with GoogleTest at hand, so it has tempfile::gtest: a project
  # asks for the component, and its GoogleTest program gets a directory that is removed after
  # its test passed. The static install was built without GoogleTest: asking it for the
  # component must fail at configure time.
  configure_and_build(${CONSUMER_DIR} ${WORK}/build -DCMAKE_PREFIX_PATH=${PREFIX})
  set(test_tmpdir ${WORK}/test-tmpdir)
  file(REMOVE_RECURSE ${test_tmpdir})
  file(MAKE_DIRECTORY ${test_tmpdir})
  run(${CMAKE_COMMAND} -E env TEST_TMPDIR=${test_tmpdir} ${WORK}/build/tempfile_gtest_consumer)
  file(GLOB leftovers RELATIVE ${test_tmpdir} ${test_tmpdir}/*/run-1/*)
  list(FILTER leftovers EXCLUDE REGEX "/\\.lock$")
  if(NOT leftovers STREQUAL "")
    message(FATAL_ERROR "the passed test's directory was not removed: ${leftovers}")
  endif()
  file(REMOVE_RECURSE ${test_tmpdir})
  execute_process(COMMAND ${CMAKE_COMMAND} --fresh -S ${CONSUMER_DIR} -B ${WORK}/without -G Ninja
      -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${STATIC_PREFIX}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(status EQUAL 0)
    message(FATAL_ERROR "COMPONENTS gtest was found in an install without it:\n${out}")
  endif()

elseif(STEP STREQUAL "no-python")
  # Configure only: with GoogleTest present and Python 3 missing, the tests that need Python
  # are left out with a message and the rest are registered.
  configure(${SOURCE_DIR} ${WORK}/build -DTEMPFILE_PORTABLE=${PORTABLE}
    -DTEMPFILE_BUILD_EXAMPLES=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Python3=ON)
  if(NOT configure_output MATCHES "Python 3 was not found: these tests are off")
    message(FATAL_ERROR "configuring without Python 3 did not say which tests are off:\n"
      "${configure_output}")
  endif()
  execute_process(COMMAND ${CMAKE_CTEST_COMMAND} -N --test-dir ${WORK}/build
    OUTPUT_VARIABLE tests COMMAND_ERROR_IS_FATAL ANY)
  if(NOT tests MATCHES "layers\\.includes")
    message(FATAL_ERROR "the tests that need no Python are missing:\n${tests}")
  endif()
  if(tests MATCHES "security\\.catalogue|syscalls\\.")
    message(FATAL_ERROR "tests that need Python are registered without it:\n${tests}")
  endif()

else()
  message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
