#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the ctest labels whose tests touch permissions (security, process, unit, conformance,
# concurrency, cli, gtest-fixture) once more as an unprivileged user, uid/gid 65534 with no
# supplementary groups, over a private copy of a build's test tree. As root the kernel skips
# permission checks, so those tests prove something only here; docs/testing.md lists what skips
# in this run and why.
#
#   scripts/test-unprivileged.sh [build dir, default build/dev]
#   TEMPFILE_UNPRIVILEGED_LABELS='security|process' (a ctest label regex) narrows it.
# The uid is 65534 because the tests that run as root hand their scratch directories to 65534.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=$(realpath "${1:-build/dev}")
labels=${TEMPFILE_UNPRIVILEGED_LABELS:-security|process|unit|conformance|concurrency|cli|gtest-fixture}
uid=65534

if [[ $(id -u) -ne 0 ]]; then
  echo "running as uid $(id -u), not root: the normal test run was already unprivileged"
  exit 0
fi
if [[ ! -f $build/CTestTestfile.cmake ]]; then
  echo "no test tree in $build: build it first (cmake --workflow --preset dev)" >&2
  exit 1
fi
as_user=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
if ! "${as_user[@]}" true 2>/dev/null; then
  as_user=(runuser -u "#$uid" --)  # util-linux without setpriv: runuser takes a numeric uid too
fi

# The copy: the build may sit in a directory the user cannot enter (root's home is 0700), and
# ctest writes Testing/ into the tree it runs. Only what ctest needs is copied: the test lists
# (CTestTestfile.cmake, gtest_discover_tests' files) and the executables, not objects or
# libraries (the test binaries link tempfile statically).
# Under /tmp, not $TMPDIR: the caller's TMPDIR may be private to root.
work=$(mktemp -d /tmp/tempfile-unprivileged.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
copy=$work/build
mkdir "$copy"
(cd "$build" && find . -path '*/CMakeFiles' -prune -o -type f \
   \( -name CTestTestfile.cmake -o -name '*_tests.cmake' -o -name '*_include.cmake' \
      -o -perm -u+x \) -print0 | xargs -0 cp --parents -t "$copy")
# The test lists hold absolute paths of the build, as CMake saw it: point them at the copy.
seen=$(sed -n 's/^CMAKE_CACHEFILE_DIR:INTERNAL=//p' "$build/CMakeCache.txt")
pattern=$(printf '%s' "${seen:-$build}" | sed 's/[][\\.*^$|&/]/\\&/g')
replacement=$(printf '%s' "$copy" | sed 's/[\\|&]/\\&/g')
find "$copy" -name '*.cmake' -print0 | xargs -0 sed -i "s|$pattern|$replacement|g"
# The fixture's driver runs from the source tree and through CMake's Python, either of which may
# be where this user cannot go (a clone or a pyenv under /root): a copy of the script, and the
# system's python3.
source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
python=$(sed -n 's/^_\{0,1\}Python3_EXECUTABLE:[A-Z]*=//p' "$build/CMakeCache.txt" | head -n 1)
if [[ -n $source_dir && -f $source_dir/tests/gtest/driver.py ]]; then
  mkdir -p "$work/source"
  cp "$source_dir/tests/gtest/driver.py" "$work/source/gtest-driver.py"
  find "$copy" -name CTestTestfile.cmake -print0 | xargs -0 sed -i \
    -e "s|\"$source_dir/tests/gtest/driver.py\"|\"$work/source/gtest-driver.py\"|g" \
    ${python:+-e "s|\"$python\"|\"/usr/bin/python3\"|g"}
fi
mkdir "$work/tmp"
chown -R "$uid:$uid" "$copy" "$work/tmp"
[[ ! -d $work/source ]] || chmod -R a+rX "$work/source"
chmod 0700 "$work/tmp"
if ! "${as_user[@]}" test -w "$work/tmp" -a -x "$copy/tests"; then
  echo "uid $uid cannot use $work" >&2
  exit 1
fi

echo "=== labels '$labels' as uid $uid ($("${as_user[@]}" id -u)), over a copy of $build"
started=$SECONDS
# TMPDIR: the user's own scratch; the drivers and the shim: the copy's (the build's paths are
# compiled into the tests).
"${as_user[@]}" env HOME="$work/tmp" TMPDIR="$work/tmp" \
  TEMPFILE_CLEANUP_DRIVER="$copy/tests/process/cleanup_driver" \
  TEMPFILE_CATALOGUE_DRIVER="$copy/tests/security/catalogue_driver" \
  TEMPFILE_PSEUDO_FILE_DRIVER="$copy/tests/objects/pseudo_file_driver" \
  TEMPFILE_FIRST_USE_FORK_DRIVER="$copy/tests/process/first_use_fork_driver" \
  TEMPFILE_NO_TMPFILE_SHIM="$copy/tests/security/libno_tmpfile_shim.so" \
  ctest --test-dir "$copy" -L "^($labels)\$" --output-on-failure --no-tests=error -j 2
echo "=== unprivileged run: $((SECONDS - started)) s"
