#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-format (all C++ sources) and clang-tidy (the library's sources) as gates.
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
done < <(git ls-files | grep -v -E '^fuzz/corpus/|\.md$|\.json$|^\.clang-(format|tidy)$|^\.gitignore$|^LICENSE$')
((missing == 0))
echo "=== clang-format: ${#files[@]} files"
"$format" --dry-run -Werror "${files[@]}"
echo "=== clang-tidy: src/"
[[ -f build/dev/compile_commands.json ]] || cmake --preset dev >/dev/null
mapfile -t sources < <(git ls-files 'src/*.cpp')
printf '%s\n' "${sources[@]}" | xargs -P 2 -n 2 "$tidy" -p build/dev --quiet --extra-arg=-Wno-unknown-warning-option
echo "lint: clean"
