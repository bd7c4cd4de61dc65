#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs bench_persist and prints each operation's time as a ratio to its hand-written floor.

Each run is one bench_persist process with interleaved repetitions; the ratio is taken between
medians of the same run, so that the machine's state that run (the VM's system-call cost moves
threefold from day to day here) is the same on both sides. Two kinds of rows:

  whole sequence  the object made, 4 KiB written, persist(), the object destroyed (CPU time),
                  against the floor's open, write, [fsync], link or rename, [directory fsync],
                  close; atomic_write against the same floor
  persist step    only persist() (manual time: the file is made and written before the clock
                  starts and closed after it stops), against the floor's same steps

    bench/persist_ratios.py                          # build/bench, 2 runs of 15 repetitions
    bench/persist_ratios.py --runs 4 --repetitions 9 --binary path/to/bench_persist
"""
import argparse
import json
import os
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


def run(binary, repetitions):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_repetitions={repetitions}",
                        "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.1",
                        "--benchmark_report_aggregates_only=true",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        report = json.load(open(out.name))
    return {b["run_name"]: b for b in report["benchmarks"] if b.get("aggregate_name") == "median"}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=DEFAULT_BINARY)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=15)
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary}: not built (cmake --preset bench && cmake --build --preset bench)")
    runs = [run(args.binary, args.repetitions) for _ in range(args.runs)]
    for durable in (0, 1):
        floors = ", ".join(
            f"{r['BM_HandWritten_Unnamed/durable:%d' % durable]['cpu_time'] / 1000:.1f}" for r in runs)
        print(f"durable = {durable}: ratio to the floor, one column per run "
              f"(the unnamed floor took {floors} µs)")
        for label, name, floor, key in ROWS:
            ratios = []
            for r in runs:
                ours, base = r[name.format(d=durable)], r[floor.format(d=durable)]
                ratios.append(f"{ours[key] / base[key]:.3f}")
            print(f"  {label:44} {'  '.join(ratios)}")


if __name__ == "__main__":
    main()
