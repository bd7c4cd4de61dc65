#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs every ```python block of the given Markdown files (the Python twins of the guide's C++
snippets), each with python3 in a TMPDIR of its own that must be empty again afterwards, and
fails when one raises or leaves something behind (ctest: docs.python-twins).

A block whose first line is "# Python 3.12+" (or another version) is skipped, with a note, when
the interpreter is older: the twin shows the newer Python's spelling.

Run: check_python_twins.py <file.md>...
"""

import os
import pathlib
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```python\s*$")
NEEDS = re.compile(r"^#\s*Python\s+(\d+)\.(\d+)\+")


def blocks(text: str):
    inside = None
    for line in text.splitlines():
        if inside is None:
            if FENCE.match(line):
                inside = []
        elif line.startswith("```"):
            yield "\n".join(inside) + "\n"
            inside = None
        else:
            inside.append(line)
    if inside is not None:
        raise SystemExit("unterminated ```python block")


def main() -> int:
    problems = []
    ran = skipped = 0
    for markdown in sys.argv[1:]:
        path = pathlib.Path(markdown)
        for number, code in enumerate(blocks(path.read_text()), start=1):
            name = f"{path.name} python block {number}"
            needs = NEEDS.match(code)
            if needs and sys.version_info[:2] < (int(needs.group(1)), int(needs.group(2))):
                print(f"{name}: skipped, needs Python {needs.group(1)}.{needs.group(2)}")
                skipped += 1
                continue
            with tempfile.TemporaryDirectory() as tmpdir:
                result = subprocess.run(
                    [sys.executable, "-c", code],
                    env={**os.environ, "TMPDIR": tmpdir},
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
                left = sorted(os.listdir(tmpdir))
            ran += 1
            if result.returncode != 0:
                problems.append(f"{name} failed ({result.returncode}):\n{result.stderr}")
            if left:
                problems.append(f"{name} left in its TMPDIR: {', '.join(left)}")
    for problem in problems:
        print(problem)
    print(f"{ran} blocks run, {skipped} skipped, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
