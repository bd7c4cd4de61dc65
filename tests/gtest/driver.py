#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Runs the tempfile::gtest sample program in scratch directories and checks what it keeps,
# removes, prints and records, its retention modes, pruning, parallel runs and root checks.
"""Usage: driver.py <sample-binary> <parent of the scratch directory>"""

import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

SAMPLE = os.path.abspath(sys.argv[1])
NORMAL = "-Crash.*:Pause.*"
FAILED = {"Free.Fails", "Fixture.Fails", "SetUpFails.Test", "TearDownFails.Test",
          "Cleanup.FailsTheTest"}
LONG = "Free.AVeryLongTestNameThatGoesOnAndOnWellBeyondTheSixtyCharacterLimit"
PASSED = {"Free.Passes", "Free.Passes-001", "Free.Skipped", "Fixture.Passes",
          "Values_Param.UsesTmpPath_0", "Values_Param.UsesTmpPath_1"}
problems = []


def check(condition, what):
    if not condition:
        problems.append(what)
        print("FAIL:", what, file=sys.stderr)


def user():
    name = pwd.getpwuid(os.geteuid()).pw_name
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def run(root, gtest_filter=NORMAL, env=None, extra=(), wait=True):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPFILE_GTEST", "GTEST_"))}
    environment["TEST_TMPDIR"] = root
    environment.update(env or {})
    command = [SAMPLE, "--gtest_filter=" + gtest_filter, *extra]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def runs(base):
    return sorted(int(n[4:]) for n in os.listdir(base) if re.fullmatch(r"run-\d+", n))


def entries(run_dir):
    return {n for n in os.listdir(run_dir) if n not in (".lock", "artifacts")}


def scenario_default(scratch):
    root = os.path.join(scratch, "default")
    os.mkdir(root)
    xml = os.path.join(scratch, "report.xml")
    code, out, err = run(root, extra=["--gtest_output=xml:" + xml])
    check(code != 0, "default: the run fails (some tests fail on purpose)")
    base = os.path.join(root, "tempfile-of-" + user())
    st = os.lstat(base)
    check(stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700, "default: root is 0700")
    check(runs(base) == [1], "default: one run-1")
    run_dir = os.path.join(base, "run-1")
    check(os.path.isfile(os.path.join(run_dir, ".lock")), "default: run-1 has its lock file")
    check(os.readlink(os.path.join(base, "current")) == "run-1", "default: current -> run-1")
    check(stat.S_IMODE(os.stat(run_dir).st_mode) == 0o700, "default: run-1 is 0700")
    names = entries(run_dir)
    long = [n for n in names if n.startswith("Free.AVeryLong")]
    check(len(long) == 1 and len(long[0]) == 60 and re.search(r"-[0-9a-f]{8}$", long[0]),
          f"default: long name cut to 60 with a hash: {long}")
    check(names - set(long) == FAILED, f"default: kept exactly the failed tests' dirs: {sorted(names)}")
    check(os.path.islink(os.path.join(run_dir, "Cleanup.FailsTheTest")),
          "default: the planted link is left, not followed")
    check(os.path.isfile(os.path.join(run_dir, "artifacts", "Free.WritesArtifact", "log.txt")),
          "default: artifact kept")
    check(open(os.path.join(run_dir, "SetUpFails.Test", "data.txt")).read() == "from SetUp",
          "default: SetUp's file kept")
    for name in sorted(FAILED - {"Cleanup.FailsTheTest"}) + [LONG]:
        dir_name = long[0] if name == LONG and long else name
        line = f"tempfile: kept {run_dir}/{dir_name} for failed test {name}"
        check(line in err.splitlines(), f"default: printed '{line}'")
    check(f"tempfile: artifacts of Free.WritesArtifact in {run_dir}/artifacts/Free.WritesArtifact"
          in err.splitlines(), "default: artifacts printed")
    check("[  FAILED  ] Cleanup.FailsTheTest" in out and "could not remove" in out,
          "default: a failed removal fails the test, saying why")
    for name in ("Free.Passes", "Fixture.Passes", "Free.Skipped", "Values/Param.UsesTmpPath/0",
                 "OutsideATest.TmpPathThrew"):
        check(f"[  FAILED  ] {name}" not in out, f"default: {name} is not failed")
    check("[       OK ] OutsideATest.TmpPathThrew" in out, "default: tmp_path() outside a test throws")
    check("[  FAILED  ] TearDownFails.Test" in out and "[  FAILED  ] SetUpFails.Test" in out,
          "default: SetUp and TearDown failures")
    properties = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        for prop in case.iter("property"):
            properties.setdefault(case.get("classname") + "." + case.get("name"), {})[
                prop.get("name")] = prop.get("value")
    check(properties.get("Free.Fails", {}).get("tmp_path") == f"{run_dir}/Free.Fails",
          f"default: XML tmp_path property: {properties.get('Free.Fails')}")
    check(properties.get("Free.Passes", {}).get("tmp_path.1") == f"{run_dir}/Free.Passes-001",
          "default: XML property of new_tmp_path")
    check(properties.get("Free.WritesArtifact", {}).get("artifact_dir")
          == f"{run_dir}/artifacts/Free.WritesArtifact", "default: XML artifact_dir property")
    check("Free.Unused" not in properties, "default: an unused test made nothing")

    # A crash leaves the directory, and the run is dead: the next run's pruning may take it.
    code, out, err = run(root, gtest_filter="Crash.*")
    check(code != 0, "crash: the program dies")
    check(os.path.isfile(os.path.join(base, "run-2", "Crash.Aborts", "data.txt")),
          "crash: the directory of a crashed test is left")
    check(os.readlink(os.path.join(base, "current")) == "run-2", "crash: current -> run-2")


def scenario_modes(scratch):
    for keep, expect in (("all", FAILED | PASSED), ("none", set()), ("failed", FAILED)):
        root = os.path.join(scratch, "keep-" + keep)
        os.mkdir(root)
        code, out, err = run(root, env={"TEMPFILE_GTEST_KEEP": keep})
        run_dir = os.path.join(root, "tempfile-of-" + user(), "run-1")
        names = {n for n in entries(run_dir) if not n.startswith("Free.AVeryLong")}
        if keep == "none":
            # The planted link cannot be removed: it is the only thing left.
            expect = {"Cleanup.FailsTheTest"}
        check(names == expect, f"keep={keep}: kept {sorted(names)}, expected {sorted(expect)}")
        check(os.path.isfile(os.path.join(run_dir, "artifacts", "Free.WritesArtifact", "log.txt")),
              f"keep={keep}: artifact kept")
    # set_retention() from the program, and the environment over it.
    for env, expect in (({"SAMPLE_SET_KEEP": "all"}, FAILED | PASSED),
                        ({"SAMPLE_SET_KEEP": "all", "TEMPFILE_GTEST_KEEP": "none"},
                         {"Cleanup.FailsTheTest"})):
        root = os.path.join(scratch, "program-" + "-".join(env.values()))
        os.mkdir(root)
        run(root, env=env)
        run_dir = os.path.join(root, "tempfile-of-" + user(), "run-1")
        names = {n for n in entries(run_dir) if not n.startswith("Free.AVeryLong")}
        check(names == expect, f"program {env}: kept {sorted(names)}, expected {sorted(expect)}")
    # A repeated test gets a numbered directory the second time.
    root = os.path.join(scratch, "repeat")
    os.mkdir(root)
    run(root, gtest_filter="Free.Fails", extra=["--gtest_repeat=2"])
    run_dir = os.path.join(root, "tempfile-of-" + user(), "run-1")
    check(entries(run_dir) == {"Free.Fails", "Free.Fails-001"},
          f"repeat: {sorted(entries(run_dir))}")
    root = os.path.join(scratch, "keep-bad")
    os.mkdir(root)
    code, out, err = run(root, gtest_filter="Free.Passes", env={"TEMPFILE_GTEST_KEEP": "bogus"})
    check(code != 0 and "TEMPFILE_GTEST_KEEP='bogus'" in out, "a bad TEMPFILE_GTEST_KEEP fails")


def scenario_pruning(scratch):
    root = os.path.join(scratch, "prune")
    os.mkdir(root)
    base = os.path.join(root, "tempfile-of-" + user())
    for _ in range(2):
        run(root, gtest_filter="Free.Fails")
    ready, release = os.path.join(scratch, "ready"), os.path.join(scratch, "release")
    paused = run(root, gtest_filter="Pause.*", env={"SAMPLE_READY": ready, "SAMPLE_RELEASE": release},
                 wait=False)
    try:
        for _ in range(600):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                break
            time.sleep(0.05)
        paused_run = open(ready).read()
        check(paused_run.endswith("/run-3"), f"pruning: the paused run is run-3: {paused_run}")
        for _ in range(3):
            run(root, gtest_filter="Free.Fails", env={"TEMPFILE_GTEST_KEEP_RUNS": "1"})
        check(runs(base) == [3, 6], f"pruning: keep_runs=1 leaves the newest and the live run: {runs(base)}")
    finally:
        open(release, "w").close()
        paused.communicate(timeout=120)
    run(root, gtest_filter="Free.Fails", env={"TEMPFILE_GTEST_KEEP_RUNS": "2"})
    check(runs(base) == [6, 7], f"pruning: once dead, the paused run goes: {runs(base)}")


def scenario_parallel(scratch):
    root = os.path.join(scratch, "parallel")
    os.mkdir(root)
    # keep_runs=10: with the default 3, a late process would rightly prune an early one that
    # had already ended.
    keep = {"TEMPFILE_GTEST_KEEP_RUNS": "10"}
    processes = [run(root, env={**keep, "GTEST_TOTAL_SHARDS": "2", "GTEST_SHARD_INDEX": str(i)},
                     wait=False) for i in range(2)]
    processes += [run(root, env=keep, wait=False) for _ in range(2)]
    for p in processes:
        p.communicate(timeout=120)
    base = os.path.join(root, "tempfile-of-" + user())
    check(runs(base) == [1, 2, 3, 4], f"parallel: four processes, four runs: {runs(base)}")
    shards = [entries(os.path.join(base, f"run-{n}")) for n in (1, 2, 3, 4)]
    full = [s for s in shards if {n for n in s if not n.startswith("Free.AVeryLong")} == FAILED]
    check(len(full) >= 2, "parallel: the unsharded runs kept every failed test's directory")
    partial = [s for s in shards if s not in full]
    if len(partial) == 2:
        check(not (partial[0] & partial[1]), "parallel: shards kept disjoint sets")
        check(partial[0] | partial[1] == full[0], "parallel: the shards together kept every one")
    else:
        check(False, f"parallel: two sharded runs, each with part of the tests: {shards}")


def scenario_refusals(scratch):
    # A root someone else prepared: a symbolic link, a wrong mode, another owner.
    root = os.path.join(scratch, "refuse-link")
    os.mkdir(root)
    elsewhere = os.path.join(scratch, "elsewhere")
    os.mkdir(elsewhere, 0o700)
    os.symlink(elsewhere, os.path.join(root, "tempfile-of-" + user()))
    code, out, err = run(root, gtest_filter="Free.Passes")
    check(code != 0 and "symbolic link" in out, "refuse: a symbolic link root fails the test")
    check(os.listdir(elsewhere) == [], "refuse: nothing made through the link")

    root = os.path.join(scratch, "refuse-mode")
    os.mkdir(root)
    base = os.path.join(root, "tempfile-of-" + user())
    os.mkdir(base)
    os.chmod(base, 0o755)
    code, out, err = run(root, gtest_filter="Free.Passes")
    check(code != 0 and "its mode is 0755, not 0700" in out, "refuse: a 0755 root fails the test")
    check(os.listdir(base) == [], "refuse: nothing made in a 0755 root")

    if os.geteuid() == 0:
        root = os.path.join(scratch, "refuse-owner")
        os.mkdir(root)
        base = os.path.join(root, "tempfile-of-" + user())
        os.mkdir(base, 0o700)
        os.chown(base, 12345, 12345)
        code, out, err = run(root, gtest_filter="Free.Passes")
        check(code != 0 and "owned by uid 12345" in out, "refuse: another user's root fails the test")


def main():
    scratch = tempfile.mkdtemp(prefix="gtest-fixture-", dir=sys.argv[2])
    try:
        for scenario in (scenario_default, scenario_modes, scenario_pruning, scenario_parallel,
                         scenario_refusals):
            print("==", scenario.__name__, flush=True)
            scenario(scratch)
    finally:
        shutil.rmtree(scratch)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
