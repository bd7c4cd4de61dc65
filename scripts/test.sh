#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README command 2: build and run the whole test suite four ways (plain, ASan+UBSan, portable
# POSIX fallbacks, and the concurrency tests under TSan), the plain build's permission-sensitive
# labels once more as an unprivileged user, the fuzz targets briefly, the Windows port's tests
# under wine, then the API reference (Doxygen: an undocumented public name fails) and the format
# and lint gates; ends with the seconds each leg took. docs/testing.md says what each leg builds and why.
#
#   TEMPFILE_FUZZ_SECONDS=<s>  libFuzzer time per fuzz target (default 10)
#   TEMPFILE_CCACHE=0          compile without ccache even where it is installed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh

# ccache, in its default cache directory (~/.cache/ccache, or CCACHE_DIR): a repeated run on the
# same machine recompiles only what changed. On a clean machine (CI) the cache starts empty and
# helps within the run only, where the packaging tests' sub-builds compile the library with the
# same flags as each other. The environment variables reach those sub-builds too.
configure_flags=(-DCMAKE_CXX_COMPILER_LAUNCHER=)  # also takes it out of a tree that had it
if [[ ${TEMPFILE_CCACHE:-1} != 0 ]] && command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
  # The examples' and snippets' precompiled header: ccache caches its users only when told not to
  # compare the header's macros and time stamps (the header's own bytes are still hashed; nothing
  # here uses __DATE__ or __TIME__).
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:+$CCACHE_SLOPPINESS,}pch_defines,time_macros
  configure_flags=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  ccache_before=$(ccache --print-stats 2>/dev/null || true)
fi

# The per-leg clock, printed at the end whether the run passes or fails: wall seconds, and the
# CPU seconds of everything the leg ran (this shell's finished children, from /proc), which a
# busy machine does not inflate as much.
leg_names=() leg_seconds=() leg_cpu=() current_leg="" current_started=$SECONDS current_cpu=0
ticks=$(getconf CLK_TCK)
children_cpu() { awk -v t="$ticks" '{ printf "%.0f", ($16 + $17) / t }' "/proc/$$/stat"; }
leg() {
  finish_leg
  current_leg=$1 current_started=$SECONDS current_cpu=$(children_cpu)
  echo "=== $1 ($(date -u +%H:%M:%S))"
}
finish_leg() {
  if [[ -n $current_leg ]]; then
    leg_names+=("$current_leg") leg_seconds+=($((SECONDS - current_started)))
    leg_cpu+=($(($(children_cpu) - current_cpu)))
  fi
  current_leg=""
}
ccache_summary() {
  [[ -n ${ccache_before+set} ]] || return 0
  ccache --print-stats 2>/dev/null | python3 -c '
import sys
def read(text):
    return dict(line.split("\t") for line in text.splitlines() if "\t" in line)
before, after = read(sys.argv[1]), read(sys.stdin.read())
delta = lambda k: int(after.get(k, 0)) - int(before.get(k, 0))
hits = delta("direct_cache_hit") + delta("preprocessed_cache_hit")
misses = delta("cache_miss")
print(f"ccache: {hits} of {hits + misses} compilations from the cache")
' "$ccache_before" || true
}
summary() {
  local status=$? total=0 cpu=0 i
  # A leg that failed while the Windows tests ran in the background: they stop with the run.
  [[ -z ${windows_tests:-} ]] || kill "$windows_tests" 2>/dev/null || true
  [[ -n $current_leg ]] && failed=$current_leg || failed=""
  finish_leg
  echo "=== seconds per leg (wall, CPU)"
  for i in "${!leg_names[@]}"; do
    printf '%6d %6d  %s\n' "${leg_seconds[i]}" "${leg_cpu[i]}" "${leg_names[i]}"
    total=$((total + leg_seconds[i])) cpu=$((cpu + leg_cpu[i]))
  done
  printf '%6d %6d  total (%d min %d s; load average now %s)\n' "$total" "$cpu" $((total / 60)) \
    $((total % 60)) "$(cut -d' ' -f1-3 /proc/loadavg)"
  ccache_summary
  if ((status != 0)); then
    echo "=== FAILED in: ${failed:-setup} (exit status $status)"
  fi
}
trap summary EXIT

# ctest without a line per test that starts or passes: failures (with their output), skips and
# the summary stay. Every test's line is in <tree>/Testing/Temporary/LastTest.log.
passing_lines='^ +Start +[0-9]+: |^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed +[0-9.]+ sec$'
quiet_tests() {
  "$@" | { grep -v -E "$passing_lines" || true; }
}
configure() {  # configure <preset>: CMake's messages only if it fails or warns
  cmake --preset "$1" --log-level=WARNING "${configure_flags[@]}" >/dev/null
}
build() {  # build <preset> [targets...]: compiler output only (no progress lines)
  local preset=$1 targets=()
  shift
  (($# == 0)) || targets=(--target "$@")
  cmake --build --preset "$preset" "${targets[@]}" -- --quiet
}

leg dev
configure dev
build dev
quiet_tests ctest --preset dev

# As root the kernel skips permission checks: the same tests again as uid 65534.
leg unprivileged
quiet_tests scripts/test-unprivileged.sh build/dev

leg headers  # every public header compiles on its own
build dev tempfile_verify_interface_header_sets

# The build presets of asan, portable and tsan name the targets their tests need.
for preset in asan portable tsan; do
  leg "$preset"
  configure "$preset"
  build "$preset"
  quiet_tests ctest --preset "$preset"
done

leg fuzz
# libFuzzer targets (clang; the preset builds nothing else), one per core at a time, each for
# TEMPFILE_FUZZ_SECONDS on a scratch copy of its corpus: new inputs stay out of the committed
# corpus, which ctest replays in every other tree. -timeout turns a hang (a FIFO opened, a
# decoder loop) into a reported failure; a failing target's log is printed whole.
configure fuzz
build fuzz
mapfile -t fuzz_targets < <(find build/fuzz/fuzz -maxdepth 1 -name 'fuzz_*' -type f -perm -u+x \
  -printf '%f\n' | sort)
((${#fuzz_targets[@]} > 0)) || { echo "no fuzz targets in build/fuzz/fuzz" >&2; exit 1; }
fuzz_work=$(mktemp -d)  # removed if every target passes, kept with the crash input otherwise
printf '%s\n' "${fuzz_targets[@]}" |
  xargs -P "$(nproc)" -I{} bash -c '
    target=$1 work=$2/$1 seconds=$3
    cp -r "fuzz/corpus/${target#fuzz_}" "$work"
    if "build/fuzz/fuzz/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=0 \
         -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
      echo "$target: $(tail -n 1 "$work.log")"
    else
      cat "$work.log"; echo "$target: FAILED (the input is in $work/)"; exit 1
    fi
  ' _ {} "$fuzz_work" "${TEMPFILE_FUZZ_SECONDS:-10}"
rm -rf "$fuzz_work"

# The library cross-compiled for Windows with MinGW-w64 (docs/windows.md), and its tests under
# wine. Those tests mostly wait (wine starting each program, child processes, the console
# events) and leave the processors idle, so they run in the background while the docs and lint
# legs compute; their output is printed, and their verdict taken, after those.
# test-windows.sh runs them (--tests-only), so that a wine prefix that breaks partway through
# is made again and the failed tests rerun there, as for a run of that script alone; the outer
# limit leaves room for that one rerun.
leg windows
quiet_tests scripts/test-windows.sh --build-only
windows_log=$(mktemp)
(exec timeout $((${TEMPFILE_WINDOWS_TIMEOUT:-600} * 2 + 120)) scripts/test-windows.sh --tests-only \
  >"$windows_log" 2>&1) &
windows_tests=$!

leg docs  # the API reference of the public headers: any Doxygen warning fails the build
build dev docs

leg lint
scripts/lint.sh

leg "windows tests (the rest of their run)"
windows_status=0
wait "$windows_tests" || windows_status=$?
{ grep -v -E "$passing_lines" "$windows_log" || true; }
rm -f "$windows_log"
((windows_status == 0))
finish_leg
