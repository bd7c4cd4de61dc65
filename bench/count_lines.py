#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Counts the distinct 64-byte cache lines of code and of data one operation touches in user space.

Between two system calls the kernel's own work (path lookup, the file system, the page cache)
pushes much of the program out of the first-level caches, so user code that runs after a
system call pays a fetch for nearly every line it touches, whatever the instruction count. That
makes the number of distinct lines, not the number of instructions, what a short operation's
user-space time follows (docs/performance.md, "What the remaining gap is made of").

Runs count_persist under valgrind's lackey (every instruction fetch and data access), splits the
trace at each entry to count_persist's per-round function, and prints, for one round in the
middle of the run: instructions, distinct code lines and distinct data lines; then the same
round cut at each of its system calls, with the distinct code lines, data lines and code pages
of each stretch between two calls summed. That sum is what is fetched anew if every call
cools the caches (and the translation buffers, for pages) completely: a line used on both
sides of a call counts twice. The counts are exact for a given binary; a different build lays
the code out differently by a few lines.

    bench/count_lines.py                                   # the default workloads, not durable
    bench/count_lines.py persist-named atomic-umask --durable --binary build/bench/bench/count_persist
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARY = os.path.join(HERE, "..", "build", "bench", "bench", "count_persist")
DEFAULT_WORKLOADS = ["hand-unnamed", "hand-named-checked", "atomic-umask", "persist-unnamed",
                     "persist-named"]
ROUNDS = 6  # the first rounds fill caches of the library's own (the random-name buffer...)
MEASURED = 4
LINE = 64
PAGE = 4096
# Where valgrind loads a position-independent executable on x86-64.
VALGRIND_PIE_BASE = 0x108000


def round_entry(binary):
    """The address, under valgrind, of count_persist's per-round function."""
    out = subprocess.run(["nm", "-C", binary], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] == "t" and parts[2].startswith("(anonymous namespace)::run(") \
                and not parts[2].endswith("[clone .cold]"):
            address = int(parts[0], 16)
            pie = b"DYN" in subprocess.run(["readelf", "-h", binary], capture_output=True).stdout
            return address + (VALGRIND_PIE_BASE if pie else 0)
    sys.exit(f"{binary}: no per-round function (anonymous namespace)::run found")


class Span:
    """The distinct code lines, data lines and code pages touched over a stretch of the trace."""

    def __init__(self):
        self.code, self.data, self.pages = set(), set(), set()

    def fetch(self, at, size):
        self.code.update({at // LINE, (at + size - 1) // LINE})
        self.pages.add(at // PAGE)

    def access(self, at, size):
        self.data.update({at // LINE, (at + size - 1) // LINE})


def count(binary, workload, durable, directory):
    """One measured round: (instructions, the round's Span, the sums over its stretches between
    system calls of (code lines, data lines, code pages))."""
    entry = f"{round_entry(binary):08x}"
    with tempfile.NamedTemporaryFile(suffix=".lackey") as trace:
        # valgrind writes each system call into the same log as lackey's trace, in order.
        subprocess.run(["valgrind", "--tool=lackey", "--trace-mem=yes", "--trace-syscalls=yes",
                        f"--log-file={trace.name}",
                        binary, workload, "1" if durable else "0", str(ROUNDS), directory],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rounds, instructions, whole, stretch, fresh = 0, 0, Span(), Span(), [0, 0, 0]

        def end_stretch():
            nonlocal stretch
            fresh[0] += len(stretch.code)
            fresh[1] += len(stretch.data)
            fresh[2] += len(stretch.pages)
            stretch = Span()

        with open(trace.name) as lines:
            for line in lines:
                kind = line[:2]
                if kind == "I ":
                    address, size = line[3:].split(",")
                    if address.strip() == entry:
                        rounds += 1
                        if rounds > MEASURED:
                            break
                    if rounds != MEASURED:
                        continue
                    at = int(address, 16)
                    instructions += 1
                    whole.fetch(at, int(size))
                    stretch.fetch(at, int(size))
                elif rounds == MEASURED and kind in (" L", " S", " M"):
                    address, size = line[3:].split(",")
                    at = int(address, 16)
                    whole.access(at, int(size))
                    stretch.access(at, int(size))
                elif rounds == MEASURED and line.startswith("SYSCALL") and \
                        "... [async] -->" not in line:
                    end_stretch()  # a blocking call's second line ("... [async] -->") is its end
    if rounds < MEASURED:
        sys.exit(f"{workload}: only {rounds} rounds in the trace")
    end_stretch()
    return instructions, whole, fresh


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workloads", nargs="*", default=DEFAULT_WORKLOADS)
    ap.add_argument("--binary", default=DEFAULT_BINARY)
    ap.add_argument("--durable", action="store_true")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary}: not built (cmake --preset bench && cmake --build --preset bench)")
    print(f"{'':22} {'':>12} {'distinct in the round':^23} {'summed over the stretches':^36}")
    print(f"{'workload':22} {'instructions':>12} {'code lines':>11} {'data lines':>11} "
          f"{'code lines':>11} {'data lines':>11} {'code pages':>12}")
    with tempfile.TemporaryDirectory(prefix="count-lines-", dir="/dev/shm") as directory:
        for workload in args.workloads:
            instructions, whole, fresh = count(args.binary, workload, args.durable, directory)
            print(f"{workload:22} {instructions:12} {len(whole.code):11} {len(whole.data):11} "
                  f"{fresh[0]:11} {fresh[1]:11} {fresh[2]:12}")


if __name__ == "__main__":
    main()
