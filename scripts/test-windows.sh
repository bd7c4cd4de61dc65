#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Windows leg: cross-compiles the Windows build (the windows preset: MinGW-w64) and runs its
# tests under wine, then prints the seconds each step took. Needs g++-mingw-w64-x86-64-posix,
# wine64 and googletest (the sources GoogleTest is built from); docs/windows.md says more.
#
#   scripts/test-windows.sh [--build-only | --tests-only]
#                                 --build-only: configure and build, run nothing
#                                 --tests-only: run the tests of a tree built before (test.sh
#                                 builds first, then runs them in the background)
#   TEMPFILE_WINDOWS_TIMEOUT=<s>  limit for the whole test run under wine (default 600)
#   TEMPFILE_CCACHE=0             compile without ccache even where it is installed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in x86_64-w64-mingw32-g++-posix cmake ninja; do
  if ! command -v "$tool" >/dev/null; then
    echo "test-windows.sh: $tool is missing (apt-get install g++-mingw-w64-x86-64-posix" \
      "wine64 googletest cmake ninja-build)" >&2
    exit 1
  fi
done
if [[ ! -x /usr/lib/wine/wine64 ]] && ! command -v wine64 >/dev/null && ! command -v wine >/dev/null; then
  echo "test-windows.sh: wine is missing (apt-get install wine64)" >&2
  exit 1
fi

configure_flags=(-DCMAKE_CXX_COMPILER_LAUNCHER=)
if [[ ${TEMPFILE_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null; then
  configure_flags=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# The toolchain file points wine at a prefix inside the build tree (build/windows/wineprefix)
# with WINEDEBUG=-all; the same here for the one wine command this script runs itself.
tree=build/windows
export WINEDEBUG=-all WINEPREFIX=$PWD/$tree/wineprefix

started=$SECONDS
step_names=() step_seconds=()
step() {
  local name=$1 begun=$SECONDS status=0
  shift
  echo "=== $name ($(date -u +%H:%M:%S))"
  "$@" || status=$?
  step_names+=("$name") step_seconds+=($((SECONDS - begun)))
  return "$status"
}
summary() {
  local status=$? i
  echo "=== seconds per step"
  for i in "${!step_names[@]}"; do
    printf '%6d  %s\n' "${step_seconds[i]}" "${step_names[i]}"
  done
  printf '%6d  total\n' $((SECONDS - started))
  ((status == 0)) || echo "=== FAILED (exit status $status)"
}
trap summary EXIT

wine=$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)
[[ -x /usr/lib/wine/wine64 ]] && wine=/usr/lib/wine/wine64
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver64)
[[ -x $wineserver ]] || wineserver=/usr/lib/wine/wineserver

# A wine server left running by an earlier run of this prefix (killed, or timed out) serves the
# next one from its stale state: stopped first. A prefix whose first program cannot start (a
# run cut off while wine was writing it) is made again.
stop_wine_server() {
  if [[ -x $wineserver ]]; then
    "$wineserver" -k >/dev/null 2>&1 || true  # fails when no server runs: nothing to stop
  fi
}
make_prefix() {
  stop_wine_server
  rm -rf "$WINEPREFIX"
  "$wine" wineboot --init
}

mode=${1:-}
if [[ $mode != --tests-only ]]; then
  step configure cmake --preset windows "${configure_flags[@]}"
  # A fresh wine prefix takes tens of seconds to set up: done once here, before the build runs
  # the test programs to list their tests, so that no discovery timeout has to cover it.
  mkdir -p "$tree"
  stop_wine_server
  if [[ -f $WINEPREFIX/system.reg ]] && ! "$wine" cmd /c ver >/dev/null 2>&1; then
    echo "test-windows.sh: the wine prefix does not start a program; making it again" >&2
    rm -f "$WINEPREFIX/system.reg"
  fi
  if [[ ! -f $WINEPREFIX/system.reg ]]; then
    step "wine prefix" make_prefix
  fi
  step build cmake --build --preset windows -- --quiet
  [[ $mode == --build-only ]] && exit 0
fi

# The tests. Wine itself can break partway through a run: from one program on, every program
# fails before its main() with "could not load kernel32.dll" (the prefix or its server went
# bad, whatever the program). That failure, and only it, is answered by making the prefix again
# and running the failed tests once more; any other failure stands as it is.
log=$tree/ctest-output.txt
run_tests() {
  timeout "${TEMPFILE_WINDOWS_TIMEOUT:-600}" ctest --preset windows "$@" 2>&1 | tee "$log"
}
if ! step test run_tests; then
  if ! grep -q 'could not load kernel32.dll' "$log"; then
    exit 1
  fi
  echo "test-windows.sh: wine could not start programs partway through the run (kernel32.dll);" \
    "making the prefix again and running the failed tests once more" >&2
  step "wine prefix again" make_prefix
  step "failed tests again" run_tests --rerun-failed
fi
stop_wine_server
