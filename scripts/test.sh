#!/usr/bin/env bash
# README command 2: build and run the whole test suite four ways (plain, ASan+UBSan, portable
# POSIX fallbacks, and the concurrency tests under TSan), then the format and lint gates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
for preset in dev asan portable tsan; do
  echo "=== $preset: configure, build, test"
  cmake --workflow --preset "$preset"
done
echo "=== every public header compiles on its own"
cmake --build --preset dev --target tempfile_verify_interface_header_sets
scripts/lint.sh
