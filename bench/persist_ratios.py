#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs bench_persist and prints each operation's time as a ratio to its hand-written floor.

Each run is one bench_persist process with interleaved repetitions; the ratio is taken between
times of the same run, so that the machine's state that run (the VM's system-call cost moves
threefold from day to day here) is the same on both sides. Two kinds of rows:

  whole sequence  the object made, 4 KiB written, persist(), the object destroyed (CPU time),
                  against the floor's open, write, [fsync], link or rename, [directory fsync],
                  close; atomic_write against the same floor
  persist step    only persist() (manual time: the file is made and written before the clock
                  starts and closed after it stops), against the floor's same steps

Each row's ratio compares one statistic of its 15 repetitions with the same statistic of its
floor's: the median by default, or with --fastest the fastest repetition of each. A virtual
machine's neighbours only ever add time, in bursts that can land on either side; the fastest
repetitions are the ones they missed, so their ratio moves least from run to run.

    bench/persist_ratios.py                          # build/bench, 2 runs of 15 repetitions
    bench/persist_ratios.py --runs 4 --repetitions 9 --binary path/to/bench_persist
    bench/persist_ratios.py --fastest --runs 8 --rows NamedTemporaryFile \\
        --binary old/bench_persist --binary build/bench/bench/bench_persist
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARY = os.path.join(HERE, "..", "build", "bench", "bench", "bench_persist")

# (label, benchmark, floor, which time): the named rows are held to the floor with the lock and
# the identity check that every NamedTemporaryFile gives (hand_written.hpp says why).
ROWS = [
    ("atomic_write, umask_default()", "BM_AtomicWrite/durable:{d}/umask:1",
     "BM_HandWritten_Unnamed/durable:{d}", "cpu_time"),
    ("atomic_write, preserve_target() (+2 calls)", "BM_AtomicWrite/durable:{d}/umask:0",
     "BM_HandWritten_Unnamed/durable:{d}", "cpu_time"),
    ("TemporaryFile + write + persist()", "BM_Persist_Unnamed/durable:{d}",
     "BM_HandWritten_Unnamed/durable:{d}", "cpu_time"),
    ("the same, buffering=0 (no buffer, no copy)", "BM_Persist_Unnamed_Unbuffered/durable:{d}",
     "BM_HandWritten_Unnamed/durable:{d}", "cpu_time"),
    ("NamedTemporaryFile + write + persist()", "BM_Persist_Named/durable:{d}/lock:1",
     "BM_HandWritten_Named/durable:{d}/checked:1", "cpu_time"),
    ("TemporaryFile, persist() step", "BM_PersistStep_Unnamed/durable:{d}/manual_time",
     "BM_HandWrittenStep_Unnamed/durable:{d}/manual_time", "real_time"),
    ("NamedTemporaryFile, persist() step", "BM_PersistStep_Named/durable:{d}/manual_time",
     "BM_HandWrittenStep_Named/durable:{d}/manual_time", "real_time"),
]


def run(binary, repetitions, statistic, benchmark_filter):
    """One bench_persist process: {benchmark: {"cpu_time": t, "real_time": t}}, where t is the
    median or the minimum of the benchmark's repetitions."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_repetitions={repetitions}",
                        "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.1",
                        f"--benchmark_filter={benchmark_filter}",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        report = json.load(open(out.name))
    times = {}
    for b in report["benchmarks"]:
        if b.get("run_type") == "iteration":
            entry = times.setdefault(b["run_name"], {"cpu_time": [], "real_time": []})
            entry["cpu_time"].append(b["cpu_time"])
            entry["real_time"].append(b["real_time"])
    return {name: {key: statistic(values) for key, values in entry.items()}
            for name, entry in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", action="append",
                    help="a bench_persist to run (default build/bench's); given more than once, "
                         "the binaries take turns, run by run")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=15)
    ap.add_argument("--fastest", action="store_true",
                    help="compare the fastest repetitions instead of the medians")
    ap.add_argument("--rows", metavar="TEXT",
                    help="only the rows whose label contains TEXT, and only their benchmarks "
                         "run (seconds per run instead of minutes)")
    args = ap.parse_args()
    statistic = min if args.fastest else statistics.median
    binaries = args.binary or [DEFAULT_BINARY]
    for binary in binaries:
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary}: not built (cmake --preset bench && cmake --build --preset bench)")
    rows = [row for row in ROWS if args.rows is None or args.rows in row[0]]
    if not rows:
        sys.exit(f"no row's label contains {args.rows!r}")
    names = {"BM_HandWritten_Unnamed/durable:{d}"}
    for _, name, floor, _ in rows:
        names.update({name, floor})
    benchmark_filter = "^(" + "|".join(
        re.escape(n.format(d=d).removesuffix("/manual_time")) for n in sorted(names)
        for d in (0, 1)) + ")(/manual_time)?$"
    runs = {binary: [] for binary in binaries}
    for _ in range(args.runs):
        for binary in binaries:
            runs[binary].append(run(binary, args.repetitions, statistic, benchmark_filter))
    for binary in binaries:
        if len(binaries) > 1:
            print(binary)
        for durable in (0, 1):
            floors = ", ".join(f"{r['BM_HandWritten_Unnamed/durable:%d' % durable]['cpu_time'] / 1000:.1f}"
                               for r in runs[binary])
            print(f"durable = {durable}: ratio to the floor, one column per run, then their median "
                  f"(the unnamed floor took {floors} µs)")
            for label, name, floor, key in rows:
                ratios = [r[name.format(d=durable)][key] / r[floor.format(d=durable)][key]
                          for r in runs[binary]]
                print(f"  {label:44} {'  '.join(f'{x:.3f}' for x in ratios)}   "
                      f"median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
