#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The test around examples/clean_up_on_ctrl_c.cpp: runs it, waits for the directory it reports,
sends SIGINT as Ctrl-C would, and fails unless the process died of SIGINT and the directory is
gone. Run: run_until_interrupted.py <program> [--portable].

With --portable (the build with only the portable POSIX code paths, whose signal handler cannot
read a directory safely and so removes only empty ones: docs/cleanup.md), the documented
behaviour is checked instead: the process died of SIGINT and the non-empty directory is left
(this script then removes it)."""

import os
import shutil
import signal
import subprocess
import sys


def main() -> int:
    portable = "--portable" in sys.argv[2:]
    process = subprocess.Popen([sys.argv[1]], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    print(line, end="")
    prefix = "working in "
    if not line.startswith(prefix) or ";" not in line:
        process.kill()
        print(f"unexpected first line: {line!r}")
        return 1
    directory = line[len(prefix):line.index(";")]
    if not os.path.isdir(directory):
        process.kill()
        print(f"{directory} does not exist while the program runs")
        return 1
    process.send_signal(signal.SIGINT)
    status = process.wait(timeout=20)
    if status != -signal.SIGINT:
        print(f"the program ended with {status}, not by SIGINT")
        return 1
    if portable:
        if not os.path.isdir(directory):
            print(f"{directory} is gone, but the portable build documents it is left")
            return 1
        shutil.rmtree(directory)
        print(f"SIGINT ended the program and left the non-empty {directory}, as documented")
        return 0
    if os.path.lexists(directory):
        print(f"{directory} is still there after Ctrl-C")
        return 1
    print(f"SIGINT ended the program and removed {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
