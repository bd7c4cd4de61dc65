#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns every ```cpp block of the given Markdown files into a program, so that the docs test
(ctest -L docs, `docs.snippet.*`) can compile each one with -Werror and run it in an empty
TMPDIR that must be empty again afterwards.

Run: extract_snippets.py <output dir> <root> <file.md>... ; prints one line per snippet:
"<name>;<path of the .cpp>". The name is the Markdown file's stem and the block's number,
counted from 1 in the order of the file (README.1, recipes.3).

How a block becomes a program (the "hidden preamble" is only this, nothing declared for it):
- A block that defines `int main(` is a whole program and is compiled as it is.
- Otherwise its `#include` lines go to the top, and the rest becomes the body of `int main()`,
  after this preamble of headers a reader would add anyway:
      <tempfile/tempfile.hpp>, <unistd.h> (close), <cstdio>, <filesystem>, <fstream>,
      <iostream>, <string>, <string_view>, <vector>.
  So whatever a snippet uses (a `data` buffer, a file name) it declares itself.
"""

import pathlib
import re
import sys

PREAMBLE = """\
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>
#include <tempfile/tempfile.hpp>
"""

FENCE = re.compile(r"^```cpp\s*$")


def blocks(text: str):
    lines = text.splitlines()
    inside = None
    for line in lines:
        if inside is None:
            if FENCE.match(line):
                inside = []
        elif line.startswith("```"):
            yield inside
            inside = None
        else:
            inside.append(line)
    if inside is not None:
        raise SystemExit("unterminated ```cpp block")


def program(block, source: str) -> str:
    banner = f"// SPDX-License-Identifier: MIT\n// Generated from {source}: do not edit.\n"
    if any(re.match(r"\s*int\s+main\s*\(", line) for line in block):
        return banner + "\n".join(block) + "\n"
    includes = [line for line in block if line.startswith("#include")]
    body = [line for line in block if not line.startswith("#include")]
    return (
        banner
        + "\n".join(includes)
        + "\n"
        + PREAMBLE
        + "\nint main() {\n"
        + "\n".join("  " + line if line else "" for line in body)
        + "\n}\n"
    )


def main() -> int:
    out = pathlib.Path(sys.argv[1])
    root = pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for markdown in sys.argv[3:]:
        path = pathlib.Path(markdown)
        source = path.resolve().relative_to(root.resolve()).as_posix()
        for number, block in enumerate(blocks(path.read_text()), start=1):
            name = f"{path.stem}.{number}"
            target = out / f"{name}.cpp"
            text = program(block, source)
            # Rewrite only on change, so a reconfigure does not rebuild every snippet.
            if not target.exists() or target.read_text() != text:
                target.write_text(text)
            print(f"{name};{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
