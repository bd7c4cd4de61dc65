# SPDX-License-Identifier: MIT
# Fails when a built library holds a function-local static with a run-time initializer: its guard
# variable (_ZGV...) would be copied locked by a fork() made while another thread initializes it,
# and the child would wait forever at its first use. Process-wide state is constant-initialized
# (constinit, os::NeverDestroyed) or made under std::call_once instead; thread-local guards are
# per thread and harmless. Run: cmake -DREADELF=readelf -DLIBRARIES="a.a;b.a" -P <this file>
# (ctest: library.no-static-guards, label build).
if(NOT READELF OR NOT LIBRARIES)
  message(FATAL_ERROR "usage: cmake -DREADELF=<readelf> -DLIBRARIES=<libraries> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
set(problems "")
foreach(library IN LISTS LIBRARIES)
  execute_process(COMMAND "${READELF}" -sW "${library}"
    OUTPUT_VARIABLE symbols ERROR_VARIABLE errors RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${READELF} failed on ${library}: ${errors}")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  set(guards 0)
  foreach(line IN LISTS lines)
    # Num: Value Size Type Bind Vis Ndx Name: a defined (not UND) guard that is not TLS.
    if(line MATCHES " (_ZGV[^ ]*)$")
      set(guard "${CMAKE_MATCH_1}")
      math(EXPR guards "${guards} + 1")
      if(NOT line MATCHES " TLS " AND NOT line MATCHES " UND ")
        list(APPEND problems "${library}: ${guard}")
      endif()
    endif()
  endforeach()
  message(STATUS "${library}: ${guards} guard symbols")
endforeach()
if(problems)
  list(REMOVE_DUPLICATES problems)
  list(JOIN problems "\n  " shown)
  message(FATAL_ERROR "function-local statics with run-time initializers (demangle with "
    "c++filt; make them constinit, os::NeverDestroyed or std::call_once):\n  ${shown}")
endif()
