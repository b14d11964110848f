#!/usr/bin/env python3
"""Instruction counts of a fixed set of orm operations, checked against a committed baseline.

Runs `benches/examples/prof.rs` (built in release) under `valgrind --tool=callgrind` once per
mode on in-memory SQLite and compares the instructions executed with `baseline.txt` beside
this script. Fails (exit 1) when a mode executes more than `--tolerance` percent (default 5)
more instructions than its baseline. Instruction counts do not move with the machine's load
or code layout the way wall-clock medians on a 2-core machine do.

    benches/callgrind/check.py            # build, run, compare (what .ci/run does)
    benches/callgrind/check.py --update   # write the new counts as the baseline

Update the baseline deliberately, with the reason in the commit message.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BASELINE = HERE / "baseline.txt"
# The modes of benches/examples/prof.rs, each on in-memory SQLite.
MODES = [
    "insert-session",
    "insert-core",
    "get-core",
    "get-engine",
    "get-session",
    "get-session-each",
    "load-session",
    "joined",
    "selectin",
    "children-session",
    "commit-one-each",
]
# Rounds per mode: enough for the operation to dominate setup, few enough for seconds.
LOOPS = "5"


def build() -> Path:
    subprocess.run(
        ["cargo", "build", "--release", "-p", "orm-benches", "--example", "prof"],
        cwd=ROOT,
        check=True,
    )
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    target = re.search(r'"target_directory":"([^"]+)"', meta)
    if target is None:
        sys.exit("check.py: cargo metadata names no target directory")
    return Path(target.group(1)) / "release" / "examples" / "prof"


def count(prof: Path, mode: str) -> int:
    env = dict(os.environ, PROF_LOOPS=LOOPS)
    env.pop("PROF_URL", None)
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", str(prof), mode],
        env=env,
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or found is None:
        sys.exit(f"check.py: {mode} did not run under callgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def read_baseline() -> dict:
    if not BASELINE.exists():
        return {}
    counts = {}
    for line in BASELINE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            mode, n = line.split()
            counts[mode] = int(n)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the counts as the new baseline")
    parser.add_argument("--tolerance", type=float, default=5.0, help="percent growth allowed (default 5)")
    args = parser.parse_args()

    prof = build()
    baseline = read_baseline()
    counts = {mode: count(prof, mode) for mode in MODES}

    failed = []
    print(f"{'mode':16} {'baseline':>14} {'now':>14} {'change':>8}")
    for mode, n in counts.items():
        base = baseline.get(mode)
        if base is None:
            print(f"{mode:16} {'-':>14} {n:>14,} {'new':>8}")
            continue
        change = (n - base) * 100.0 / base
        flag = "  over" if change > args.tolerance else ""
        print(f"{mode:16} {base:>14,} {n:>14,} {change:>+7.2f}%{flag}")
        if change > args.tolerance:
            failed.append(mode)

    if args.update:
        lines = [
            "# Instructions executed per mode of benches/examples/prof.rs (PROF_LOOPS=5, in-memory",
            "# SQLite), under valgrind --tool=callgrind: the baseline of benches/callgrind/check.py.",
        ]
        lines += [f"{mode} {n}" for mode, n in counts.items()]
        BASELINE.write_text("\n".join(lines) + "\n")
        print(f"baseline written: {BASELINE.relative_to(ROOT)}")
        return 0
    if failed:
        print(f"more than {args.tolerance}% above the baseline: {', '.join(failed)}", file=sys.stderr)
        return 1
    missing = [m for m in MODES if m not in baseline]
    if missing:
        print(f"no baseline for: {', '.join(missing)} (run with --update)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
