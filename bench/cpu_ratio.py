#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CPU-time ratios to the floor for peers already built by the peer harness's run.sh.

On a shared machine the harness's wall-clock ratios swing by +-30% from round to round, because
the peers wait for a CPU. This reruns the same peer binaries (same protocol, same N, a fresh
directory and sync() before each run, order rotated every round) and also reports user and
system CPU time per op from wait4(), which waiting for a CPU does not inflate.

    python3 bench/cpu_ratio.py --build /tmp/bench-build --root /dev/shm --rounds 8 --n 100000
"""
import argparse
import os
import statistics
import subprocess
import tempfile

OFFERS = {
    "w1": [("p0_floor", "openat"), ("p1_glibc", "mkstemp"), ("p5_tempfile", "mkstemp")],
    "w3": [("p0_floor", "mkdirat"), ("p1_glibc", "mkdtemp"), ("p5_tempfile", "mkdtemp")],
}


def run_once(build, peer, workload, variant, n, root):
    scratch = tempfile.mkdtemp(prefix="r-", dir=root)
    os.sync()
    proc = subprocess.Popen([os.path.join(build, peer), "run", workload, variant, str(n), scratch],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    os.rmdir(scratch)  # fails loudly if the peer left anything behind
    if status != 0 or not out.startswith("ok "):
        raise RuntimeError(f"{peer} {workload} {variant}: status {status}, output {out!r}")
    per_op = 1e6 / n
    return {"wall": float(out.split()[1]) * per_op, "user": usage.ru_utime * per_op,
            "sys": usage.ru_stime * per_op}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="the BENCH_BUILD folder holding the built peers")
    ap.add_argument("--root", default="/dev/shm", help="where the per-run directories go")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--workloads", default="w1,w3")
    args = ap.parse_args()

    root = tempfile.mkdtemp(prefix="tfbench-cpu-", dir=args.root)
    try:
        results = {}
        for rnd in range(args.rounds):
            for workload in args.workloads.split(","):
                offers = OFFERS[workload]
                shift = rnd % len(offers)
                for peer, variant in offers[shift:] + offers[:shift]:
                    sample = run_once(args.build, peer, workload, variant, args.n, root)
                    results.setdefault((workload, peer, variant), []).append(sample)
    finally:
        os.rmdir(root)

    print(f"{args.rounds} rounds, N={args.n}, in {args.root}; medians over rounds, "
          "x floor = median of per-round ratios")
    print("| workload | peer / variant | wall us/op | wall x floor | CPU us/op (user + sys) "
          "| CPU x floor | CPU x floor range |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for workload in args.workloads.split(","):
        floor = results[(workload, *OFFERS[workload][0])]
        for peer, variant in OFFERS[workload]:
            rows = results[(workload, peer, variant)]

            def med(key):
                return statistics.median(r[key] for r in rows)

            cpu_ratios = [(r["user"] + r["sys"]) / (f["user"] + f["sys"]) for r, f in zip(rows, floor)]
            wall_ratio = statistics.median(r["wall"] / f["wall"] for r, f in zip(rows, floor))
            cpu = statistics.median(r["user"] + r["sys"] for r in rows)
            print(f"| {workload} | {peer} / {variant} | {med('wall'):.2f} | {wall_ratio:.2f} | "
                  f"{cpu:.2f} ({med('user'):.2f} + {med('sys'):.2f}) | "
                  f"{statistics.median(cpu_ratios):.2f} | {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f} |")


if __name__ == "__main__":
    main()
