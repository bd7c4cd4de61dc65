#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Measures tempfile beside its peers and regenerates the generated sections of docs/performance.md.

Steps (each can be skipped):
  1. builds the library and the bench programs (`cmake --preset bench`, `cmake --build --preset bench`);
  2. runs the peer benchmark harness, a separate checkout (--harness DIR, or $TEMPFILE_PEER_HARNESS),
     with bench/peers/p5_tempfile.cpp beside the harness's own peers: time per op, ratio to the floor
     in rotating rounds, system calls per op (strace);
  3. counts user-space instructions (callgrind) and heap allocations (valgrind's heap summary) per op
     for every C and C++ peer, as (count at N=1200 - count at N=200) / 1000 with no warm-up;
  4. with --scale, runs build/bench/bench/bench_scale: tree removal of 10^3 to 10^6 entries, 10^5
     live NamedTemporaryFiles, exit cleanup, 1 GiB through a SpooledTemporaryFile, 1 vs 2 threads;
  5. writes the tables between the `<!-- peers:begin -->`/`<!-- peers:end -->` and
     `<!-- scale:begin -->`/`<!-- scale:end -->` markers of docs/performance.md and plots them with
     gnuplot into docs/performance-peers.png and docs/performance-scale.png.

    bench/peers.py --harness DIR --scale     # the full run (about 10 min on 2 busy cores)
    bench/peers.py --harness DIR --quick     # smoke test, a few minutes
    bench/peers.py --scale-only              # only the scale runs
    bench/peers.py --render-only             # the docs again from the last run's saved results

--quick writes its report under the build tree (peer-report/) and leaves docs/ alone unless --write-docs.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, "docs", "performance.md")
PEERS_PNG = "performance-peers.png"
SCALE_PNG = "performance-scale.png"

# Readable names for the harness's peer files (its file stems), in table order.
PEER_NAMES = {
    "p0_floor": "floor (raw system calls)",
    "p1_glibc": "glibc",
    "p1x_libstdcxx": "libstdc++",
    "p2_cpython": "CPython",
    "p3_rust_tempfile": "Rust tempfile",
    "p4_go": "Go",
    "p5_tempfile": "**tempfile**",
}
OURS = "p5_tempfile"
FLOOR = "p0_floor"
WORKLOAD_TITLES = {
    "w1": "W1: named file, create + write 4 KiB + close + unlink",
    "w2": "W2: file with no name, create + write 4 KiB + close",
    "w3": "W3: empty directory, create + remove",
    "w4tree": "W4a: remove a tree (per file)",
    "w4flat": "W4b: remove a flat directory (per file)",
    "w5mem": "W5a: spooled file in memory, 64 x 1 KiB written and read back",
    "w5roll": "W5b: the same, rolling over to a file at 32 KiB",
    "w6": "W6: W1 from 2 threads, N ops in total",
}
# Workloads whose per-op instruction and allocation counts are taken (W4a's tree shape makes a
# per-file figure the same as W4b's; the harness counts W4b's system calls for the same reason).
VALGRIND_WORKLOADS = ["w1", "w2", "w3", "w4flat", "w5mem", "w5roll", "w6"]
# Variants whose work happens in another process, which valgrind does not follow.
CHILD_PROCESS_VARIANTS = {("p1_glibc", "rm_rf")}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("+ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


def first_line(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             shell=isinstance(cmd, str)).stdout.strip()
        return out.splitlines()[0] if out else "n/a"
    except OSError:
        return "n/a"


def fs_type(path):
    out = subprocess.run(["df", "-T", path], stdout=subprocess.PIPE, text=True).stdout.splitlines()
    return out[-1].split()[1] if len(out) > 1 else "?"


def machine(fs_roots):
    cpu = first_line("lscpu | sed -n 's/^Model name: *//p'")
    commit = first_line(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    return {
        "date": datetime.date.today().strftime("%-d %B %Y"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "fs": ", ".join(f"`{root}` ({fs_type(root)})" for root in fs_roots.values()),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "compiler": first_line(["g++", "--version"]),
        "load_start": os.getloadavg(),
        "loads": [os.getloadavg()[0]],
    }


# ---------------------------------------------------------------- build
def build(args):
    run(["cmake", "--preset", "bench"], cwd=REPO, stdout=subprocess.DEVNULL)
    run(["cmake", "--build", "--preset", "bench", "-j", str(args.jobs)], cwd=REPO, stdout=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(args.build, "libtempfile.a")):
        sys.exit(f"no libtempfile.a in {args.build}: the bench preset builds it there")


# ---------------------------------------------------------------- the harness
def run_harness(args, work):
    """Runs the harness's runner with our peers beside its own; returns its results directory."""
    runner = os.path.join(args.harness, "harness", "runner.py")
    if not os.path.exists(runner):
        sys.exit(f"{args.harness} is not the peer benchmark harness (no harness/runner.py)")
    env = dict(os.environ, BENCH_BUILD=work["peer_build"], TEMPFILE_SRC=REPO, TEMPFILE_BUILD=args.build)
    cmd = [sys.executable, runner, "--peers", os.path.join(REPO, "bench", "peers"), "--out", work["results"],
           "--fs", args.fs]
    if args.quick:
        cmd.append("--quick")
    else:
        cmd += ["--repeats", str(args.repeats), "--w4-repeats", str(min(args.repeats, args.w4_repeats))]
    if args.n:
        cmd += ["--n", str(args.n)]
    if args.workloads:
        cmd += ["--workloads", args.workloads]
    with open(os.path.join(work["out"], "harness-report.md"), "w") as report:
        run(cmd, env=env, stdout=report)
    return os.path.realpath(os.path.join(work["results"], "latest"))


def load_results(results_dir):
    with open(os.path.join(results_dir, "summary.json")) as f:
        summary = json.load(f)
    # The harness lists the peers it could not build only in its report.
    with open(os.path.join(results_dir, "report.md")) as f:
        report = f.read()
    section = report.split("### Peers not available", 1)[1].split("###", 1)[0] if "### Peers not available" in report else ""
    summary["unavailable"] = [line[:200] for line in section.strip().splitlines() if line.startswith("- ")]
    raw = []
    with open(os.path.join(results_dir, "raw.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            if "secs" in rec:
                raw.append(rec)
    return summary, raw


# ---------------------------------------------------------------- valgrind
def peer_binaries(args, peer_build):
    """The C and C++ peers the harness built: {stem: path}."""
    sources = [os.path.join(args.harness, "peers"), os.path.join(REPO, "bench", "peers")]
    found = {}
    for d in sources:
        for name in sorted(os.listdir(d)):
            stem, ext = os.path.splitext(name)
            exe = os.path.join(peer_build, stem)
            if ext in (".c", ".cpp", ".cc") and os.access(exe, os.X_OK):
                found[stem] = exe
    return found


def offers(exe):
    out = subprocess.run([exe, "list"], stdout=subprocess.PIPE, text=True).stdout
    return [tuple(line.split(None, 2)[:2]) for line in out.splitlines() if len(line.split()) >= 2]


def one_valgrind(tool_args, exe, workload, variant, n, root, mktree):
    holder = tempfile.mkdtemp(prefix="vg-", dir=root)
    try:
        target = holder
        if workload.startswith("w4"):
            target = os.path.join(holder, "tree")
            subprocess.run([mktree, target, "0", str(n), "0"], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, BENCH_WARMUP="0", TMPDIR=holder)
        r = subprocess.run(["valgrind", *tool_args, exe, "run", workload, variant, str(n), target],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        if r.returncode != 0 or not r.stdout.startswith("ok"):
            raise RuntimeError(f"{exe} {workload} {variant} {n}: {r.stdout[-300:]} {r.stderr[-600:]}")
        return r.stderr
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def count_per_op(exe, workload, variant, ns, root, mktree):
    small, large = ns
    instr, allocs = {}, {}
    for n in ns:
        err = one_valgrind(["--tool=callgrind", "--callgrind-out-file=/dev/null"], exe, workload, variant, n,
                           root, mktree)
        instr[n] = int(re.search(r"Collected : (\d+)", err).group(1))
        err = one_valgrind(["--tool=memcheck", "--leak-check=no"], exe, workload, variant, n, root, mktree)
        allocs[n] = int(re.search(r"total heap usage: ([\d,]+) allocs", err).group(1).replace(",", ""))
    span = large - small
    return {"instr": (instr[large] - instr[small]) / span, "allocs": (allocs[large] - allocs[small]) / span}


def run_valgrind(args, work, fs_roots):
    if not shutil.which("valgrind"):
        log("valgrind not installed: instruction and allocation counts left out")
        return {}
    root = next(iter(fs_roots.values()))
    mktree = os.path.join(work["peer_build"], "mktree")
    wanted = set((args.workloads or ",".join(VALGRIND_WORKLOADS)).split(","))
    counts = {}
    for stem, exe in peer_binaries(args, work["peer_build"]).items():
        for workload, variant in offers(exe):
            if workload not in VALGRIND_WORKLOADS or workload not in wanted:
                continue
            if (stem, variant) in CHILD_PROCESS_VARIANTS:
                continue
            try:
                c = count_per_op(exe, workload, variant, args.valgrind_n, root, mktree)
            except (RuntimeError, AttributeError, subprocess.CalledProcessError) as failure:
                log(f"  valgrind {stem} {workload} {variant}: {failure}")
                continue
            counts[f"{workload}|{stem}|{variant}"] = c
            log(f"  valgrind {workload} {stem}/{variant}: {c['instr']:,.0f} instr/op, {c['allocs']:g} allocs/op")
    return counts


# ---------------------------------------------------------------- system calls the harness leaves out
# The harness counts system calls for W1-W3, W4b and W5b only; W5a (in memory: is it really none?)
# and W6 (the same per op from two threads?) are counted here the same way, for every peer.
EXTRA_STRACE_WORKLOADS = ["w5mem", "w6"]
STRACE_LINE = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?([a-z_0-9]+)\s*$")


def peer_argv(args, peer_build, stem):
    """How the harness runs a peer it built, or None."""
    for exe in (os.path.join(peer_build, stem), os.path.join(peer_build, "rust", "target", "release", stem)):
        if os.access(exe, os.X_OK) and os.path.isfile(exe):
            return [exe]
    script = os.path.join(args.harness, "peers", stem + ".py")
    if os.path.exists(script):
        return [os.environ.get("BENCH_PYTHON") or shutil.which("python3") or sys.executable, script]
    return None


def strace_per_op(argv, workload, variant, ns, root):
    per = {}
    for n in ns:
        holder = tempfile.mkdtemp(prefix="st-", dir=root)
        out = os.path.join(holder, ".strace")
        try:
            env = dict(os.environ, BENCH_WARMUP="0", TMPDIR=holder)
            r = subprocess.run(["strace", "-f", "-c", "-o", out, *argv, "run", workload, variant, str(n), holder],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            if r.returncode != 0 or not r.stdout.startswith("ok"):
                raise RuntimeError(f"{argv[-1]} {workload} {variant} {n}: {r.stdout[-200:]} {r.stderr[-300:]}")
            counts = {}
            with open(out) as f:
                for line in f:
                    m = STRACE_LINE.match(line)
                    if m and m.group(3) != "total":
                        counts[m.group(3)] = counts.get(m.group(3), 0) + int(m.group(1))
            per[n] = counts
        finally:
            shutil.rmtree(holder, ignore_errors=True)
    small, large = ns
    diff = {}
    for name in set(per[small]) | set(per[large]):
        d = (per[large].get(name, 0) - per[small].get(name, 0)) / (large - small)
        if abs(d) >= 0.005:
            diff[name] = round(d, 3)
    return {"total": round(sum(d for d in diff.values() if d >= 0.9), 2),
            "other": round(sum(d for d in diff.values() if d < 0.9), 2),
            "calls": dict(sorted(diff.items(), key=lambda kv: -kv[1]))}


def run_extra_strace(args, work, fs_roots, summary):
    if not shutil.which("strace"):
        return []
    root = next(iter(fs_roots.values()))
    ns = summary["args"]["strace_n"]
    rows = []
    offered = sorted({(r["workload"], r["peer"], r["variant"]) for r in summary["summary"]
                      if r["workload"] in EXTRA_STRACE_WORKLOADS})
    for workload, stem, variant in offered:
        argv = peer_argv(args, work["peer_build"], stem)
        if argv is None:
            continue
        try:
            row = strace_per_op(argv, workload, variant, ns, root)
        except RuntimeError as failure:
            log(f"  strace {workload} {stem}/{variant}: {failure}")
            continue
        rows.append({"workload": workload, "peer": stem, "variant": variant, **row})
        log(f"  strace {workload} {stem}/{variant}: {row['total']} per op (+{row['other']})")
    return rows


# ---------------------------------------------------------------- scale
def run_scale(args, work):
    exe = os.path.join(args.build, "bench", "bench_scale")
    if not os.access(exe, os.X_OK):
        sys.exit(f"{exe} missing: build the bench preset first")
    quick = args.quick
    plan = [("rmtree", k) for k in ([10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6])]
    plan += [("rmtree-deep", 200 if quick else 2000)]
    plan += [("live", 10**4 if quick else 10**5)]
    plan += [("exit", k) for k in ([10**3, 10**4] if quick else [10**3, 10**4, 3 * 10**4, 10**5])]
    plan += [("spooled", (64 << 20) if quick else (1 << 30))]
    plan += [("threads", 2000 if quick else 50000)]
    rows = []
    for mode, count in plan:
        scratch = tempfile.mkdtemp(prefix="scale-", dir=args.scale_dir)
        try:
            start = datetime.datetime.now()
            r = subprocess.run([exe, mode, str(count), scratch], stdout=subprocess.PIPE, text=True)
            took = (datetime.datetime.now() - start).total_seconds()
            if r.returncode != 0:
                log(f"  scale {mode} {count}: failed ({r.returncode})")
                continue
            for line in r.stdout.splitlines():
                row = json.loads(line)
                row["run_seconds"] = took
                rows.append(row)
                log(f"  scale {line}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return rows


# ---------------------------------------------------------------- rendering
def load_text(info):
    loads = info["loads"]
    return (f"Load average (1 min) {min(loads):.1f} to {max(loads):.1f} over the run, taken between its steps: "
            "other programs shared the machine, so single ratios move by about ±0.1.")


def fmt(x, digits=2):
    if x is None:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def peer_label(stem, variant):
    name = PEER_NAMES.get(stem, stem)
    return f"{name} `{variant}`"


def per_round_ratio(raw, workload, fs, a, b):
    """Median over rounds of (a's time / b's time in the same round): holds when the machine drifts."""
    by_round = {}
    for rec in raw:
        if rec["workload"] == workload and rec["fs"] == fs:
            by_round.setdefault(rec["round"], {})[(rec["peer"], rec["variant"])] = rec["secs"]
    ratios = [r[a] / r[b] for r in by_round.values() if a in r and b in r]
    return statistics.median(ratios) if ratios else None


def render_peers(args, summary, raw, counts, info, fs_roots):
    rows = summary["summary"]
    strace = {(s["workload"], s["peer"], s["variant"]): s
              for s in summary.get("strace", []) + counts.get("strace", [])}
    hargs = summary["args"]
    L = []
    L.append(f"Generated by `bench/peers.py` on {info['date']}; commit {info['commit']}. "
             f"Machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}, {info['compiler']}; "
             f"file systems: {info['fs']}. {load_text(info)}")
    L.append("")
    L.append(f"Harness: {hargs['repeats']} rounds (W4: {min(hargs['w4_repeats'], hargs['repeats'])}), "
             f"N = {hargs['n']:,} (W1–W3, W6), {hargs['n_mem']:,} (W5a), {hargs['n_roll']:,} (W5b); W4 trees "
             f"{hargs['tree_dirs']:,} × {hargs['tree_files']:,} and {hargs['flat_files']:,} flat files. "
             "Time: median over rounds, in the peer around its timed loop after a warm-up. "
             "**× floor** and **ours ÷ peer**: median over rounds of the two programs' times in the same "
             "round (each round runs every peer back to back in a rotated order). Spread: min/median–max/median. "
             f"System calls: strace -f, (N = {hargs['strace_n'][1]:,} − N = {hargs['strace_n'][0]:,}) / "
             f"{hargs['strace_n'][1] - hargs['strace_n'][0]:,}, calls made on every op (amortised ones, such as "
             "`getrandom` refills and runtime threads, in brackets). Instructions (user space) and allocations: "
             f"callgrind and valgrind's heap summary, (N = {args.valgrind_n[1]:,} − N = {args.valgrind_n[0]:,}) / "
             f"{args.valgrind_n[1] - args.valgrind_n[0]:,}, no warm-up, C and C++ programs only (W4: per file of "
             "a flat directory).")
    if args.note:
        L.append("")
        L.append(args.note)
    L.append("")
    L.append(f"![Time per op, × the floor, per workload and peer]({PEERS_PNG})")
    L.append("")
    fss = list(fs_roots)
    for workload in [w for w in WORKLOAD_TITLES if any(r["workload"] == w for r in rows)]:
        for fs in fss:
            here = [r for r in rows if r["workload"] == workload and r["fs"] == fs]
            if not here:
                continue
            unit = "µs/file" if workload.startswith("w4") else "µs/op"
            L.append(f"### {WORKLOAD_TITLES[workload]} ({fs})")
            L.append("")
            L.append(f"| peer / variant | {unit} | × floor | spread | system calls | instructions | allocations |")
            L.append("|---|---:|---:|---|---:|---:|---:|")
            order = list(PEER_NAMES)
            here.sort(key=lambda r: (order.index(r["peer"]) if r["peer"] in order else 99, r["variant"]))
            for r in here:
                s = strace.get(("w4flat" if workload == "w4tree" else workload, r["peer"], r["variant"]))
                calls = "–"
                if s and workload != "w4tree":
                    calls = f"{s['total']:g}" + (f" (+{s['other']:g})" if s["other"] > 0.004 else "")
                c = counts.get(f"{workload}|{r['peer']}|{r['variant']}")
                if (r["peer"], r["variant"]) in CHILD_PROCESS_VARIANTS:
                    instr = allocs = "in a child"
                elif c:
                    instr, allocs = f"{c['instr']:,.0f}", f"{c['allocs']:.3g}"
                else:
                    instr = allocs = "–"
                spread = f"{r['min_s'] / r['median_s']:.2f}–{r['max_s'] / r['median_s']:.2f}"
                L.append(f"| {peer_label(r['peer'], r['variant'])} | {fmt(r['us_per_op'])} | "
                         f"{fmt(r['ratio_to_floor'])} | {spread} | {calls} | {instr} | {allocs} |")
            L.append("")
            ours = [r for r in here if r["peer"] == OURS]
            others = [r for r in here if r["peer"] not in (OURS, FLOOR)]
            if ours and others:
                L.append("| ours ÷ peer | " + " | ".join(peer_label(o["peer"], o["variant"]) for o in others) + " |")
                L.append("|---|" + "---:|" * len(others))
                for o in ours:
                    cells = [fmt(per_round_ratio(raw, workload, fs, (OURS, o["variant"]), (p["peer"], p["variant"])))
                             for p in others]
                    L.append(f"| `{o['variant']}` | " + " | ".join(cells) + " |")
                L.append("")
    # W6 against W1, per peer: what a second thread buys.
    scaling = []
    for r in rows:
        if r["workload"] != "w6":
            continue
        base = [b for b in rows if b["workload"] == "w1" and b["fs"] == r["fs"] and b["peer"] == r["peer"]
                and r["variant"].startswith(b["variant"])]
        if base:
            b = max(base, key=lambda x: len(x["variant"]))
            scaling.append(f"| {peer_label(r['peer'], r['variant'])} | {r['fs']} | {fmt(b['us_per_op'])} | "
                           f"{fmt(r['us_per_op'])} | {b['us_per_op'] / r['us_per_op']:.2f} |")
    if scaling:
        L.append("### W6 against W1: two threads (processes for CPython) sharing the work")
        L.append("")
        L.append("| peer / variant | fs | W1 µs/op | W6 µs/op | speed-up (2.0 = perfect) |")
        L.append("|---|---|---:|---:|---:|")
        L.extend(scaling)
        L.append("")
    if summary.get("unavailable"):
        L.append("Peers the harness could not build or run (its report says why):")
        L.extend(summary["unavailable"])
        L.append("")
    return "\n".join(L).rstrip() + "\n"


def render_scale(args, rows, info):
    L = []
    L.append(f"Generated by `bench/peers.py --scale` on {info['date']}; commit {info['commit']}. "
             f"Machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}; "
             f"`{args.scale_dir}` ({fs_type(args.scale_dir)}); one process per run "
             "(`bench/scale.cpp`, Release build), so each peak RSS belongs to its run. " + load_text(info))
    if args.note:
        L.append("")
        L.append(args.note)
    L.append("")
    L.append(f"![Scale curves]({SCALE_PNG})")
    L.append("")
    trees = [r for r in rows if r["mode"] == "rmtree"]
    if trees:
        L.append("**Tree removal** (`tempfile::rmtree`; each directory holds up to 100 empty files and 10 "
                 "subdirectories, filled breadth first; the deep row is a chain of directories with one file "
                 "at each level). Peak descriptors: the process's open descriptors, sampled every 50 µs from "
                 "another thread during the removal (the remover keeps at most 16 directory descriptors open).")
        L.append("")
        L.append("| tree | entries | removal (wall) | ns per entry, wall | ns per entry, CPU | RSS before → peak | "
                 "open descriptors before → peak | whole run (build + removal) |")
        L.append("|---|---:|---:|---:|---:|---|---|---:|")
        for r in trees:
            L.append(f"| {r['shape']} | {r['entries']:,} | {r['seconds']:.3f} s | {r['ns_per_entry']:,.0f} | "
                     f"{r['cpu_ns_per_entry']:,.0f} | {r['rss_before_kib'] / 1024:.1f} → "
                     f"{r['peak_rss_kib'] / 1024:.1f} MiB | {r['descriptors_before']} → {r['peak_descriptors']} "
                     f"({r['fd_samples']:,} samples) | {r['run_seconds']:.1f} s |")
        L.append("")
        L.append("CPU is the removing thread's own time (`CLOCK_THREAD_CPUTIME_ID`), which waiting for a CPU "
                 "does not inflate. RSS before is what the tree builder left resident.")
        L.append("")
    live = [r for r in rows if r["mode"] == "live"]
    if live:
        L.append(f"**{live[0]['total']:,} live `NamedTemporaryFile`s in one process**, each registered for "
                 "exit cleanup and closed at once with `delete_on_close = false` (it keeps its file and its "
                 "registration until it dies, but no descriptor: the descriptor limit here is "
                 f"{_nofile():,}); created in blocks of 100 and destroyed oldest first. CPU time per object "
                 "(the thread's), the median of the blocks between half the number live and it, beside "
                 "`mkstemp()` + `close()` and `unlink()` of as many files (no object, no registration: the "
                 "kernel's share of any growth):")
        L.append("")
        L.append("| live | ns per creation (+ close) | ns per destruction | `mkstemp` + `close`, ns | `unlink`, ns |")
        L.append("|---:|---:|---:|---:|---:|")
        for r in live:
            L.append(f"| {r['live']:,} | {r['ns_per_create']:,.0f} | {r['ns_per_destroy']:,.0f} | "
                     f"{r['raw_ns_per_create']:,.0f} | {r['raw_ns_per_destroy']:,.0f} |")
        L.append("")
        L.append(f"Peak RSS with {live[-1]['total']:,} live: {live[-1]['peak_rss_kib'] / 1024:.0f} MiB "
                 f"({live[-1]['peak_rss_kib'] * 1024 / live[-1]['total']:,.0f} bytes per object, all included).")
        L.append("")
    exits = [r for r in rows if r["mode"] == "exit"]
    if exits:
        L.append("**Exit cleanup**: a child creates K `NamedTemporaryFile`s (closed, as above), leaves them alive and calls "
                 "`exit()`; timed from `exit()` to the parent's `waitpid` (the library's exit handler checks and "
                 "unlinks each file). Creation includes the `close()`.")
        L.append("")
        L.append("| K | exit to reaped | per file | creation, per file | left in the directory |")
        L.append("|---:|---:|---:|---:|---:|")
        for r in exits:
            L.append(f"| {r['files']:,} | {r['exit_seconds'] * 1e3:,.1f} ms | {r['ns_per_file']:,.0f} ns | "
                     f"{r['create_ns_per_file']:,.0f} ns | {r['left']} |")
        L.append("")
    spooled = [r for r in rows if r["mode"] == "spooled"]
    for r in spooled:
        L.append(f"**{r['bytes'] / 2**30:g} GiB through a `SpooledTemporaryFile`** (`max_size` "
                 f"{r['max_size'] >> 20} MiB, 64 KiB writes, then `seek(0)` and 64 KiB `readinto()`s; "
                 f"rolled over: {'yes' if r['rolled'] else 'no'}): write {r['write_gib_s']:.2f} GiB/s, read "
                 f"{r['read_gib_s']:.2f} GiB/s; peak RSS {r['rss_before_kib'] / 1024:.1f} MiB before, "
                 f"{r['rss_after_write_kib'] / 1024:.1f} MiB after writing, {r['peak_rss_kib'] / 1024:.1f} MiB "
                 "at the end.")
        L.append("")
    threads = [r for r in rows if r["mode"] == "threads"]
    if threads:
        L.append(f"**1 thread against 2** (W1 in one process, then W6: the same N = {threads[0]['n']:,} ops "
                 "shared by two threads):")
        L.append("")
        L.append("| variant | 1 thread, ns/op | 2 threads, ns/op | speed-up (2.0 = perfect) |")
        L.append("|---|---:|---:|---:|")
        for r in threads:
            L.append(f"| `{r['variant']}` | {r['ns_per_op_1']:,.0f} | {r['ns_per_op_2']:,.0f} | "
                     f"{r['ns_per_op_1'] / r['ns_per_op_2']:.2f} |")
        L.append("")
    return "\n".join(L).rstrip() + "\n"


def replace_section(text, name, body):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        sys.exit(f"docs/performance.md has no {begin} ... {end} markers")
    return pattern.sub(lambda _: f"{begin}\n{body}{end}", text)


# ---------------------------------------------------------------- plots
def gnuplot(script):
    if not shutil.which("gnuplot"):
        log("gnuplot not installed (apt-get install gnuplot-nox): no plot")
        return False
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return True


def plot_peers(summary, png, work):
    rows = [r for r in summary["summary"] if r["ratio_to_floor"] is not None and r["peer"] != FLOOR]
    fs = summary["summary"][0]["fs"] if summary["summary"] else "tmpfs"
    rows = [r for r in rows if r["fs"] == fs]
    order = list(PEER_NAMES)
    data = os.path.join(work["out"], "peers.dat")
    with open(data, "w") as f:
        x = 0
        for workload in WORKLOAD_TITLES:
            here = sorted((r for r in rows if r["workload"] == workload),
                          key=lambda r: (order.index(r["peer"]) if r["peer"] in order else 99, r["variant"]))
            for r in here:
                color = order.index(r["peer"]) if r["peer"] in order else 7
                label = f"{workload} {PEER_NAMES.get(r['peer'], r['peer']).strip('*').split(' ')[0]} {r['variant']}"
                f.write(f'{x} "{label}" {r["ratio_to_floor"]:.4f} {color}\n')
                x += 1
            x += 1  # a gap between workloads
    gnuplot(f"""
set terminal pngcairo size 1400,820 font ',9' noenhanced
set output '{png}'
set title 'Time per op as a multiple of the floor (raw system calls), {fs}; tempfile in red'
set logscale y 2
set yrange [0.5:*]
set ylabel '× floor (log scale)'
set xtics rotate by 60 right nomirror
set grid ytics
set style fill solid 0.85 border -1
set boxwidth 0.8
set key off
set bmargin 21
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
colour(c) = c == 6 ? 0xd62728 : c == 1 ? 0x1f77b4 : c == 2 ? 0x17becf : c == 3 ? 0x2ca02c : c == 4 ? 0xff7f0e : c == 5 ? 0x9467bd : 0x7f7f7f
plot '{data}' using 1:3:(colour($4)):xtic(2) with boxes lc rgb variable
""")


def plot_scale(rows, png, work):
    def write(name, lines):
        path = os.path.join(work["out"], name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path
    trees = write("rmtree.dat", [f"{r['entries']} {r['ns_per_entry']:.1f} "
                                 f"{(r['peak_rss_kib'] - r['rss_before_kib']) / 1024:.2f} "
                                 f"{r['cpu_ns_per_entry']:.1f} "
                                 f"{r['peak_descriptors']}" for r in rows if r["mode"] == "rmtree" and r["shape"] == "wide"])
    live = write("live.dat", [f"{r['live']} {r['ns_per_create']:.1f} {r['ns_per_destroy']:.1f} "
                              f"{r['raw_ns_per_create']:.1f} {r['raw_ns_per_destroy']:.1f}"
                              for r in rows if r["mode"] == "live"])
    exits = write("exit.dat", [f"{r['files']} {r['exit_seconds'] * 1e3:.3f} {r['ns_per_file']:.1f}"
                               for r in rows if r["mode"] == "exit"])
    threads = write("threads.dat", [f"\"{r['variant']}\" {r['ns_per_op_1']:.1f} {r['ns_per_op_2']:.1f}"
                                    for r in rows if r["mode"] == "threads"])
    gnuplot(f"""
set terminal pngcairo size 1200,850 font ',9' noenhanced
set output '{png}'
set multiplot layout 2,2 title 'tempfile at scale (flat lines = constant cost per item)'
set grid
set logscale x 10
set format x '%.0e'
set title 'rmtree: time per entry and what the removal adds to RSS'
set xlabel 'entries in the tree'
set ylabel 'ns per entry'
set y2label 'peak RSS during the removal - RSS before, MiB'
set yrange [0:*]
set y2range [0:2]
set ytics nomirror
set y2tics
set key bottom right
plot '{trees}' using 1:2 with linespoints lw 2 title 'ns per entry (wall)', \\
     '{trees}' using 1:4 with linespoints lw 2 title 'ns per entry (CPU)', \\
     '{trees}' using 1:3 axes x1y2 with linespoints dt 2 title 'RSS added (MiB)'
unset y2label
unset y2tics
set ytics mirror
set title 'NamedTemporaryFile with many alive: CPU time per object'
set xlabel 'objects alive'
set ylabel 'ns per object'
set yrange [0:*]
plot '{live}' using 1:2 with linespoints lw 2 title 'creation + close', \\
     '{live}' using 1:3 with linespoints lw 2 title 'destruction', \\
     '{live}' using 1:4 with linespoints dt 2 title 'mkstemp + close', \\
     '{live}' using 1:5 with linespoints dt 2 title 'unlink'
set title 'exit cleanup of K live NamedTemporaryFiles'
set xlabel 'K'
set ylabel 'ms from exit() to reaped'
set logscale y 10
set yrange [*:*]
plot '{exits}' using 1:2 with linespoints lw 2 title 'measured', \\
     '{exits}' using 1:($1 * 1e-6 * {_per_file_at_largest_k(rows)}) with lines dt 2 title 'linear through the largest K'
unset logscale
unset format x
set title '1 thread against 2 (W1 against W6)'
set xlabel ''
set ylabel 'ns per op'
set yrange [0:*]
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set xtics nomirror
set key top right
plot '{threads}' using 2:xtic(1) title '1 thread', '' using 3 title '2 threads'
unset multiplot
""")


def _nofile():
    import resource
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _per_file_at_largest_k(rows):
    """ns per file at the largest K: at small K the process's fixed exit cost dominates."""
    exits = [r for r in rows if r["mode"] == "exit"]
    return exits[-1]["ns_per_file"] if exits else 0


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", default=os.environ.get("TEMPFILE_PEER_HARNESS"),
                    help="the peer benchmark harness checkout (default $TEMPFILE_PEER_HARNESS)")
    ap.add_argument("--build", default=os.path.join(REPO, "build", "bench"), help="the bench preset's tree")
    ap.add_argument("--no-build", action="store_true", help="use the library already built")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="smoke test: 1 round, small N, small scale runs")
    ap.add_argument("--repeats", type=int, default=5, help="harness rounds (default 5)")
    ap.add_argument("--w4-repeats", type=int, default=3, help="harness rounds for W4 (default 3)")
    ap.add_argument("--n", type=int, help="harness ops per run for W1-W3, W6 (its default: 50,000)")
    ap.add_argument("--workloads", help="harness workloads, comma-separated (default: all)")
    ap.add_argument("--fs", default="tmpfs=/dev/shm", help="harness NAME=DIR scratch roots (default tmpfs=/dev/shm)")
    ap.add_argument("--no-valgrind", action="store_true")
    ap.add_argument("--valgrind-n", default="200,1200", help="the two N for instruction and allocation counts")
    ap.add_argument("--scale", action="store_true", help="also run the scale runs")
    ap.add_argument("--scale-only", action="store_true", help="only the scale runs (no harness)")
    ap.add_argument("--scale-dir", default="/dev/shm", help="where the scale runs work (default /dev/shm)")
    ap.add_argument("--from-results", metavar="DIR", help="render from a harness results directory already made")
    ap.add_argument("--render-only", action="store_true",
                    help="no runs: render the last run's harness results, counts and scale rows again")
    ap.add_argument("--write-docs", action="store_true", help="with --quick: update docs/ all the same")
    ap.add_argument("--note", default="", help="a sentence added under each generated heading (e.g. the load)")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.valgrind_n = [int(x) for x in args.valgrind_n.split(",")]
    if args.quick:
        args.valgrind_n = [50, 250]
    peers_wanted = not args.scale_only
    if args.render_only:
        args.no_build = True
    if peers_wanted and not args.harness and not args.render_only:
        sys.exit("where is the peer benchmark harness? pass --harness DIR or set TEMPFILE_PEER_HARNESS")
    if args.harness:
        args.harness = os.path.abspath(args.harness)
    try:
        os.nice(-5)  # the runs share the machine: ask for a little priority, if allowed
    except OSError:
        pass

    out = os.path.join(args.build, "peer-report")
    work = {"out": out, "peer_build": os.path.join(args.build, "peer-harness"),
            "results": os.path.join(args.build, "peer-results")}
    os.makedirs(out, exist_ok=True)
    write_docs = not args.quick or args.write_docs
    docs_dir = os.path.dirname(DOC) if write_docs else out
    fs_roots = dict(spec.split("=", 1) for spec in args.fs.split(","))
    info = machine(fs_roots)
    if not args.no_build:
        build(args)

    saved_info = os.path.join(out, "machine.json")
    if args.render_only:
        with open(saved_info) as f:
            info = json.load(f)  # the machine, date and load of the run being rendered
    doc = open(DOC).read()
    if peers_wanted:
        saved_counts = os.path.join(out, "counts.json")
        if args.render_only:
            results = os.path.realpath(os.path.join(work["results"], "latest"))
            with open(saved_counts) as f:
                counts = json.load(f)
            summary, raw = load_results(results)
        else:
            results = args.from_results or run_harness(args, work)
            info["loads"].append(os.getloadavg()[0])
            summary, raw = load_results(results)
            counts = {} if args.no_valgrind else run_valgrind(args, work, fs_roots)
            counts["strace"] = run_extra_strace(args, work, fs_roots, summary)
            with open(saved_counts, "w") as f:
                json.dump(counts, f, indent=1)
            info["loads"].append(os.getloadavg()[0])
        body = render_peers(args, summary, raw, counts, info, fs_roots)
        with open(os.path.join(out, "peers.md"), "w") as f:
            f.write(body)
        doc = replace_section(doc, "peers", body)
        plot_peers(summary, os.path.join(docs_dir, PEERS_PNG), work)
    saved_rows = os.path.join(out, "scale.json")
    if args.scale or args.scale_only or (args.render_only and os.path.exists(saved_rows)):
        if args.render_only:
            with open(saved_rows) as f:
                rows = json.load(f)
        else:
            rows = run_scale(args, work)
            with open(saved_rows, "w") as f:
                json.dump(rows, f, indent=1)
            info["loads"].append(os.getloadavg()[0])
        body = render_scale(args, rows, info)
        with open(os.path.join(out, "scale.md"), "w") as f:
            f.write(body)
        doc = replace_section(doc, "scale", body)
        plot_scale(rows, os.path.join(docs_dir, SCALE_PNG), work)
    if not args.render_only:
        with open(saved_info, "w") as f:
            json.dump(info, f, indent=1)
    if write_docs:
        with open(DOC, "w") as f:
            f.write(doc)
        log(f"updated {os.path.relpath(DOC, REPO)} and its plots")
    else:
        with open(os.path.join(out, "performance.md"), "w") as f:
            f.write(doc)
        log(f"quick run: report in {out} (docs/ untouched; --write-docs to update them)")


if __name__ == "__main__":
    main()
