#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Asserts the exact system calls per operation of one workload: straces syscall_driver at two N,
# subtracts the per-syscall counts (start-up and the warm-up op cancel) and compares with a table.
"""Count the system calls per op of a syscall_driver workload and compare them exactly.

Method (docs/performance.md, "System calls per operation"): trace the whole driver with
`strace -f` at N=200 and at N=1200 ops, count the calls of each name, subtract, divide by the
1000 ops in between. The driver runs one warm-up op before counting, so everything lazily
initialised (gettempdir's cache, feature probes, the first random refill) is paid in both runs.

Random refills are the one amortised cost: names come from a 256-byte buffer of kernel random
bytes, rejection-sampled, so a refill lands about every 28 names at a point that depends on the
bytes drawn. Their calls (getrandom; in the portable build the open/read/close of /dev/urandom,
found by following the descriptor in the trace) are taken out of the exact table and checked
separately: a rate within a range for workloads that make names, exactly 0 for those that don't.

Exit status: 0 pass, 1 mismatch or error, 77 skipped (no strace, or ptrace not permitted).
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
SMALL_N = 200
LARGE_N = 1200

# Calls per op, exactly, for each build. "linux" uses getrandom and O_TMPFILE; "portable"
# (-DTEMPFILE_PORTABLE=ON) has neither, so TemporaryFile creates a named file and unlinks it.
#
# The TemporaryDirectory workloads: creating one is mkdirat, openat (the held root), statx of it
# (its identity, recorded so that no remover ever walks the descriptor once it is something
# else) and flock; removing an empty one is unlinkat(AT_REMOVEDIR) and one statx of the held
# root (still the recorded directory? no name left?), then the root's close. The tree (3 files,
# and "sub" with 1 file) also costs the driver 4 openat + 4 close (its files) and a mkdir; its
# removal is the one failed unlinkat that buys the empty fast path, the statx of the held root
# (which also gives the walk the root's mount), then the walk and nothing else:
# openat(root, "."), getdents64 to the end, 3 unlinkat; openat and statx of "sub", getdents64 to
# the end, 1 unlinkat, close, unlinkat of "sub"; statx of the root's name (still ours?) and its
# unlinkat; close of the walk's descriptor and of the held root.
# docs/temporary-directory.md ("Costs") says what each of the empty one's 7 calls buys, and which
# test each statx keeps passing.
EXPECTED = {
    "linux": {
        "w1-mkstemp": {"openat": 1, "write": 1, "close": 1, "unlink": 1},
        # NamedTemporaryFile: the shared flock that keeps tmp cleaners away, statx of the new
        # descriptor (its identity) and of its name just before the unlinkat (still our file?),
        # on top of the floor's 4.
        "w1-named": {"openat": 1, "flock": 1, "write": 1, "close": 1, "statx": 2,
                     "unlinkat": 1},
        "w2-temporary": {"openat": 1, "pwrite64": 1, "close": 1},
        "w3-mkdtemp": {"mkdirat": 1, "rmdir": 1},
        "w3-temporary-directory": {"mkdirat": 1, "openat": 1, "flock": 1, "unlinkat": 1,
                                   "statx": 2, "close": 1},
        "w3-temporary-directory-tree": {"mkdirat": 1, "openat": 7, "flock": 1, "mkdir": 1,
                                        "close": 7, "unlinkat": 7, "statx": 4, "getdents64": 4},
        "w5a-spooled-memory": {},
        "w5b-spooled-rollover": {"openat": 1, "writev": 1, "pwrite64": 4, "pread64": 1,
                                 "close": 1},
    },
    "portable": {
        "w1-mkstemp": {"openat": 1, "write": 1, "close": 1, "unlink": 1},
        # Identities are statx on Linux in this build too (the mount id).
        "w1-named": {"openat": 1, "flock": 1, "write": 1, "close": 1, "statx": 2,
                     "unlinkat": 1},
        "w2-temporary": {"openat": 1, "unlinkat": 1, "pwrite64": 1, "close": 1},
        "w3-mkdtemp": {"mkdirat": 1, "rmdir": 1},
        # Identities (and the mount check) use statx on Linux in this build too.
        "w3-temporary-directory": {"mkdirat": 1, "openat": 1, "flock": 1, "unlinkat": 1,
                                   "statx": 2, "close": 1},
        # readdir's reader scans through a duplicate that fdopendir checks: per directory 3
        # fcntl (the dup and fdopendir's), 1 fstat and 1 close more.
        "w3-temporary-directory-tree": {"mkdirat": 1, "openat": 7, "flock": 1, "mkdir": 1,
                                        "close": 9, "unlinkat": 7, "newfstatat": 2, "statx": 4,
                                        "fcntl": 6, "getdents64": 4},
        "w5a-spooled-memory": {},
        "w5b-spooled-rollover": {"openat": 1, "unlinkat": 1, "writev": 1, "pwrite64": 4,
                                 "pread64": 1, "close": 1},
    },
}

# Created in a held directory (tempfile::Directory): exactly the calls of the same workload
# created by path, now relative to the held descriptor.
for _build in EXPECTED.values():
    for _plain in ("w1-mkstemp", "w1-named", "w2-temporary", "w3-mkdtemp",
                   "w3-temporary-directory"):
        _build[_plain + "-held"] = dict(_build[_plain])

# Workloads that draw one random name per op, per build. Their refill rate must lie in this range
# (6 bytes a name from a 252-byte buffer, a draw rejected 0.17% of the time: 0.024 refills per op);
# the others must make no refill at all.
NAMING = {
    "linux": {"w1-mkstemp", "w1-named", "w3-mkdtemp", "w3-temporary-directory",
              "w3-temporary-directory-tree", "w1-mkstemp-held", "w1-named-held",
              "w3-mkdtemp-held", "w3-temporary-directory-held"},
    "portable": {"w1-mkstemp", "w1-named", "w2-temporary", "w3-mkdtemp", "w3-temporary-directory",
                 "w3-temporary-directory-tree", "w5b-spooled-rollover", "w1-mkstemp-held",
                 "w1-named-held", "w2-temporary-held", "w3-mkdtemp-held",
                 "w3-temporary-directory-held"},
}
REFILL_RATE = (0.02, 0.06)
# The calls one refill makes: getrandom, or (portable) open, read and close of /dev/urandom.
REFILL_CALLS = {"linux": {"getrandom": 1}, "portable": {"openat": 1, "read": 1, "close": 1}}

CALL_RE = re.compile(r"^(?:\[pid\s+)?(?:\d+\]?\s+)?(?P<name>[a-z_][a-z0-9_]*)\((?P<args>.*)$")
RESULT_RE = re.compile(r"=\s+(-?\d+)(?:\s|$)")
FIRST_ARG_RE = re.compile(r"^\s*(-?\d+)\s*[,)]")


def fail(message):
    print(f"FAIL: {message}")
    return 1


def skip(message):
    print(f"SKIPPED: {message}")
    return SKIP


def probe_strace(strace):
    """None if strace can trace a child here, else (exit status, message)."""
    true = shutil.which("true") or "/bin/true"
    try:
        probe = subprocess.run([strace, "-f", "-qq", "-o", os.devnull, "--", true],
                               capture_output=True, text=True, timeout=30, check=False)
    except OSError as error:
        return SKIP, f"cannot run {strace}: {error}"
    if probe.returncode == 0:
        return None
    text = probe.stderr.strip()
    if "Operation not permitted" in text or "ptrace" in text.lower():
        return SKIP, f"ptrace is not permitted here (container or yama ptrace_scope?): {text}"
    return 1, f"strace cannot trace /bin/true (status {probe.returncode}): {text}"


def count_calls(trace_path):
    """Counts of each syscall in a trace, and the calls of random refills kept apart."""
    counts = collections.Counter()
    refill_calls = collections.Counter()
    urandom_fds = set()
    with open(trace_path, encoding="utf-8", errors="replace") as trace:
        for line in trace:
            line = line.rstrip("\n")
            if "resumed>" in line:
                continue  # the call was counted at its "<unfinished ...>" line
            match = CALL_RE.match(line)
            if not match:
                continue  # signals (---), exits (+++), anything else that is not a call
            name, args = match.group("name"), match.group("args")
            result = RESULT_RE.search(args.rsplit(")", 1)[-1]) if ")" in args else None
            if name == "getrandom":
                refill_calls[name] += 1
                continue
            if name in ("open", "openat") and '"/dev/urandom"' in args:
                refill_calls[name] += 1
                if result and int(result.group(1)) >= 0:
                    urandom_fds.add(int(result.group(1)))
                continue
            first = FIRST_ARG_RE.match(args)
            if first and int(first.group(1)) in urandom_fds and name in ("read", "close"):
                refill_calls[name] += 1
                if name == "close":
                    urandom_fds.discard(int(first.group(1)))
                continue
            counts[name] += 1
    return counts, refill_calls


def run_traced(strace, driver, workload, n, work_dir, trace_path):
    command = [strace, "-f", "-qq", "-o", trace_path, "--", driver, workload, str(n), work_dir]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n"
                           f"{done.stdout}{done.stderr}")
    left = sorted(os.listdir(work_dir))
    if left:
        raise RuntimeError(f"the workload left entries in {work_dir}: {left}")
    return count_calls(trace_path)


def file_system(path):
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            best = ("", "?")
            real = os.path.realpath(path)
            for line in mounts:
                fields = line.split()
                point = fields[1].replace("\\040", " ")
                if (real == point or real.startswith(point.rstrip("/") + "/")) and \
                        len(point) >= len(best[0]):
                    best = (point, fields[2])
            return best[1]
    except OSError:
        return "?"


def choose_parent(fallback):
    # tmpfs has O_TMPFILE everywhere, and containers' overlay build trees may not: prefer it.
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return fallback


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", required=True, help="the syscall_driver executable")
    parser.add_argument("--workload", required=True,
                        choices=sorted(EXPECTED["linux"]), help="which workload to count")
    parser.add_argument("--build", required=True, choices=sorted(EXPECTED),
                        help="which expected table: linux, or portable (-DTEMPFILE_PORTABLE=ON)")
    parser.add_argument("--fallback-parent", required=True,
                        help="where the traces go (kept only if the test fails), and the work "
                        "directory too when /dev/shm is unusable")
    parser.add_argument("--strace", default="strace", help="the strace to use")
    parser.add_argument("--measure", action="store_true",
                        help="print the measured calls per op without comparing")
    args = parser.parse_args()

    strace = shutil.which(args.strace)
    if strace is None:
        return skip(f"'{args.strace}' not found on PATH; install strace "
                    "(scripts/install-deps.sh) to check the system calls per operation")
    problem = probe_strace(strace)
    if problem is not None:
        status, message = problem
        return skip(message) if status == SKIP else fail(message)

    parent = choose_parent(args.fallback_parent)
    work_dir = tempfile.mkdtemp(prefix=f"syscalls-{args.workload}-", dir=parent)
    trace_dir = tempfile.mkdtemp(prefix=f"traces-{args.workload}-", dir=args.fallback_parent)
    keep_traces = False
    try:
        try:
            small, small_refills = run_traced(
                strace, args.driver, args.workload, SMALL_N, work_dir,
                os.path.join(trace_dir, f"{SMALL_N}.strace"))
            large, large_refills = run_traced(
                strace, args.driver, args.workload, LARGE_N, work_dir,
                os.path.join(trace_dir, f"{LARGE_N}.strace"))
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            keep_traces = True
            return fail(f"{error}\n(traces kept in {trace_dir})")
        ops = LARGE_N - SMALL_N
        delta = {name: large[name] - small[name] for name in set(large) | set(small)}
        delta = {name: calls for name, calls in delta.items() if calls != 0}
        refill_delta = {name: large_refills[name] - small_refills[name]
                        for name in set(large_refills) | set(small_refills)}
        refills = refill_delta.get("getrandom", 0) + refill_delta.get("openat", 0) + \
            refill_delta.get("open", 0)
        refill_rate = refills / ops
        refill_shape = {name: calls * refills for name, calls in REFILL_CALLS[args.build].items()
                        if refills}
        refill_delta = {name: calls for name, calls in refill_delta.items() if calls}

        expected = EXPECTED[args.build][args.workload]
        names = sorted(set(expected) | set(delta))
        print(f"{args.workload}, {args.build} build: system calls per op = "
              f"(count at N={LARGE_N} - count at N={SMALL_N}) / {ops}, "
              f"dir {work_dir} ({file_system(work_dir)})")
        print(f"  {'syscall':<12} {'expected':>8} {'measured':>9}")
        errors = []
        for name in names:
            want = expected.get(name, 0)
            got = delta.get(name, 0)
            mark = "" if got == want * ops else "   <-- MISMATCH"
            print(f"  {name:<12} {want:>8} {got / ops:>9.3f}{mark}")
            if mark:
                errors.append(f"{name}: expected {want}/op, got {got}/{ops} = {got / ops:.3f}/op")
        total_want = sum(expected.values())
        total_got = sum(delta.values())
        print(f"  {'total':<12} {total_want:>8} {total_got / ops:>9.3f}")
        refill_text = ", ".join(f"{name} {calls}" for name, calls in sorted(refill_delta.items())
                                if calls) or "none"
        if refill_delta != refill_shape:
            errors.append(f"random refill calls {refill_delta}, expected {refill_shape} "
                          f"({REFILL_CALLS[args.build]} per refill)")
        if args.workload in NAMING[args.build]:
            low, high = REFILL_RATE
            print(f"  random refills, amortised, not in the table: {refill_rate:.3f}/op "
                  f"(must be {low}..{high}; calls over {ops} ops: {refill_text})")
            if not low <= refill_rate <= high:
                errors.append(f"random refills: {refill_rate:.3f}/op, outside {low}..{high}")
        else:
            print(f"  random refills: {refill_rate:.3f}/op (must be 0: no names are drawn; "
                  f"calls over {ops} ops: {refill_text})")
            if refills != 0:
                errors.append(f"random refills: {refills} over {ops} ops, expected none")
        if args.measure:
            return 0
        if errors:
            keep_traces = True
            print(f"traces kept in {trace_dir}")
            return fail("system calls per op differ from the table in "
                        "tests/syscalls/count_syscalls.py:\n  " + "\n  ".join(errors))
        print("PASS")
        return 0
    finally:
        leaked = os.listdir(work_dir) if os.path.isdir(work_dir) else []
        shutil.rmtree(work_dir, ignore_errors=True)
        if not keep_traces:
            shutil.rmtree(trace_dir, ignore_errors=True)
        if leaked:
            print(f"FAIL: entries left in {work_dir}: {leaked}")
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
