#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when docs/security.md and the tests disagree: a scenario of the catalogue without a row,
a row naming a test that does not exist, or a test not named after the scenario it proves.

Run: python3 scripts/check_security_catalogue.py [repository root] (ctest: security.catalogue).

The catalogue's rows look like

    | C9 | mount points inside the tree | `TemporaryDirectoryAttackTest.C9_Name` | guarantee |

The third cell names the tests as `Suite.Test`, or starts with "not tested" and says why. A test
proves a scenario when its name starts with the scenario's id followed by "_"; a test proving
several starts with each of them (`C1_C2_Name`).
"""

import pathlib
import re
import sys

# The catalogue: every id must have at least one row.
SCENARIOS = (
    [f"A{n}" for n in range(1, 12)]
    + [f"B{n}" for n in range(1, 5)]
    + [f"C{n}" for n in range(1, 16)]
    + [f"D{n}" for n in range(1, 5)]
    + [f"E{n}" for n in range(1, 4)]
)

ROW = re.compile(r"^\|\s*([A-E]\d+)\b[^|]*\|([^|]*)\|([^|]*)\|")
TEST_NAME = re.compile(r"`([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)`")
TEST_MACRO = re.compile(r"\bTEST(?:_F|_P)?\(\s*([A-Za-z0-9_]+)\s*,\s*([A-Za-z0-9_]+)\s*\)")
ID_PREFIX = re.compile(r"^((?:[A-E]\d+_)+)")


def defined_tests(root: pathlib.Path) -> set:
    tests = set()
    for source in (root / "tests").rglob("*.cpp"):
        for suite, name in TEST_MACRO.findall(source.read_text(errors="replace")):
            tests.add((suite, name))
    return tests


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    catalogue = (root / "docs" / "security.md").read_text()
    tests = defined_tests(root)
    problems = []
    covered = set()
    for number, line in enumerate(catalogue.splitlines(), start=1):
        row = ROW.match(line)
        if row is None:
            continue
        scenario, tests_cell = row.group(1), row.group(3)
        named = TEST_NAME.findall(tests_cell)
        if not named:
            if tests_cell.strip().lower().startswith("not tested"):
                covered.add(scenario)
            else:
                problems.append(f"security.md:{number}: {scenario} names no test and no reason")
            continue
        covered.add(scenario)
        for suite, name in named:
            if (suite, name) not in tests:
                problems.append(f"security.md:{number}: {suite}.{name} is not a test in tests/")
            prefix = ID_PREFIX.match(name)
            ids = prefix.group(1).rstrip("_").split("_") if prefix else []
            if scenario not in ids:
                problems.append(
                    f"security.md:{number}: {suite}.{name} is not named after {scenario}"
                )
    for scenario in SCENARIOS:
        if scenario not in covered:
            problems.append(f"security.md: scenario {scenario} has no row")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
