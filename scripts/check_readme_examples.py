#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when README.md and examples/ disagree: an example program README does not list (as a
link to its file), a README link to an example that does not exist, or an example that
examples/CMakeLists.txt does not run as a test.

Run: python3 scripts/check_readme_examples.py [repository root] (ctest: docs.readme-examples).
"""

import pathlib
import re
import sys


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    readme = (root / "README.md").read_text()
    # examples/windows.cmake (included by CMakeLists.txt in the Windows build) runs the twins
    # that have a Windows source of their own.
    cmake = (root / "examples" / "CMakeLists.txt").read_text() + (
        root / "examples" / "windows.cmake").read_text()
    examples = sorted(p.relative_to(root).as_posix() for p in (root / "examples").rglob("*.cpp"))
    linked = set(re.findall(r"\]\((examples/[^)\s]+\.cpp)\)", readme))
    problems = []
    for example in examples:
        if example not in linked:
            problems.append(f"README.md does not list {example}")
        relative = example[len("examples/"):]
        stem = pathlib.PurePosixPath(relative).stem
        if relative not in cmake and not re.search(rf"tempfile_add_twin\({re.escape(stem)}\b", cmake):
            problems.append(f"examples/CMakeLists.txt does not run {example}")
    for link in sorted(linked):
        if not (root / link).is_file():
            problems.append(f"README.md links to {link}, which does not exist")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
