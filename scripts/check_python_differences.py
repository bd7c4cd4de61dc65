#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when docs/python-differences.md and its tests disagree: a row (PD1, PD2...) without a
test named after it, a test named after an id that has no row, or an id used twice.

Run: python3 scripts/check_python_differences.py [repository root] (ctest: docs.python-differences).

A row looks like

    | PD17 | text `tell()` | CPython's value | ours | why |

and is proven by a test whose name starts with its id and "_"
(`PythonDifferencesTest.PD17_TextTellIs...`); a test proving several rows starts with each id
(`PD37_PD38_...`). A row that no test can prove says "not testable" and why, in its own text.
"""

import pathlib
import re
import sys

ROW = re.compile(r"^\|\s*(PD\d+)\s*\|")
TEST_MACRO = re.compile(r"\bTEST(?:_F|_P)?\(\s*([A-Za-z0-9_]+)\s*,\s*([A-Za-z0-9_]+)\s*\)")
ID_PREFIX = re.compile(r"^((?:PD\d+_)+)")


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    doc = (root / "docs" / "python-differences.md").read_text()
    problems = []
    rows = {}
    for number, line in enumerate(doc.splitlines(), start=1):
        row = ROW.match(line)
        if row is None:
            continue
        identifier = row.group(1)
        if identifier in rows:
            problems.append(f"python-differences.md:{number}: {identifier} is used twice")
        rows[identifier] = (number, "not testable" in line.lower())

    proven = {}
    for source in sorted((root / "tests").rglob("*.cpp")):
        for suite, name in TEST_MACRO.findall(source.read_text(errors="replace")):
            prefix = ID_PREFIX.match(name)
            if prefix is None:
                continue
            for identifier in prefix.group(1).rstrip("_").split("_"):
                proven.setdefault(identifier, []).append(f"{suite}.{name}")

    for identifier, (number, untestable) in sorted(rows.items()):
        if identifier not in proven and not untestable:
            problems.append(
                f"python-differences.md:{number}: {identifier} has no test named {identifier}_..."
            )
        if identifier in proven and untestable:
            problems.append(
                f"python-differences.md:{number}: {identifier} says not testable but "
                f"{proven[identifier][0]} tests it"
            )
    for identifier, tests in sorted(proven.items()):
        if identifier not in rows:
            problems.append(f"{tests[0]} is named after {identifier}, which has no row")
    if not rows:
        problems.append("python-differences.md has no PD rows")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
