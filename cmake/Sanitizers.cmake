# SPDX-License-Identifier: MIT
# Sanitizers for our own targets, chosen by TEMPFILE_SANITIZE. TSan cannot be mixed with ASan,
# so each sanitizer family gets its own build tree (see CMakePresets.json).
if(TEMPFILE_SANITIZE MATCHES "thread" AND TEMPFILE_SANITIZE MATCHES "address")
  message(FATAL_ERROR "TEMPFILE_SANITIZE: thread cannot be combined with address")
endif()

# Applies our warnings and the chosen sanitizers to one of our own targets. A directory may set
# TEMPFILE_SANITIZE_COMPILE to instrument its own code with fewer of them (tests/ does); its
# programs still link every runtime TEMPFILE_SANITIZE names, which the library's code needs.
function(tempfile_own_target target)
  target_compile_options(${target} PRIVATE ${TEMPFILE_WARNING_FLAGS})
  if(TEMPFILE_SANITIZE)
    set(compiled "${TEMPFILE_SANITIZE}")
    if(DEFINED TEMPFILE_SANITIZE_COMPILE)
      set(compiled "${TEMPFILE_SANITIZE_COMPILE}")
    endif()
    if(compiled)
      target_compile_options(${target} PRIVATE
        -fsanitize=${compiled} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    endif()
    target_link_options(${target} PRIVATE -fsanitize=${TEMPFILE_SANITIZE})
  endif()
endfunction()
