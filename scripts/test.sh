#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README command 2: build and run the whole test suite four ways (plain, ASan+UBSan, portable
# POSIX fallbacks, and the concurrency tests under TSan), the plain build's permission-sensitive
# labels once more as an unprivileged user, the fuzz targets briefly, then the format and lint
# gates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
for preset in dev asan portable tsan; do
  echo "=== $preset: configure, build, test"
  cmake --workflow --preset "$preset"
  if [[ $preset == dev ]]; then
    # As root the kernel skips permission checks: the same tests again as uid 65534.
    echo "=== dev: the permission-sensitive labels again, as an unprivileged user"
    scripts/test-unprivileged.sh build/dev
  fi
done
echo "=== every public header compiles on its own"
cmake --build --preset dev --target tempfile_verify_interface_header_sets
echo "=== fuzz: libFuzzer targets (clang), a short run each; corpora are replayed by ctest above"
cmake --workflow --preset fuzz
# Every target gets the same short run: 4 targets x 25 s keeps the whole step under 2 minutes.
# -timeout turns a hang (a FIFO opened, a decoder loop) into a reported failure.
for target in build/fuzz/fuzz/fuzz_*; do
  [[ -x $target && -f $target ]] || continue
  corpus=fuzz/corpus/${target##*/fuzz_}
  work=$(mktemp -d)  # new inputs go to a scratch copy, so the committed corpus stays as it is
  cp -r "$corpus"/. "$work"/
  "$target" -max_total_time="${TEMPFILE_FUZZ_SECONDS:-25}" -timeout=10 -print_final_stats=0 \
    -artifact_prefix="$work/" "$work" 2>&1 | tail -n 2
  rm -rf "$work"
done
scripts/lint.sh
