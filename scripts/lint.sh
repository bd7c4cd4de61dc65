#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-format (all C++ sources) and clang-tidy (the library's sources) as gates.
#
#   TEMPFILE_LINT_JOBS=<n>  clang-tidy processes at once (default: the number of cores)
#   TEMPFILE_TIDY_CACHE=0   lint every source again, even those that passed unchanged before
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
format=$(command -v clang-format-14 || command -v clang-format)
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
mapfile -t files < <(git ls-files '*.hpp' '*.cpp' '*.h')
# Every source, build and script file carries the licence in its first two lines (after a shebang).
echo "=== SPDX-License-Identifier: MIT in every source file"
missing=0
while IFS= read -r file; do
  head -n 2 "$file" | grep -q 'SPDX-License-Identifier: MIT' || { echo "no SPDX line: $file"; missing=1; }
done < <(git ls-files | grep -v -E '^fuzz/corpus/|\.md$|\.json$|\.png$|^\.clang-(format|tidy)$|^\.gitignore$|^LICENSE$')
((missing == 0))
echo "=== clang-format: ${#files[@]} files"
"$format" --dry-run -Werror "${files[@]}"

[[ -f build/dev/compile_commands.json ]] || cmake --preset dev --log-level=WARNING >/dev/null
# Largest first: the generated codec tables take the longest, so they start at once and the small
# files fill the other processes' time around them.
# The Windows-only sources (docs/windows.md) are not in the Linux compile database and need
# <windows.h>: the windows preset's -Werror build checks them instead.
mapfile -t sources < <(git ls-files -z 'src/*.cpp' ':!:src/os/windows*.cpp' | xargs -0 ls -S)
jobs=${TEMPFILE_LINT_JOBS:-$(nproc)}
echo "=== clang-tidy: ${#sources[@]} files in src/, $jobs at a time"

# A file that passed is remembered under a key made of everything that decides clang-tidy's
# verdict on it: the file, every header of the project (include/ and src/: HeaderFilterRegex
# reports into those), .clang-tidy, its compile command and clang-tidy's version. A repeated run
# on an unchanged tree then lints nothing again; a file with diagnostics is never remembered.
cache=build/dev/clang-tidy-passed
mkdir -p "$cache"
[[ ${TEMPFILE_TIDY_CACHE:-1} == 0 ]] && rm -f "$cache"/*
common_key=$({ "$tidy" --version; cat .clang-tidy; git ls-files -z 'include/*' 'src/*.hpp' 'src/*.h' \
  | xargs -0 cat; } | sha256sum | cut -d' ' -f1)
python3 - "$cache" "$common_key" "${sources[@]}" >"$cache.todo" <<'PY'
# Prints the sources whose key has no entry in the cache, each with its key.
import hashlib, json, os, sys
cache, common, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
commands = {os.path.realpath(os.path.join(c["directory"], c["file"])): c.get("command", c.get("arguments"))
            for c in json.load(open("build/dev/compile_commands.json"))}
for source in sources:
    key = hashlib.sha256((common + json.dumps(commands.get(os.path.realpath(source)))).encode())
    key.update(open(source, "rb").read())
    if not os.path.exists(os.path.join(cache, key.hexdigest())):
        print(source, key.hexdigest())
PY
todo=$(wc -l <"$cache.todo")
((todo == ${#sources[@]})) || echo "($((${#sources[@]} - todo)) unchanged since they last passed: not linted again)"

# One file per process; its output is printed in one piece once it ends, so diagnostics of
# parallel files never interleave. clang-tidy's "N warnings generated." counts the warnings of
# system and third-party headers it then suppresses: that line alone is dropped, every
# diagnostic is kept, and a file with any diagnostic fails the gate (WarningsAsErrors: '*').
# shellcheck disable=SC2016
xargs -r -a "$cache.todo" -P "$jobs" -L 1 bash -c '
  tidy=$0 cache=$1 source=$2 key=$3
  out=$("$tidy" -p build/dev --quiet --extra-arg=-Wno-unknown-warning-option "$source" 2>&1) \
    && status=0 || status=$?
  out=$(grep -v -E "^[0-9]+ warnings? generated\.$" <<<"$out" || true)
  [[ -z $out ]] || printf "%s\n" "$out"
  if ((status == 0)); then touch "$cache/$key"; else echo "clang-tidy: $source failed" >&2; exit 1; fi
' "$tidy" "$cache"
rm -f "$cache.todo"
echo "lint: clean"
